import { ConductorError } from './errors';

/** Ironic's `NoFreeConductorWorker`, answered as HTTP 503. */
export const noFreeWorker = () =>
  new ConductorError(
    'NoFreeConductorWorker',
    'Requested action cannot be performed due to lack of free conductor workers.',
  );

export interface WorkerPoolOptions {
  /** `[conductor] workers_pool_size`, default 300. */
  size?: number;
  /** `[conductor] reserved_workers_pool_percentage`, default 5: kept for API-requested work. */
  reservedPercent?: number;
}

/**
 * The conductor's bounded worker pool (Ironic's `_spawn_worker`): every background operation
 * (provisioning, power changes, heartbeat processing) holds a slot until it ends. Heartbeats may
 * not use the reserved part, so a flood of agents cannot lock operators out; a full pool is
 * answered with 503 rather than queued.
 */
export class WorkerPool {
  readonly size: number;
  readonly reserved: number;
  private busy = 0;
  private peakBusy = 0;
  private refusedCount = 0;

  constructor(opts: WorkerPoolOptions = {}) {
    this.size = Math.max(1, opts.size ?? 300);
    this.reserved = Math.floor((this.size * (opts.reservedPercent ?? 5)) / 100);
  }

  /** A slot, or null when none is free (for `useReserve: false`, none outside the reserve). */
  tryAcquire(useReserve: boolean): (() => void) | null {
    const limit = useReserve ? this.size : this.size - this.reserved;
    if (this.busy >= limit) {
      this.refusedCount++;
      return null;
    }
    this.busy++;
    this.peakBusy = Math.max(this.peakBusy, this.busy);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.busy--;
    };
  }

  /** Like tryAcquire, but throws NoFreeConductorWorker (503). */
  acquire(useReserve: boolean): () => void {
    const release = this.tryAcquire(useReserve);
    if (!release) throw noFreeWorker();
    return release;
  }

  stats(): { size: number; reserved: number; busy: number; peak: number; refused: number } {
    return {
      size: this.size,
      reserved: this.reserved,
      busy: this.busy,
      peak: this.peakBusy,
      refused: this.refusedCount,
    };
  }
}
