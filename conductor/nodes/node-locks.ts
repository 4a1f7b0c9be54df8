/**
 * Per-node exclusive locks, the in-process stand-in for Ironic's `reservation`. Waiters queue in
 * arrival order; `tryAcquire` is the "upgrade without retry" heartbeats use.
 */
export class NodeLocks {
  private readonly held = new Map<string, { owner: string; waiters: (() => void)[] }>();

  isLocked(uuid: string): boolean {
    return this.held.has(uuid);
  }

  /** What holds the lock, for NodeLocked messages and the `reservation` field. */
  holder(uuid: string): string | null {
    return this.held.get(uuid)?.owner ?? null;
  }

  tryAcquire(uuid: string, owner: string): (() => void) | null {
    if (this.held.has(uuid)) return null;
    this.held.set(uuid, { owner, waiters: [] });
    return this.releaser(uuid);
  }

  acquire(uuid: string, owner: string): Promise<() => void> {
    const entry = this.held.get(uuid);
    if (!entry) {
      this.held.set(uuid, { owner, waiters: [] });
      return Promise.resolve(this.releaser(uuid));
    }
    return new Promise((resolve) => {
      entry.waiters.push(() => {
        entry.owner = owner;
        resolve(this.releaser(uuid));
      });
    });
  }

  private releaser(uuid: string): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const entry = this.held.get(uuid);
      if (!entry) return;
      const next = entry.waiters.shift();
      if (next) next();
      else this.held.delete(uuid);
    };
  }
}
