/** Hardware types the embedded conductor accepts. Only `redfish` has a working power driver yet. */
export const KNOWN_DRIVERS: ReadonlySet<string> = new Set([
  'redfish',
  'ipmi',
  'fake-hardware',
  'manual-management',
]);
