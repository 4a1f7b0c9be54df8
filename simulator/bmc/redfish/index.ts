export { createRedfishApp, credentialsMatch, type RedfishAppOptions } from './redfish-app';
export { systemPath, systemResource, powerState } from './system-resource';
export { etagOf, ifMatchSatisfied } from './etag';
