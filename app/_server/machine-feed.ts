import type { Logger } from '../../lib';
import { ChangeRing, type RingEvent } from './change-ring';
import type {
  ConductorPort,
  FleetPort,
  MachineSnapshotLike,
  NodeChange,
  NodeView,
} from './lab-ports';
import { findMachine, systemIdTail, toMachineRow, type MachineRow } from './machine-row';

export type MachineEvent =
  /** `created` marks a machine the client cannot have seen yet, e.g. for a "new rows" hint. */
  { type: 'upsert'; row: MachineRow; created: boolean } | { type: 'remove'; uuid: string };
export type LiveMessage =
  | { type: 'snapshot'; rows: MachineRow[] }
  /** The client's copy may have missed changes: refetch what it shows. Sent instead of a
   * snapshot to clients that page through the fleet rather than hold all of it. */
  | { type: 'resync' }
  | MachineEvent;
const byName = (a: MachineRow, b: MachineRow) =>
  a.name.localeCompare(b.name, 'en', { numeric: true });

export interface LiveItem {
  id: string;
  message: LiveMessage;
}

export interface MachineFeedOptions {
  conductor: ConductorPort;
  fleet: FleetPort;
  logger?: Logger;
  /** How many recent changes a reconnecting client can replay. */
  capacity?: number;
  epoch?: string;
}

/**
 * Turns conductor and simulator changes into machine-row events with resumable ids, and keeps
 * the current rows in memory so paging through thousands of machines reads no database. A row
 * is recomputed whole on each change and only pushed when it differs from the last one sent, so
 * a chatty source (a simulated machine's every state tick) costs the browser nothing.
 */
export class MachineFeed {
  private readonly ring: ChangeRing<MachineEvent>;
  private readonly listeners = new Set<(event: RingEvent<MachineEvent>) => void>();
  /** Current rows by node UUID, with their JSON for cheap "did it change" checks; while started. */
  private readonly current = new Map<string, { row: MachineRow; json: string }>();
  private readonly streams = new Set<AbortController>();
  private unsubscribers: (() => void)[] = [];

  constructor(private readonly options: MachineFeedOptions) {
    const epoch = options.epoch ?? Date.now().toString(36);
    this.ring = new ChangeRing(epoch, options.capacity ?? 2000);
  }

  start(): void {
    if (this.unsubscribers.length > 0) return;
    for (const row of this.computeRows()) {
      this.current.set(row.uuid, { row, json: JSON.stringify(row) });
    }
    this.unsubscribers = [
      this.options.conductor.onChange((change) => this.guard(() => this.onNodeChange(change))),
      this.options.fleet.onChange((machine) => this.guard(() => this.onMachineChange(machine))),
    ];
  }

  stop(): void {
    for (const off of this.unsubscribers) off();
    this.unsubscribers = [];
    for (const stream of this.streams) stream.abort();
    this.streams.clear();
    this.listeners.clear();
    this.current.clear();
  }

  private get started(): boolean {
    return this.unsubscribers.length > 0;
  }

  get latestId(): string {
    return this.ring.latestId;
  }

  rows(): MachineRow[] {
    if (!this.started) return this.computeRows();
    return [...this.current.values()].map((entry) => entry.row).sort(byName);
  }

  row(ident: string): MachineRow | undefined {
    if (this.started) {
      const cached = this.current.get(ident)?.row;
      if (cached) return cached;
      for (const { row } of this.current.values()) if (row.name === ident) return row;
    }
    const node = this.options.conductor.getNode(ident);
    return node ? this.rowOf(node, () => this.options.fleet.list()) : undefined;
  }

  /**
   * The events a client needs, from `lastEventId` on, then live ones until `signal` aborts.
   * Listens before reading the history so nothing that happens in between is lost.
   */
  async *stream(
    lastEventId: string | null | undefined,
    signal?: AbortSignal,
    options: { snapshot?: boolean } = {},
  ): AsyncGenerator<LiveItem> {
    const catchUp = (): LiveMessage =>
      options.snapshot === false ? { type: 'resync' } : { type: 'snapshot', rows: this.rows() };
    const local = new AbortController();
    const abort = () => local.abort();
    signal?.addEventListener('abort', abort, { once: true });
    if (signal?.aborted) local.abort();
    this.streams.add(local);
    const pending: RingEvent<MachineEvent>[] = [];
    let wake: (() => void) | undefined;
    const listener = (event: RingEvent<MachineEvent>) => {
      pending.push(event);
      wake?.();
    };
    this.listeners.add(listener);
    local.signal.addEventListener('abort', () => wake?.(), { once: true });
    try {
      const plan = this.ring.plan(lastEventId);
      let cursor: number;
      if (plan.kind === 'snapshot') {
        yield { id: plan.id, message: catchUp() };
        cursor = plan.seq;
      } else {
        cursor = plan.afterSeq;
        for (const event of plan.events) {
          yield { id: event.id, message: event.payload };
          cursor = event.seq;
        }
      }
      while (!local.signal.aborted) {
        if (pending.length > this.ring.capacity) {
          // A consumer this far behind is cheaper to resynchronise than to replay.
          pending.length = 0;
          cursor = this.ring.latestSeq;
          yield { id: this.ring.latestId, message: catchUp() };
        }
        const event = pending.shift();
        if (event) {
          if (event.seq <= cursor) continue;
          cursor = event.seq;
          yield { id: event.id, message: event.payload };
          continue;
        }
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    } finally {
      this.listeners.delete(listener);
      this.streams.delete(local);
      signal?.removeEventListener('abort', abort);
    }
  }

  private onNodeChange(change: NodeChange): void {
    if (change.node) {
      this.publishNode(change.node);
      return;
    }
    if (!this.current.delete(change.uuid)) return;
    this.publish({ type: 'remove', uuid: change.uuid });
  }

  /** A simulated machine changed (power, what it runs): refresh the rows of its nodes. */
  private onMachineChange(machine: MachineSnapshotLike): void {
    for (const { row } of [...this.current.values()]) {
      const systemTail = row.bmc?.systemId?.split('/').filter(Boolean).pop();
      if (
        row.simulated?.id === machine.id ||
        row.name === machine.name ||
        systemTail === machine.id
      ) {
        const node = this.options.conductor.getNode(row.uuid);
        if (node) this.publishNode(node);
      }
    }
  }

  private publishNode(node: NodeView): void {
    const row = this.rowOf(node, () => this.options.fleet.list());
    const json = JSON.stringify(row);
    const previous = this.current.get(row.uuid);
    if (previous?.json === json) return;
    this.current.set(row.uuid, { row, json });
    this.publish({ type: 'upsert', row, created: previous === undefined });
  }

  private publish(payload: MachineEvent): void {
    const event = this.ring.push(payload);
    for (const listener of this.listeners) listener(event);
  }

  private computeRows(): MachineRow[] {
    const machines = this.options.fleet.list();
    return this.options.conductor
      .listNodes()
      .map((node) => this.rowOf(node, machines))
      .sort(byName);
  }

  /** `machines` may be a thunk: most nodes resolve by BMC system id without listing the fleet. */
  private rowOf(
    node: NodeView,
    machines: MachineSnapshotLike[] | (() => MachineSnapshotLike[]),
  ): MachineRow {
    const tail = systemIdTail(node);
    const machine =
      (tail ? this.options.fleet.get(tail) : undefined) ??
      findMachine(node, typeof machines === 'function' ? machines() : machines);
    return toMachineRow(node, this.options.conductor.getInventory(node.uuid), machine);
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.options.logger?.error({ err: error }, 'machine feed: failed to publish a change');
    }
  }
}
