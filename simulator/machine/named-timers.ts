import type { Clock, TimerHandle } from '../../lib';

/**
 * Timers a machine keeps by name ("post", "netboot", "shutdown"): setting a name replaces its
 * previous timer, and pulling the plug clears them all, so no stale boot step fires later.
 */
export class NamedTimers {
  private readonly handles = new Map<string, TimerHandle>();

  constructor(private readonly clock: Clock) {}

  set(name: string, ms: number, fn: () => void): void {
    this.clear(name);
    const handle = this.clock.setTimeout(() => {
      this.handles.delete(name);
      fn();
    }, ms);
    this.handles.set(name, handle);
  }

  clear(name: string): void {
    const handle = this.handles.get(name);
    if (handle) this.clock.clearTimeout(handle);
    this.handles.delete(name);
  }

  clearAll(): void {
    for (const handle of this.handles.values()) this.clock.clearTimeout(handle);
    this.handles.clear();
  }

  has(name: string): boolean {
    return this.handles.has(name);
  }

  get names(): string[] {
    return [...this.handles.keys()];
  }
}
