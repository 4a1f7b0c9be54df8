import type { MachineRow } from '../../_server/machine-row';

/** A machine row for tests: a manageable, powered-off, uninspected node named `name`. */
export function makeRow(name: string, extra: Partial<MachineRow> = {}): MachineRow {
  return {
    uuid: `00000000-0000-4000-8000-${name.padStart(12, '0').slice(-12)}`,
    name,
    driver: 'redfish',
    provisionState: 'manageable',
    targetProvisionState: null,
    powerState: 'power off',
    maintenance: false,
    lastError: null,
    lastHeartbeat: null,
    agentUrl: null,
    agentVersion: null,
    bmc: null,
    inventory: null,
    simulated: null,
    updatedAt: null,
    provisionUpdatedAt: null,
    step: null,
    actions: [],
    ...extra,
  };
}
