export { createRedfishApp, type RedfishAppOptions } from './app';
export { credentialsMatch, SessionStore, SESSION_TIMEOUT_S } from './auth';
export { systemPath, systemResource, powerState } from './system-resource';
export { etagOf, ifMatchSatisfied } from './etag';
export { FIRMWARE_UPDATE_MS } from './routes/tasks';
