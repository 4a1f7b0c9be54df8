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
}

export function noFaults(): MachineFaults {
  return {
    failedDisks: new Set(),
    slowDisks: new Map(),
    linkDown: new Set(),
    bmcUnreachable: false,
    bmcError: false,
    powerActionIgnored: false,
  };
}
