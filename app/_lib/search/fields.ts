import type { MachineRow } from '../../_server/machine-row';

/**
 * The fields the machine search understands. Each says how to read a row: as text (compared
 * case-insensitively), as a yes/no flag, or as a number that takes comparisons (`cpus:>=32`).
 */
export type FieldKind = 'text' | 'exact' | 'flag' | 'number';

/** What some fields need besides the row: the lab clock and the agents' heartbeat timeout. */
export interface MatchContext {
  now?: number;
  heartbeatTimeoutMs?: number;
}

/**
 * Powered on, with an agent that has gone quiet for longer than the conductor waits: the machine
 * hung, lost its network, or its ramdisk died. Unknown without a clock, so never true then.
 */
export function isSilent(row: MachineRow, context: MatchContext): boolean {
  const { now, heartbeatTimeoutMs } = context;
  if (now === undefined || heartbeatTimeoutMs === undefined) return false;
  return (
    row.powerState === 'power on' &&
    row.agentUrl !== null &&
    row.lastHeartbeat !== null &&
    now - row.lastHeartbeat > heartbeatTimeoutMs
  );
}

export interface FieldDef {
  name: string;
  kind: FieldKind;
  help: string;
  aliases?: readonly string[];
  /** Values offered as suggestions. */
  values?: readonly string[];
  text?: (row: MachineRow) => readonly (string | null)[];
  flag?: (row: MachineRow, context: MatchContext) => boolean;
  number?: (row: MachineRow) => number | null;
}

const powerWord = (state: string | null) =>
  state === 'power on' ? 'on' : state === 'power off' ? 'off' : (state ?? 'unknown');

/** Provision-state groups an operator thinks in, besides the literal Ironic states. */
export const STATE_GROUPS: Record<string, (state: string) => boolean> = {
  failed: (s) => /fail|error/.test(s),
  busy: (s) => /ing$|wait|call-back/.test(s),
  held: (s) => /hold/.test(s),
};

export const FIELDS: readonly FieldDef[] = [
  { name: 'name', kind: 'text', help: 'machine name contains', text: (r) => [r.name] },
  {
    name: 'state',
    kind: 'exact',
    aliases: ['provision'],
    help: 'provision state, or a group: failed, busy, held',
    values: [
      'enroll',
      'manageable',
      'available',
      'active',
      'inspecting',
      'inspect wait',
      'clean wait',
      'failed',
      'busy',
    ],
    text: (r) => [r.provisionState],
  },
  {
    name: 'power',
    kind: 'exact',
    help: 'on, off or unknown',
    values: ['on', 'off', 'unknown'],
    text: (r) => [powerWord(r.powerState)],
  },
  {
    name: 'profile',
    kind: 'exact',
    help: 'simulated hardware profile',
    text: (r) => [r.simulated?.profile ?? null],
  },
  { name: 'driver', kind: 'exact', help: 'hardware type, e.g. redfish', text: (r) => [r.driver] },
  {
    name: 'bmc',
    kind: 'text',
    help: 'BMC address or system id contains',
    text: (r) => [r.bmc?.address ?? null, r.bmc?.systemId ?? null],
  },
  { name: 'uuid', kind: 'text', help: 'node UUID contains', text: (r) => [r.uuid] },
  {
    name: 'agent',
    kind: 'flag',
    help: 'an agent has heartbeated (yes/no)',
    flag: (r) => r.agentUrl !== null,
  },
  {
    name: 'inspected',
    kind: 'flag',
    help: 'inventory collected (yes/no)',
    flag: (r) => r.inventory !== null,
  },
  {
    name: 'maintenance',
    kind: 'flag',
    aliases: ['maint'],
    help: 'in maintenance (yes/no)',
    flag: (r) => r.maintenance,
  },
  {
    name: 'silent',
    kind: 'flag',
    help: 'powered on but its agent stopped heartbeating (yes/no)',
    flag: (r, context) => isSilent(r, context),
  },
  {
    name: 'error',
    kind: 'flag',
    help: 'has a last error (yes/no)',
    flag: (r) => r.lastError !== null,
  },
  {
    name: 'cpus',
    kind: 'number',
    aliases: ['cpu'],
    help: 'CPU count, e.g. cpus:>=32',
    number: (r) => r.inventory?.cpus ?? null,
  },
  {
    name: 'ram',
    kind: 'number',
    aliases: ['memory'],
    help: 'RAM in GiB, e.g. ram:>=64',
    number: (r) => (r.inventory?.ramMiB == null ? null : r.inventory.ramMiB / 1024),
  },
  {
    name: 'disks',
    kind: 'number',
    help: 'number of disks',
    number: (r) => r.inventory?.diskCount ?? null,
  },
];

const byName = new Map<string, FieldDef>();
for (const field of FIELDS) {
  byName.set(field.name, field);
  for (const alias of field.aliases ?? []) byName.set(alias, field);
}

export function findField(name: string): FieldDef | undefined {
  return byName.get(name.toLowerCase());
}

/** Text searched by words without a field. */
export function freeText(row: MachineRow): string[] {
  return [
    row.name,
    row.uuid,
    row.provisionState,
    row.simulated?.profile ?? '',
    row.bmc?.address ?? '',
    row.agentUrl ?? '',
  ];
}
