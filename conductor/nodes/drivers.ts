/** Hardware types the embedded conductor accepts; each has a power driver (conductor/bmc). */
export const KNOWN_DRIVERS: ReadonlySet<string> = new Set([
  'redfish',
  'ipmi',
  'fake-hardware',
  'manual-management',
]);
