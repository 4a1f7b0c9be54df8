export type { MachineDirectory } from './directory';
export { createRedfishApp, type RedfishAppOptions } from './redfish';
export { IpmiBmc, type IpmiBmcOptions, IpmiEndpoint } from './ipmi';
