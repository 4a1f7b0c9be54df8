import type { Clock, Logger, TimerHandle } from '../../lib';
import type { NodeRow } from '../db/schema';
import type { NodeService } from '../nodes/node-service';
import type { PowerService } from './power-service';

export const SYNC_ERROR_PREFIX = 'Failed to get power state for node';
const PARALLEL = 8;

/**
 * Ironic's `sync_power_state` periodic: every interval, read each node's power through its BMC.
 * The BMC wins (the simulator panel and operators change power behind our back); an unreachable
 * BMC sets `last_error` and the loop carries on.
 */
export class PowerSync {
  private timer: TimerHandle | undefined;
  private running: Promise<void> | null = null;
  private stopped = true;
  private aborting = false;

  constructor(
    private readonly nodes: NodeService,
    private readonly power: PowerService,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.stopped = false;
    this.aborting = false;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.aborting = true;
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.running = this.runOnce().finally(() => {
        this.running = null;
        this.schedule();
      });
    }, this.intervalMs);
  }

  /** One pass over all nodes; exposed for tests and for an operator-triggered refresh. */
  async runOnce(): Promise<void> {
    const queue = this.nodes.list().filter((n) => this.hasPower(n));
    const worker = async () => {
      for (let node = queue.shift(); node; node = queue.shift()) {
        if (this.aborting) return;
        await this.syncNode(node.uuid);
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));
  }

  private hasPower(node: NodeRow): boolean {
    try {
      this.power.driverFor(node);
      return true;
    } catch {
      return false;
    }
  }

  private async syncNode(uuid: string): Promise<void> {
    // A node busy with an operation is skipped, as Ironic skips reserved nodes.
    const release = this.nodes.locks.tryAcquire(uuid, 'power-sync');
    if (!release) return;
    try {
      const node = this.nodes.store.getNode(uuid);
      if (!node) return;
      let observed;
      try {
        observed = await this.power.read(node);
      } catch (err) {
        const message = `${SYNC_ERROR_PREFIX} ${uuid}. Error: ${(err as Error).message}`;
        if (node.lastError !== message) {
          this.logger.warn({ node: uuid, err: (err as Error).message }, 'power sync failed');
          this.nodes.update(
            uuid,
            'power.sync_failed',
            { lastError: message },
            {
              type: 'power.sync_failed',
              data: { error: (err as Error).message },
            },
          );
        }
        return;
      }
      const fresh = this.nodes.store.getNode(uuid);
      if (!fresh) return;
      const clearError = fresh.lastError?.startsWith(SYNC_ERROR_PREFIX) ?? false;
      if (fresh.powerState === observed && !clearError) return;
      this.nodes.update(
        uuid,
        'power.synced',
        { powerState: observed, ...(clearError ? { lastError: null } : {}) },
        fresh.powerState === observed
          ? undefined
          : { type: 'power.synced', data: { from: fresh.powerState, to: observed } },
      );
    } finally {
      release();
    }
  }
}
