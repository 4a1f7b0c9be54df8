import { describe, expect, it } from 'vitest';
import { maskSecrets } from './mask';

describe('maskSecrets', () => {
  it('hides BMC passwords of both drivers as Ironic does, and nothing else', () => {
    const masked = maskSecrets({
      ipmi_address: '10.0.0.5',
      ipmi_port: 623,
      ipmi_username: 'admin',
      ipmi_password: 'calvin',
      ipmi_priv_level: 'ADMINISTRATOR',
      redfish_address: 'https://bmc',
      redfish_username: 'root',
      redfish_password: 'hunter2',
      redfish_deploy_iso: 'http://images/ipa.iso',
      nested: { agent_secret_token: 'abc' },
    });
    expect(masked).toEqual({
      ipmi_address: '10.0.0.5',
      ipmi_port: 623,
      ipmi_username: 'admin',
      ipmi_password: '******',
      ipmi_priv_level: 'ADMINISTRATOR',
      redfish_address: 'https://bmc',
      redfish_username: 'root',
      redfish_password: '******',
      redfish_deploy_iso: 'http://images/ipa.iso',
      nested: { agent_secret_token: '******' },
    });
  });
});
