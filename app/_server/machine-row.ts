import type { Inventory } from '../../protocol';
import type { MachineSnapshotLike, NodeView } from './lab-ports';
import { allowedVerbs, type ConsoleVerb } from './machine-actions';

/** The hardware at a glance, from the node's last inspection. */
export interface InventorySummary {
  cpus: number | null;
  cpuModel: string | null;
  ramMiB: number | null;
  diskCount: number;
  diskBytes: number;
  nicCount: number;
}

/** The clean or deploy step running now, where the agent reports how far along it is. */
export interface StepProgress {
  kind: 'clean' | 'deploy';
  /** `interface.step`, e.g. `deploy.erase_devices`. */
  name: string;
  /** 1-based position in the run, and the run's length. */
  index: number;
  total: number;
  /** 0..1, when the agent reports it. */
  fraction: number | null;
  bytesDone: number | null;
  bytesTotal: number | null;
  bytesPerSecond: number | null;
  message: string | null;
}

/** One row of the machine list: an Ironic node joined with its simulated machine, if any. */
export interface MachineRow {
  uuid: string;
  name: string;
  driver: string;
  provisionState: string;
  targetProvisionState: string | null;
  powerState: string | null;
  maintenance: boolean;
  lastError: string | null;
  /** Lab-clock milliseconds of the agent's last heartbeat. */
  lastHeartbeat: number | null;
  agentUrl: string | null;
  agentVersion: string | null;
  bmc: { address: string; systemId: string | null } | null;
  inventory: InventorySummary | null;
  simulated: {
    id: string;
    profile: string | null;
    power: string | null;
    agent: string | null;
    /** Present when a QEMU process is the machine's hardware (real firmware, kernel and agent). */
    kind?: 'qemu';
  } | null;
  /** Lab-clock milliseconds of the node's last change. */
  updatedAt: number | null;
  /** Lab-clock milliseconds the node entered its provision state. */
  provisionUpdatedAt: number | null;
  step: StepProgress | null;
  /** Provision verbs the conductor accepts in the current state. */
  actions: ConsoleVerb[];
}

export function summariseInventory(inventory: Inventory | null): InventorySummary | null {
  if (!inventory) return null;
  const ramMiB =
    inventory.memory.physical_mb ??
    (inventory.memory.total === null ? null : Math.round(inventory.memory.total / 2 ** 20));
  return {
    cpus: inventory.cpu.count,
    cpuModel: inventory.cpu.model_name,
    ramMiB,
    diskCount: inventory.disks.length,
    diskBytes: inventory.disks.reduce((sum, disk) => sum + disk.size, 0),
    nicCount: inventory.interfaces.length,
  };
}

/**
 * Ironic writes timestamps as ISO strings without a zone (UTC by convention) and sometimes with
 * microseconds; both must read as the same instant in every browser.
 */
export function parseIronicTime(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) {
    return value > 1e11 ? value : value * 1000;
  }
  if (typeof value !== 'string' || value.trim() === '') return null;
  let text = value.trim().replace(' ', 'T');
  text = text.replace(/(\.\d{3})\d+/, '$1');
  if (!/(Z|[+-]\d{2}:?\d{2})$/i.test(text)) text += 'Z';
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : ms;
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function bmcOf(node: NodeView): MachineRow['bmc'] {
  const info = node.driver_info;
  const address = text(info.redfish_address) ?? text(info.ipmi_address);
  if (!address) return null;
  return { address, systemId: text(info.redfish_system_id) };
}

/** The last segment of a node's Redfish system id: the simulated machine's id. */
export function systemIdTail(node: NodeView): string | undefined {
  return text(node.driver_info.redfish_system_id)?.split('/').filter(Boolean).pop();
}

/**
 * The simulated machine behind a node: the one its BMC address names (what power actions reach),
 * else the one of the same name.
 */
export function findMachine<M extends MachineSnapshotLike>(
  node: NodeView,
  machines: readonly M[],
): M | undefined {
  const tail = systemIdTail(node);
  const bySystem = tail ? machines.find((m) => m.id === tail) : undefined;
  return bySystem ?? (node.name ? machines.find((m) => m.name === node.name) : undefined);
}

const num = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) ? value : null;

/**
 * Where a running clean or deploy is, read the way Ironic keeps it: the current step on the node,
 * the run's step list and index in driver_internal_info, and the agent's last reported progress.
 */
export function stepProgress(node: NodeView): StepProgress | null {
  for (const kind of ['clean', 'deploy'] as const) {
    const step = kind === 'clean' ? node.clean_step : node.deploy_step;
    if (!step || typeof step.step !== 'string') continue;
    const dii = node.driver_internal_info;
    const steps = dii[`${kind}_steps`];
    const index = num(dii[`${kind}_step_index`]) ?? 0;
    const progress = dii[`${kind}_step_progress`];
    const p =
      typeof progress === 'object' && progress !== null
        ? (progress as Record<string, unknown>)
        : {};
    return {
      kind,
      name: typeof step.interface === 'string' ? `${step.interface}.${step.step}` : step.step,
      index: index + 1,
      total: Array.isArray(steps) ? steps.length : index + 1,
      fraction: num(p.fraction),
      bytesDone: num(p.bytes_done),
      bytesTotal: num(p.bytes_total),
      bytesPerSecond: num(p.bytes_per_second),
      message: typeof p.message === 'string' ? p.message : null,
    };
  }
  return null;
}

export function toMachineRow(
  node: NodeView,
  inventory: Inventory | null,
  machine: MachineSnapshotLike | undefined,
): MachineRow {
  const internal = node.driver_internal_info;
  return {
    uuid: node.uuid,
    name: node.name ?? node.uuid,
    driver: node.driver,
    provisionState: node.provision_state,
    targetProvisionState: node.target_provision_state,
    powerState: node.power_state,
    maintenance: node.maintenance,
    lastError: node.last_error,
    lastHeartbeat: parseIronicTime(internal.agent_last_heartbeat),
    agentUrl: text(internal.agent_url),
    agentVersion: text(internal.agent_version),
    bmc: bmcOf(node),
    inventory: summariseInventory(inventory),
    simulated: machine
      ? {
          id: machine.id,
          profile: text(machine.profile),
          power: text(machine.power),
          agent: text(machine.agent),
          ...('kind' in machine && machine.kind === 'qemu' ? { kind: 'qemu' as const } : {}),
        }
      : null,
    updatedAt: parseIronicTime(node.updated_at ?? node.created_at),
    provisionUpdatedAt: parseIronicTime(node.provision_updated_at),
    step: stepProgress(node),
    actions: allowedVerbs(node.provision_state),
  };
}
