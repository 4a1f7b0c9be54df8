import type { Logger } from '../lib';
import type { CommandStatus } from '../protocol';

export type AgentState = 'starting' | 'looking-up' | 'running' | 'stopped' | 'failed';

/** What an Agent tells its observers (the simulator echoes these on the serial console). */
export interface AgentEvents {
  /** `error` says why on `failed`, and the reason (`rescue`, `lockdown`, `rescued`) on `stopped`. */
  state: { state: AgentState; previous: AgentState; error?: string };
  listening: { url: string; port: number };
  inspection: { ok: true; nodeUuid: string | null } | { ok: false; error: string };
  lookup:
    | { ok: true; nodeUuid: string; attempts: number }
    | { ok: false; attempt: number; error: string; retryInMs: number };
  heartbeat: { ok: boolean; error?: string; nextInMs: number; forced: boolean };
  command: { id: string; name: string; status: CommandStatus };
}

type Listener<T> = (event: T) => void;

/** A small typed emitter; a throwing listener is logged and never breaks the agent. */
export class TypedEmitter<Events extends object> {
  private readonly listeners = new Map<keyof Events, Set<Listener<never>>>();

  constructor(private readonly logger?: Logger) {}

  on<K extends keyof Events>(name: K, listener: Listener<Events[K]>): () => void {
    let set = this.listeners.get(name);
    if (!set) {
      set = new Set();
      this.listeners.set(name, set);
    }
    set.add(listener);
    return () => this.off(name, listener);
  }

  off<K extends keyof Events>(name: K, listener: Listener<Events[K]>): void {
    this.listeners.get(name)?.delete(listener);
  }

  emit<K extends keyof Events>(name: K, event: Events[K]): void {
    for (const l of this.listeners.get(name) ?? []) {
      try {
        (l as Listener<Events[K]>)(event);
      } catch (err) {
        this.logger?.error({ event: String(name), err: String(err) }, 'event listener failed');
      }
    }
  }

  removeAll(): void {
    this.listeners.clear();
  }
}
