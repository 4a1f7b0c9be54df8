import { describe, expect, it } from 'vitest';
import type { NodeRow } from '../db/schema';
import { ipmiTarget } from './ipmi-power';

const node = (driverInfo: Record<string, unknown>) =>
  ({ uuid: 'n-1', driverInfo }) as unknown as NodeRow;

describe('ipmi driver_info', () => {
  it("reads Ironic's keys with their defaults (port 623, ADMINISTRATOR)", () => {
    expect(
      ipmiTarget(node({ ipmi_address: 'bmc-1', ipmi_username: 'root', ipmi_password: 'x' })),
    ).toEqual({
      host: 'bmc-1',
      port: 623,
      username: 'root',
      password: 'x',
      privilege: 4,
    });
    // The CLI sends every value as a string.
    expect(
      ipmiTarget(node({ ipmi_address: '::1', ipmi_port: '6230', ipmi_priv_level: 'operator' })),
    ).toMatchObject({ host: '::1', port: 6230, username: '', password: '', privilege: 3 });
  });

  it('refuses what it cannot speak, readably', () => {
    expect(() => ipmiTarget(node({}))).toThrow(
      'The following required driver_info properties are missing for node n-1: ipmi_address',
    );
    expect(() => ipmiTarget(node({ ipmi_address: 'b', ipmi_port: '70000' }))).toThrow(
      'Invalid IPMI driver_info for node n-1: ipmi_port must be a port number, not "70000"',
    );
    expect(() => ipmiTarget(node({ ipmi_address: 'b', ipmi_priv_level: 'ROOT' }))).toThrow(
      'ipmi_priv_level must be one of CALLBACK, USER, OPERATOR, ADMINISTRATOR',
    );
    expect(() => ipmiTarget(node({ ipmi_address: 'b', ipmi_protocol_version: '1.5' }))).toThrow(
      'only ipmi_protocol_version 2.0 (RMCP+) is supported, not 1.5',
    );
    expect(() => ipmiTarget(node({ ipmi_address: 'b', ipmi_cipher_suite: 17 }))).toThrow(
      'only ipmi_cipher_suite 3 is supported, not 17',
    );
    expect(() => ipmiTarget(node({ ipmi_address: 'b', ipmi_password: 'x'.repeat(21) }))).toThrow(
      'ipmi_password is longer than 20 bytes',
    );
  });
});
