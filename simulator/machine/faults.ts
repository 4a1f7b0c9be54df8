/**
 * Faults injected into one machine. The model, the fake OS and the BMC layers each consult the
 * part that concerns them; clearing a fault restores normal behaviour at once.
 */
export interface MachineFaults {
  /** Disks (by kernel name) whose reads and writes fail with EIO. */
  failedDisks: Set<string>;
  /** Disks (by kernel name) slowed by this factor (2 = half throughput). */
  slowDisks: Map<string, number>;
  /** NICs (by kernel name) with the link down. */
  linkDown: Set<string>;
  /** The BMC does not answer at all (requests time out / get no reply). */
  bmcUnreachable: boolean;
  /** The BMC answers every request with an internal error. */
  bmcError: boolean;
  /** Power requests are accepted but have no effect. */
  powerActionIgnored: boolean;
  /**
   * Image downloads arrive with flipped bytes (a bad NIC, a broken proxy): what the agent
   * fetches besides the Ironic API no longer matches its checksum.
   */
  imageCorrupt: boolean;
  /** The agent process was killed; set until the machine boots again. */
  agentCrashed: boolean;
}

export function noFaults(): MachineFaults {
  return {
    failedDisks: new Set(),
    slowDisks: new Map(),
    linkDown: new Set(),
    bmcUnreachable: false,
    bmcError: false,
    powerActionIgnored: false,
    imageCorrupt: false,
    agentCrashed: false,
  };
}

/** A fault as the fleet's API names it. */
export type FaultSpec =
  | { kind: 'disk-failure'; disk: string }
  | { kind: 'slow-disk'; disk: string; factor: number }
  | { kind: 'link-down'; nic: string }
  | { kind: 'bmc-unreachable' }
  | { kind: 'bmc-error' }
  | { kind: 'power-ignored' }
  | { kind: 'image-corrupt' }
  /** The agent dies at once; a reboot (power cycle, reset) starts a new one. */
  | { kind: 'agent-crash' };

export const FAULT_KINDS = [
  'disk-failure',
  'slow-disk',
  'link-down',
  'bmc-unreachable',
  'bmc-error',
  'power-ignored',
  'image-corrupt',
  'agent-crash',
] as const;

/** Turns a fault on or off in `faults`; throws RangeError for a disk or NIC the machine lacks. */
export function setFault(
  faults: MachineFaults,
  spec: FaultSpec,
  on: boolean,
  known: { disks: readonly string[]; nics: readonly string[] },
): void {
  switch (spec.kind) {
    case 'disk-failure':
      requireName(known.disks, spec.disk, 'disk');
      if (on) faults.failedDisks.add(spec.disk);
      else faults.failedDisks.delete(spec.disk);
      return;
    case 'slow-disk':
      requireName(known.disks, spec.disk, 'disk');
      if (on && !(spec.factor >= 1 && Number.isFinite(spec.factor))) {
        throw new RangeError(`slow-disk factor must be a finite number >= 1, got ${spec.factor}`);
      }
      if (on) faults.slowDisks.set(spec.disk, spec.factor);
      else faults.slowDisks.delete(spec.disk);
      return;
    case 'link-down':
      requireName(known.nics, spec.nic, 'NIC');
      if (on) faults.linkDown.add(spec.nic);
      else faults.linkDown.delete(spec.nic);
      return;
    case 'bmc-unreachable':
      faults.bmcUnreachable = on;
      return;
    case 'bmc-error':
      faults.bmcError = on;
      return;
    case 'power-ignored':
      faults.powerActionIgnored = on;
      return;
    case 'image-corrupt':
      faults.imageCorrupt = on;
      return;
    case 'agent-crash':
      faults.agentCrashed = on;
      return;
  }
}

export function activeFaults(faults: MachineFaults): FaultSpec[] {
  return [
    ...[...faults.failedDisks].map((disk) => ({ kind: 'disk-failure' as const, disk })),
    ...[...faults.slowDisks].map(([disk, factor]) => ({
      kind: 'slow-disk' as const,
      disk,
      factor,
    })),
    ...[...faults.linkDown].map((nic) => ({ kind: 'link-down' as const, nic })),
    ...(faults.bmcUnreachable ? [{ kind: 'bmc-unreachable' as const }] : []),
    ...(faults.bmcError ? [{ kind: 'bmc-error' as const }] : []),
    ...(faults.powerActionIgnored ? [{ kind: 'power-ignored' as const }] : []),
    ...(faults.imageCorrupt ? [{ kind: 'image-corrupt' as const }] : []),
    ...(faults.agentCrashed ? [{ kind: 'agent-crash' as const }] : []),
  ];
}

function requireName(known: readonly string[], name: string, what: string): void {
  if (!known.includes(name)) {
    throw new RangeError(`no ${what} "${name}" (known: ${known.join(', ')})`);
  }
}
