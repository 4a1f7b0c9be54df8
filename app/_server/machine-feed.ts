import type { Logger } from '../../lib';
import { ChangeRing, type RingEvent } from './change-ring';
import type { ConductorPort, FleetPort, NodeChange, NodeView } from './lab-ports';
import { findMachine, toMachineRow, type MachineRow } from './machine-row';

export type MachineEvent =
  /** `created` marks a machine the client cannot have seen yet, e.g. for a "new rows" hint. */
  { type: 'upsert'; row: MachineRow; created: boolean } | { type: 'remove'; uuid: string };
export type LiveMessage =
  | { type: 'snapshot'; rows: MachineRow[] }
  /** The client's copy may have missed changes: refetch what it shows. Sent instead of a
   * snapshot to clients that page through the fleet rather than hold all of it. */
  | { type: 'resync' }
  | MachineEvent;
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
 * Turns conductor and simulator changes into machine-row events with resumable ids. Rows are
 * recomputed whole and only pushed when they differ from the last one sent, so a chatty source
 * (a simulated machine's every state tick) costs the browser nothing.
 */
export class MachineFeed {
  private readonly ring: ChangeRing<MachineEvent>;
  private readonly listeners = new Set<(event: RingEvent<MachineEvent>) => void>();
  private readonly lastSent = new Map<string, string>();
  private readonly streams = new Set<AbortController>();
  private unsubscribers: (() => void)[] = [];

  constructor(private readonly options: MachineFeedOptions) {
    const epoch = options.epoch ?? Date.now().toString(36);
    this.ring = new ChangeRing(epoch, options.capacity ?? 2000);
  }

  start(): void {
    if (this.unsubscribers.length > 0) return;
    for (const row of this.rows()) this.lastSent.set(row.uuid, JSON.stringify(row));
    this.unsubscribers = [
      this.options.conductor.onChange((change) => this.guard(() => this.onNodeChange(change))),
      this.options.fleet.onChange((machine) =>
        this.guard(() => {
          for (const node of this.options.conductor.listNodes()) {
            if (findMachine(node, [machine])) this.publishNode(node);
          }
        }),
      ),
    ];
  }

  stop(): void {
    for (const off of this.unsubscribers) off();
    this.unsubscribers = [];
    for (const stream of this.streams) stream.abort();
    this.streams.clear();
    this.listeners.clear();
  }

  get latestId(): string {
    return this.ring.latestId;
  }

  rows(): MachineRow[] {
    const machines = this.options.fleet.list();
    return this.options.conductor
      .listNodes()
      .map((node) => this.rowOf(node, machines))
      .sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
  }

  row(ident: string): MachineRow | undefined {
    const node = this.options.conductor.getNode(ident);
    return node ? this.rowOf(node, this.options.fleet.list()) : undefined;
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
    if (!this.lastSent.has(change.uuid)) return;
    this.lastSent.delete(change.uuid);
    this.publish({ type: 'remove', uuid: change.uuid });
  }

  private publishNode(node: NodeView): void {
    const row = this.rowOf(node, this.options.fleet.list());
    const json = JSON.stringify(row);
    const previous = this.lastSent.get(row.uuid);
    if (previous === json) return;
    this.lastSent.set(row.uuid, json);
    this.publish({ type: 'upsert', row, created: previous === undefined });
  }

  private publish(payload: MachineEvent): void {
    const event = this.ring.push(payload);
    for (const listener of this.listeners) listener(event);
  }

  private rowOf(node: NodeView, machines: ReturnType<FleetPort['list']>): MachineRow {
    const machine = findMachine(node, machines);
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
