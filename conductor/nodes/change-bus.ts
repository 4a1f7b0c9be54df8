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

  emit(uuid: string, reason: string, node: NodeView | null): void {
    const change: NodeChange = { seq: ++this.seq, reason, uuid, node };
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
