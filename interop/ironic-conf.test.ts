import { describe, expect, it } from 'vitest';
import { ironicConfSections, ironicLayout, renderConf } from './ironic-conf';

describe('ironic.conf for the interop harness', () => {
  const layout = ironicLayout('/tmp/real-ironic-x');
  const sections = ironicConfSections({
    layout,
    host: '127.0.0.1',
    apiPort: 16385,
    httpUrl: 'http://127.0.0.1:8080',
    eraseDevicesPriority: 0,
    overrides: { conductor: { automated_clean: false }, pxe: { boot_retry_timeout: 60 } },
  });

  it('runs a single-process, noauth Ironic on SQLite with the simulator-friendly interfaces', () => {
    expect(sections.DEFAULT).toMatchObject({
      auth_strategy: 'noauth',
      rpc_transport: 'none',
      enabled_hardware_types: 'redfish,ipmi,fake-hardware',
      enabled_boot_interfaces: 'pxe,fake',
      enabled_deploy_interfaces: 'direct,fake',
      default_network_interface: 'noop',
      log_file: '/tmp/real-ironic-x/ironic.log',
    });
    expect(sections.database).toEqual({
      connection: 'sqlite:////tmp/real-ironic-x/ironic.sqlite',
    });
    expect(sections.api).toMatchObject({ host_ip: '127.0.0.1', port: 16385 });
    // Agents learn the API URL from the service catalog override (no Keystone).
    expect(sections.service_catalog?.endpoint_override).toBe('http://127.0.0.1:16385');
    expect(sections.deploy).toMatchObject({
      http_url: 'http://127.0.0.1:8080',
      http_root: '/tmp/real-ironic-x/httpboot',
      fast_track: false,
      erase_devices_priority: 0,
    });
    expect(sections.deploy).not.toHaveProperty('erase_devices_metadata_priority');
    expect(sections.dhcp).toEqual({ dhcp_provider: 'none' });
    // Nothing is written outside the temporary directory.
    expect(sections.agent).toMatchObject({
      certificates_path: '/tmp/real-ironic-x/state/certificates',
      deploy_logs_local_path: '/tmp/real-ironic-x/deploy-logs',
    });
    expect(sections.conductor).toMatchObject({
      automated_clean: false,
      file_url_allowed_paths: '/tmp/real-ironic-x',
    });
    expect(sections.pxe).toMatchObject({
      tftp_root: '/tmp/real-ironic-x/tftpboot',
      boot_retry_timeout: 60,
    });
  });

  it('renders INI text oslo.config reads, and refuses values that would break a line', () => {
    const text = renderConf(sections);
    expect(text).toContain('\n[DEFAULT]\nauth_strategy = noauth\n');
    expect(text).toContain('\n[conductor]\nautomated_clean = false\n');
    expect(text).toMatch(/\n\[api\]\nhost_ip = 127\.0\.0\.1\nport = 16385\n/);
    expect(() => renderConf({ DEFAULT: { host: 'a\nb' } })).toThrow(/newline/);
  });
});
