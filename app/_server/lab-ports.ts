import type { Inventory } from '../../protocol';

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
}

export interface NodeChange {
  seq: number;
  reason: string;
  uuid: string;
  node: NodeView | null;
}

export type PowerTarget = 'power on' | 'power off' | 'rebooting';

export interface ConductorPort {
  readonly apiUrl: string;
  listNodes(): NodeView[];
  getNode(ident: string): NodeView | undefined;
  getInventory(ident: string): Inventory | null;
  setPowerState(ident: string, target: PowerTarget): Promise<NodeView>;
  onChange(listener: (change: NodeChange) => void): () => void;
}

export interface MachineSnapshotLike {
  id: string;
  name: string;
}

export interface FleetPort<M extends MachineSnapshotLike = MachineSnapshotLike> {
  readonly redfishUrl: string;
  list(): M[];
  get(id: string): M | undefined;
  onChange(listener: (machine: M) => void): () => void;
}
