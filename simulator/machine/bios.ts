/**
 * BIOS setup attributes (named as Dell's registry names them, which Ironic's bios steps and
 * operators' templates use). Changes are staged and applied by the next POST, as on real
 * servers: that is why Ironic reboots after `bios.apply_configuration`.
 */
export type BiosValue = string | number | boolean;

interface AttributeSpec {
  type: 'Enumeration' | 'Integer' | 'Boolean' | 'String';
  default: BiosValue;
  values?: readonly string[];
  min?: number;
  max?: number;
  readOnly?: boolean;
}

export const BIOS_REGISTRY: Readonly<Record<string, AttributeSpec>> = {
  BootMode: { type: 'Enumeration', default: 'Uefi', values: ['Uefi', 'Bios'] },
  ProcVirtualization: { type: 'Enumeration', default: 'Enabled', values: ['Enabled', 'Disabled'] },
  LogicalProc: { type: 'Enumeration', default: 'Enabled', values: ['Enabled', 'Disabled'] },
  SriovGlobalEnable: { type: 'Enumeration', default: 'Disabled', values: ['Enabled', 'Disabled'] },
  SysProfile: {
    type: 'Enumeration',
    default: 'PerfPerWattOptimizedDapc',
    values: ['PerfPerWattOptimizedDapc', 'PerfPerWattOptimizedOs', 'PerfOptimized', 'Custom'],
  },
  NumLock: { type: 'Enumeration', default: 'On', values: ['On', 'Off'] },
  EmbSata: { type: 'Enumeration', default: 'AhciMode', values: ['AhciMode', 'RaidMode', 'Off'] },
  PxeDev1EnDis: { type: 'Enumeration', default: 'Enabled', values: ['Enabled', 'Disabled'] },
  SerialComm: {
    type: 'Enumeration',
    default: 'OnConRedir',
    values: ['OnConRedir', 'OnNoConRedir', 'Off'],
  },
  WorkloadProfile: { type: 'String', default: 'NotAvailable' },
  PowerCycleRequest: { type: 'Enumeration', default: 'None', values: ['None', 'VirtualAc'] },
  MemTest: { type: 'Enumeration', default: 'Disabled', values: ['Enabled', 'Disabled'] },
  SystemServiceTag: { type: 'String', default: '', readOnly: true },
  BootSeqRetry: { type: 'Enumeration', default: 'Enabled', values: ['Enabled', 'Disabled'] },
  AcPwrRcvryDelay: { type: 'Integer', default: 0, min: 0, max: 240 },
};

export function biosDefaults(serial: string, uefi: boolean): Record<string, BiosValue> {
  const out: Record<string, BiosValue> = {};
  for (const [name, spec] of Object.entries(BIOS_REGISTRY)) out[name] = spec.default;
  out.BootMode = uefi ? 'Uefi' : 'Bios';
  out.SystemServiceTag = serial;
  return out;
}

/** Why a staged change is refused, or null when every attribute and value is acceptable. */
export function biosChangeError(changes: Record<string, unknown>): string | null {
  for (const [name, value] of Object.entries(changes)) {
    const spec = BIOS_REGISTRY[name];
    if (!spec) return `unknown attribute ${name}`;
    if (spec.readOnly) return `attribute ${name} is read-only`;
    if (
      spec.type === 'Enumeration' &&
      (typeof value !== 'string' || !spec.values!.includes(value))
    ) {
      return `value ${JSON.stringify(value)} is not allowed for ${name} (${spec.values!.join(', ')})`;
    }
    if (
      spec.type === 'Integer' &&
      (typeof value !== 'number' ||
        !Number.isInteger(value) ||
        value < spec.min! ||
        value > spec.max!)
    ) {
      return `value ${JSON.stringify(value)} for ${name} must be an integer from ${spec.min} to ${spec.max}`;
    }
    if (spec.type === 'Boolean' && typeof value !== 'boolean')
      return `value for ${name} must be a boolean`;
    if (spec.type === 'String' && typeof value !== 'string')
      return `value for ${name} must be a string`;
  }
  return null;
}
