export { IpmiBmc, type IpmiBmcOptions } from './ipmi-bmc';
export { IpmiEndpoint, HANDSHAKE_TIMEOUT_MS, MAX_SESSIONS, SESSION_IDLE_MS } from './ipmi-endpoint';
export { BOOT_FLAG_TIMEOUT_MS, BootFlagTimer } from './boot-flag-timer';
