import type { Inventory } from '../../protocol';
import type { ConsoleVerb } from './machine-actions';

/**
 * What the console needs from the conductor and the simulator, stated structurally so the router
 * can be exercised against the real parts (lab.ts checks them against these shapes at compile
 * time) without the UI depending on their internals.
 */
export interface NodeView {
  uuid: string;
  name: string | null;
  driver: string;
  driver_info: Record<string, unknown>;
  provision_state: string;
  target_provision_state: string | null;
  power_state: string | null;
  maintenance: boolean;
  last_error: string | null;
  properties: Record<string, unknown>;
  driver_internal_info: Record<string, unknown>;
  created_at: string;
  updated_at: string | null;
  provision_updated_at: string | null;
  /** The step running now (Ironic's `clean_step` / `deploy_step`); `{}` or null between steps. */
  clean_step?: Record<string, unknown> | null;
  deploy_step?: Record<string, unknown> | null;
}

export interface NodeChange {
  seq: number;
  reason: string;
  uuid: string;
  node: NodeView | null;
}

export type PowerTarget = 'power on' | 'power off' | 'rebooting';

/** One entry of a node's history, as the conductor records it. */
export interface NodeEvent {
  id: number;
  node_uuid: string;
  at: string;
  type: string;
  data: Record<string, unknown>;
}

export interface ConductorPort {
  readonly apiUrl: string;
  eventsFor(ident: string, opts?: { afterId?: number; limit?: number }): NodeEvent[];
  listNodes(): NodeView[];
  getNode(ident: string): NodeView | undefined;
  getInventory(ident: string): Inventory | null;
  setPowerState(ident: string, target: PowerTarget): Promise<NodeView>;
  /** Starts a provision verb; the transitions that follow arrive through onChange. */
  setProvisionState(ident: string, target: ConsoleVerb): NodeView;
  onChange(listener: (change: NodeChange) => void): () => void;
}

export interface MachineSnapshotLike {
  id: string;
  name: string;
  profile?: string;
  /** Power as the simulated board sees it ('On'/'Off'), whatever the conductor last recorded. */
  power?: string;
  /** What the simulated machine is running: off, booting, looking-up, running, failed. */
  agent?: string;
}

export interface SerialPort {
  tail(): string;
  subscribe(listener: (chunk: string) => void): () => void;
}

export interface FleetPort<M extends MachineSnapshotLike = MachineSnapshotLike> {
  readonly redfishUrl: string;
  list(): M[];
  get(id: string): M | undefined;
  serial(id: string): SerialPort;
  onChange(listener: (machine: M) => void): () => void;
}
