import type { FaultSpec, MachineKind } from '../../../simulator';

type FaultKind = FaultSpec['kind'];

/**
 * What a QEMU machine can be made to suffer: only its BMC is ours, the disks, NICs and agent
 * are QEMU's and the real ramdisk's, so the fleet refuses every other fault for it.
 */
const BMC_FAULT_KINDS: readonly FaultKind[] = ['bmc-unreachable', 'bmc-error', 'power-ignored'];

export const QEMU_FAULT_NOTE =
  'QEMU machine: only BMC faults apply; its disks, NICs and agent are real.';

/** The fault kinds worth offering for a machine of `kind`, in the order `all` lists them. */
export function faultKindsFor(kind: MachineKind, all: readonly FaultKind[]): FaultKind[] {
  return kind === 'qemu' ? all.filter((k) => BMC_FAULT_KINDS.includes(k)) : [...all];
}
