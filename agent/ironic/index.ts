export { discoverAdvertiseAddress, type AdvertiseAddressOptions } from './advertise-address';
export { type RandomSource, exponentialWait, randomExponentialWait, uniform } from './backoff';
export {
  HeartbeatError,
  IronicConnectionError,
  LookupAgentIPError,
  LookupNodeError,
} from './errors';
export {
  Heartbeater,
  type HeartbeatOutcome,
  type HeartbeaterOptions,
  MIN_FORCED_HEARTBEAT_GAP_MS,
} from './heartbeater';
export { type FetchLike, IronicHttp, type IronicHttpOptions, ironicErrorText } from './http-client';
export { type HeartbeatParams, IronicClient, type LookupAttempt } from './ironic-client';
export { INSPECTION_ATTEMPTS, InspectionError, postInspectionData } from './inspection';
export {
  LOOKUP_CONFLICT_WAITS_S,
  LOOKUP_MAX_WAIT_S,
  type LookupOptions,
  lookupNode,
} from './lookup';
