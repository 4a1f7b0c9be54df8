// The wire contracts every part shares: schemas, types and constants. No I/O lives here.
export * from './ipa';
export * from './ironic';
export * from './redfish';
