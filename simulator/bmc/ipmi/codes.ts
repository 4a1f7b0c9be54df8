/** IPMI 2.0 numbers the simulated BMC speaks (IPMI v2.0 rev 1.1, tables 13-16, 22-19, 28-*). */
export const NetFn = {
  Chassis: 0x00,
  App: 0x06,
  Transport: 0x0c,
} as const;

export const AppCmd = {
  GetDeviceId: 0x01,
  GetSystemGuid: 0x37,
  GetChannelAuthCapabilities: 0x38,
  SetSessionPrivilegeLevel: 0x3b,
  CloseSession: 0x3c,
  GetChannelCipherSuites: 0x54,
  GetChannelInfo: 0x42,
  GetChannelAccess: 0x41,
  ActivatePayload: 0x48,
  DeactivatePayload: 0x49,
  GetPayloadActivationStatus: 0x4a,
} as const;

export const TransportCmd = {
  GetLanConfigurationParameters: 0x02,
  GetSolConfigurationParameters: 0x22,
} as const;

export const ChassisCmd = {
  GetChassisStatus: 0x01,
  ChassisControl: 0x02,
  SetSystemBootOptions: 0x08,
  GetSystemBootOptions: 0x09,
} as const;

export const Completion = {
  Ok: 0x00,
  NodeBusy: 0xc0,
  InvalidCommand: 0xc1,
  RequestDataLengthInvalid: 0xc7,
  InvalidDataField: 0xcc,
  NotSupportedInPresentState: 0xd5,
  ParameterNotSupported: 0x80,
  InvalidSessionId: 0x87,
  PrivilegeExceedsLimit: 0x81,
} as const;

export const PayloadType = {
  Ipmi: 0x00,
  Sol: 0x01,
  OpenSessionRequest: 0x10,
  OpenSessionResponse: 0x11,
  Rakp1: 0x12,
  Rakp2: 0x13,
  Rakp3: 0x14,
  Rakp4: 0x15,
} as const;

/** RMCP+ status codes (table 13-15). */
export const RmcpStatus = {
  Ok: 0x00,
  InsufficientResources: 0x01,
  InvalidSessionId: 0x02,
  InvalidRole: 0x09,
  UnauthorizedName: 0x0d,
  InvalidIntegrityCheck: 0x0f,
  NoCipherSuiteMatch: 0x11,
} as const;

export const Privilege = { Callback: 1, User: 2, Operator: 3, Administrator: 4 } as const;

/** Cipher suite 3: RAKP-HMAC-SHA1, HMAC-SHA1-96, AES-CBC-128. */
export const SUITE_3 = { id: 3, auth: 0x01, integrity: 0x01, confidentiality: 0x01 } as const;
