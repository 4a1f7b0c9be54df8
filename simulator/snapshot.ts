import type { AgentStatus, Machine, PowerPhase, RunningOs } from './machine';

export type MachineKind = 'simulated' | 'qemu';

/** What the console and the CLI see of one machine. */
export interface MachineSnapshot {
  id: string;
  name: string;
  profile: string;
  /** `qemu`: a QEMU process is its hardware (real firmware, kernel and agent); else the model. */
  kind: MachineKind;
  power: 'On' | 'Off';
  /** Where in its power-on sequence the machine is. */
  phase: PowerPhase;
  /** What runs once the firmware handed over (null while off or booting). */
  os: RunningOs | null;
  bootDevice: string;
  bootMode: 'UEFI' | 'Legacy';
  macs: string[];
  agent: AgentStatus;
  redfishSystemUrl: string;
  cpus: number;
  memoryMiB: number;
  disks: { name: string; sizeBytes: number; kind: 'hdd' | 'ssd' | 'nvme' }[];
}

export function snapshotOf(
  machine: Machine,
  redfishUrl: string,
  kind: MachineKind,
): MachineSnapshot {
  const { spec } = machine;
  const override = machine.bootOverride;
  return {
    id: machine.id,
    name: spec.name,
    profile: spec.profile,
    kind,
    power: machine.poweredOn ? 'On' : 'Off',
    phase: machine.phase,
    os: machine.runningOs,
    bootDevice: override.enabled === 'Disabled' ? 'None' : override.target,
    bootMode: machine.bootMode,
    macs: spec.nics.map((nic) => nic.mac),
    agent: machine.agentStatus,
    redfishSystemUrl: `${redfishUrl}/redfish/v1/Systems/${encodeURIComponent(machine.id)}`,
    cpus: machine.cpus,
    memoryMiB: spec.memoryMiB,
    disks: spec.disks.map((disk) => ({
      name: disk.name,
      sizeBytes: disk.sizeBytes,
      kind: disk.kind,
    })),
  };
}
