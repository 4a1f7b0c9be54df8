import {
  BOOT_MODES,
  BOOT_OVERRIDE_ENABLED,
  BOOT_SOURCE_TARGETS,
  RESET_TYPES,
} from '../../../protocol';
import type { Machine } from '../../machine';
import { odataId } from './context';
import { chassisPath, managerPath, systemPath } from './paths';

export { systemPath };

/** Redfish PowerState: a graceful shutdown in progress reads PoweringOff. */
export function powerState(machine: Machine): 'On' | 'Off' | 'PoweringOff' {
  if (machine.phase === 'off') return 'Off';
  return machine.phase === 'shutting-down' ? 'PoweringOff' : 'On';
}

/** The ComputerSystem resource (DSP2046 ComputerSystem v1.13) for one machine. */
export function systemResource(machine: Machine): Record<string, unknown> {
  const { spec } = machine;
  const path = systemPath(machine);
  const override = machine.bootOverride;
  const cores = spec.cpu.sockets * spec.cpu.coresPerSocket;
  return {
    '@odata.type': '#ComputerSystem.v1_13_0.ComputerSystem',
    '@odata.id': path,
    Id: machine.id,
    Name: spec.name,
    Description: `${spec.system.manufacturer} ${spec.system.productName}`,
    SystemType: 'Physical',
    UUID: spec.system.uuid,
    Manufacturer: spec.system.manufacturer,
    Model: spec.system.productName,
    SKU: spec.system.skuNumber,
    SerialNumber: spec.system.serialNumber,
    BiosVersion: spec.system.biosVersion,
    HostName: spec.name,
    PowerState: powerState(machine),
    IndicatorLED: machine.indicatorLed,
    AssetTag: machine.assetTag,
    Status: { State: 'Enabled', Health: machine.faults.failedDisks.size > 0 ? 'Warning' : 'OK' },
    Boot: {
      BootSourceOverrideEnabled: override.enabled,
      BootSourceOverrideTarget: override.target,
      BootSourceOverrideMode: machine.bootMode,
      'BootSourceOverrideEnabled@Redfish.AllowableValues': [...BOOT_OVERRIDE_ENABLED],
      'BootSourceOverrideTarget@Redfish.AllowableValues': [...BOOT_SOURCE_TARGETS],
      'BootSourceOverrideMode@Redfish.AllowableValues': [...BOOT_MODES],
    },
    ProcessorSummary: {
      Count: spec.cpu.sockets,
      CoreCount: cores,
      LogicalProcessorCount: machine.cpus,
      Model: spec.cpu.modelName,
      Status: { State: 'Enabled', Health: 'OK' },
    },
    MemorySummary: {
      TotalSystemMemoryGiB: spec.memoryMiB / 1024,
      Status: { State: 'Enabled', Health: 'OK' },
    },
    Processors: odataId(`${path}/Processors`),
    EthernetInterfaces: odataId(`${path}/EthernetInterfaces`),
    SimpleStorage: odataId(`${path}/SimpleStorage`),
    Storage: odataId(`${path}/Storage`),
    SecureBoot: odataId(`${path}/SecureBoot`),
    Bios: odataId(`${path}/Bios`),
    VirtualMedia: odataId(`${path}/VirtualMedia`),
    Links: {
      Chassis: [odataId(chassisPath(machine))],
      ManagedBy: [odataId(managerPath(machine))],
    },
    Actions: {
      '#ComputerSystem.Reset': {
        target: `${path}/Actions/ComputerSystem.Reset`,
        'ResetType@Redfish.AllowableValues': [...RESET_TYPES],
      },
    },
  };
}
