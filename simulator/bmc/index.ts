export type { MachineDirectory } from './directory';
export { createRedfishApp, type RedfishAppOptions } from './redfish';
