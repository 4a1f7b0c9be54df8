import type { Logger } from '../../lib';
import type { NodeView } from './node-view';

/** One notification per node write, in write order; `node` is null once the node is deleted. */
export interface NodeChange {
  seq: number;
  reason: string;
  uuid: string;
  node: NodeView | null;
}

export type NodeChangeListener = (change: NodeChange) => void;

export class ChangeBus {
  private seq = 0;
  private readonly listeners = new Set<NodeChangeListener>();

  constructor(private readonly logger: Logger) {}

  subscribe(listener: NodeChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * `node` may be a thunk: the view is then built only when someone listens (a heartbeat
   * written with no console attached costs no view).
   */
  emit(uuid: string, reason: string, node: NodeView | null | (() => NodeView | null)): void {
    const seq = ++this.seq;
    if (this.listeners.size === 0) return;
    const change: NodeChange = {
      seq,
      reason,
      uuid,
      node: typeof node === 'function' ? node() : node,
    };
    for (const listener of this.listeners) {
      // A failing listener (a console tab) must not break the write that triggered it.
      try {
        listener(change);
      } catch (err) {
        this.logger.warn({ err, uuid, reason }, 'node change listener failed');
      }
    }
  }

  clear(): void {
    this.listeners.clear();
  }
}
