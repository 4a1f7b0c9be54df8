/** IPMI 2.0 numbers the conductor's client uses (IPMI v2.0 rev 1.1, tables 5-2, 13-15, 28-*). */
export const NetFn = { Chassis: 0x00, App: 0x06 } as const;

export const AppCmd = {
  GetChannelAuthCapabilities: 0x38,
  SetSessionPrivilegeLevel: 0x3b,
  CloseSession: 0x3c,
} as const;

export const ChassisCmd = {
  GetChassisStatus: 0x01,
  ChassisControl: 0x02,
  SetSystemBootOptions: 0x08,
  GetSystemBootOptions: 0x09,
} as const;

/** Chassis Control request byte (table 28-4). */
export const ChassisControl = {
  PowerDown: 0x00,
  PowerUp: 0x01,
  PowerCycle: 0x02,
  HardReset: 0x03,
  PulseDiagnostic: 0x04,
  SoftShutdown: 0x05,
} as const;

export const PayloadType = {
  Ipmi: 0x00,
  OpenSessionRequest: 0x10,
  OpenSessionResponse: 0x11,
  Rakp1: 0x12,
  Rakp2: 0x13,
  Rakp3: 0x14,
  Rakp4: 0x15,
} as const;

/** Privilege levels, by the names Ironic accepts in `ipmi_priv_level`. */
export const PRIVILEGE_LEVELS = {
  CALLBACK: 1,
  USER: 2,
  OPERATOR: 3,
  ADMINISTRATOR: 4,
} as const;
export type PrivilegeName = keyof typeof PRIVILEGE_LEVELS;

/** Cipher suite 3: RAKP-HMAC-SHA1, HMAC-SHA1-96, AES-CBC-128 (the only one this client speaks). */
export const SUITE_3 = { auth: 0x01, integrity: 0x01, confidentiality: 0x01 } as const;

/** Generic completion codes (table 5-2), worded like the specification. */
const COMPLETION_TEXT: Readonly<Record<number, string>> = {
  0xc0: 'Node busy',
  0xc1: 'Invalid command',
  0xc2: 'Command invalid for given LUN',
  0xc3: 'Timeout while processing command',
  0xc4: 'Out of space',
  0xc5: 'Reservation cancelled or invalid reservation ID',
  0xc6: 'Request data truncated',
  0xc7: 'Request data length invalid',
  0xc8: 'Request data field length limit exceeded',
  0xc9: 'Parameter out of range',
  0xca: 'Cannot return number of requested data bytes',
  0xcb: 'Requested sensor, data, or record not present',
  0xcc: 'Invalid data field in request',
  0xcd: 'Command illegal for specified sensor or record type',
  0xce: 'Command response could not be provided',
  0xcf: 'Cannot execute duplicated request',
  0xd0: 'SDR repository in update mode',
  0xd1: 'Device in firmware update mode',
  0xd2: 'BMC initialization in progress',
  0xd3: 'Destination unavailable',
  0xd4: 'Insufficient privilege level',
  0xd5: 'Command not supported in present state',
  0xd6: 'Command sub-function disabled or unavailable',
  0xff: 'Unspecified error',
};

export function completionText(code: number): string {
  const hex = `0x${code.toString(16).padStart(2, '0')}`;
  const known = COMPLETION_TEXT[code];
  if (known) return `${known} (${hex})`;
  if (code >= 0x80 && code <= 0xbe) return `Command-specific error (${hex})`;
  if (code >= 0x01 && code <= 0x7e) return `OEM error (${hex})`;
  return `Unknown completion code (${hex})`;
}

/** RMCP+ status codes of Open Session and RAKP messages (table 13-15). */
const RMCP_STATUS_TEXT: Readonly<Record<number, string>> = {
  0x01: 'Insufficient resources to create a session',
  0x02: 'Invalid session ID',
  0x03: 'Invalid payload type',
  0x04: 'Invalid authentication algorithm',
  0x05: 'Invalid integrity algorithm',
  0x06: 'No matching authentication payload',
  0x07: 'No matching integrity payload',
  0x08: 'Inactive session ID',
  0x09: 'Invalid role',
  0x0a: 'Unauthorized role or privilege level requested',
  0x0b: 'Insufficient resources to create a session at the requested role',
  0x0c: 'Invalid name length',
  0x0d: 'Unauthorized name',
  0x0e: 'Unauthorized GUID',
  0x0f: 'Invalid integrity check value',
  0x10: 'Invalid confidentiality algorithm',
  0x11: 'No cipher suite match with proposed security algorithms',
  0x12: 'Illegal or unrecognized parameter',
};

export function rmcpStatusText(code: number): string {
  const hex = `0x${code.toString(16).padStart(2, '0')}`;
  return `${RMCP_STATUS_TEXT[code] ?? 'Unknown RMCP+ status'} (${hex})`;
}
