import type { Clock, Logger, TimerHandle } from '../../lib';
import type { NodeRow } from '../db/schema';
import type { NodeService } from '../nodes/node-service';
import type { ObservedPower } from './power-driver';
import type { PowerService } from './power-service';

export const SYNC_ERROR_PREFIX = 'Failed to get power state for node';
export const POWER_FAILURE_FAULT = 'power failure';
const PARALLEL = 8;

/** States where the agent or a running operation owns power: never forced (SYNC_EXCLUDED_STATES). */
const EXCLUDED_STATES: ReadonlySet<string> = new Set(['enroll', 'clean wait', 'wait call-back']);

export interface PowerSyncOptions {
  /** `[conductor] sync_power_state_interval` in ms. */
  intervalMs: number;
  /**
   * `[conductor] force_power_state_during_sync`, default true: when the BMC disagrees with the
   * database, the database wins and the BMC is told again. False: the BMC's state is recorded.
   */
  force?: boolean;
  /** `[conductor] power_state_sync_max_retries`, default 3. */
  maxRetries?: number;
}

/**
 * Ironic's `sync_power_state` periodic: every interval, read each node's power through its BMC.
 * A mismatch is corrected towards the database (or recorded, when forcing is off); an
 * unreachable BMC or a mismatch that keeps coming back more than `maxRetries` times in a row
 * puts the node in maintenance with fault `power failure`, which a later pass lifts once the
 * BMC answers again (Ironic's `_power_failure_recovery`).
 */
export class PowerSync {
  private timer: TimerHandle | undefined;
  private running: Promise<void> | null = null;
  private stopped = true;
  private aborting = false;
  /** Consecutive failed syncs per node, as Ironic keeps them in the conductor's memory. */
  private readonly failures = new Map<string, number>();
  private readonly force: boolean;
  private readonly maxRetries: number;
  private readonly intervalMs: number;

  constructor(
    private readonly nodes: NodeService,
    private readonly power: PowerService,
    private readonly clock: Clock,
    private readonly logger: Logger,
    options: PowerSyncOptions | number,
  ) {
    const o = typeof options === 'number' ? { intervalMs: options } : options;
    this.intervalMs = o.intervalMs;
    this.force = o.force ?? true;
    this.maxRetries = o.maxRetries ?? 3;
  }

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
    const known = new Set(queue.map((n) => n.uuid));
    for (const uuid of this.failures.keys()) if (!known.has(uuid)) this.failures.delete(uuid);
    const worker = async () => {
      for (let node = queue.shift(); node; node = queue.shift()) {
        if (this.aborting) return;
        try {
          await this.syncNode(node.uuid);
        } catch (err) {
          this.logger.error({ err, node: node.uuid }, 'power sync crashed on a node');
        }
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
      if (node.powerState === null) {
        try {
          this.power.driverFor(node).validate(node);
        } catch {
          return; // nothing known and nothing to ask: not a failure
        }
      }
      let observed: ObservedPower;
      try {
        observed = await this.power.read(node);
      } catch (err) {
        this.unreachable(node, (err as Error).message);
        return;
      }
      await this.compare(uuid, observed);
    } finally {
      release();
    }
  }

  private unreachable(node: NodeRow, error: string): void {
    const count = this.bump(node.uuid);
    const message = `${SYNC_ERROR_PREFIX} ${node.uuid}. Error: ${error}`;
    if (node.maintenance && node.fault === POWER_FAILURE_FAULT) return; // still down
    if (count > this.maxRetries && !node.maintenance) {
      this.toMaintenance(node, null, count);
      return;
    }
    if (node.lastError !== message) {
      this.logger.warn(
        { node: node.uuid, err: error, attempt: count, of: this.maxRetries },
        'power sync could not read the BMC',
      );
      this.nodes.update(
        node.uuid,
        'power.sync_failed',
        { lastError: message },
        { type: 'power.sync_failed', data: { error, attempt: count } },
      );
    }
  }

  private async compare(uuid: string, observed: ObservedPower): Promise<void> {
    const node = this.nodes.store.getNode(uuid);
    if (!node) return;
    const syncError = node.lastError?.startsWith(SYNC_ERROR_PREFIX) ?? false;
    if (node.maintenance && node.fault === POWER_FAILURE_FAULT) {
      this.failures.delete(uuid);
      this.nodes.update(
        uuid,
        'power.recovered',
        {
          powerState: observed,
          maintenance: false,
          maintenanceReason: null,
          fault: null,
          lastError: null,
        },
        { type: 'power.recovered', data: { power_state: observed } },
      );
      return;
    }
    if (node.powerState === observed) {
      this.failures.delete(uuid);
      if (syncError) this.nodes.update(uuid, 'power.synced', { lastError: null });
      return;
    }
    const clear = syncError ? { lastError: null } : {};
    // Nobody to correct towards: record what the BMC says.
    if (node.powerState === null || node.maintenance) {
      this.failures.delete(uuid);
      this.record(node, observed, clear);
      return;
    }
    if (EXCLUDED_STATES.has(node.provisionState)) {
      this.failures.delete(uuid);
      return;
    }
    const count = this.bump(uuid);
    if (count > this.maxRetries) {
      this.toMaintenance(node, observed, count);
      return;
    }
    if (!this.force) {
      this.record(node, observed, clear);
      return;
    }
    const wanted = node.powerState === 'power on' ? 'power on' : 'power off';
    this.logger.warn(
      { node: uuid, actual: observed, expected: wanted, attempt: count },
      'power state differs from the database; changing the hardware back',
    );
    this.nodes.recordEvent(uuid, 'power.sync_forced', {
      expected: wanted,
      actual: observed,
      attempt: count,
    });
    try {
      await this.power.changeLocked(node, wanted);
    } catch (err) {
      this.logger.error(
        { node: uuid, err: (err as Error).message, attempt: count },
        'power sync could not force the database state',
      );
    }
  }

  private record(node: NodeRow, observed: ObservedPower, patch: Partial<NodeRow>): void {
    this.nodes.update(
      node.uuid,
      'power.synced',
      { powerState: observed, ...patch },
      { type: 'power.synced', data: { from: node.powerState, to: observed } },
    );
  }

  private toMaintenance(node: NodeRow, observed: ObservedPower, count: number): void {
    this.failures.delete(node.uuid);
    const message = `During sync_power_state, max retries exceeded for node ${node.uuid}, node state ${observed ?? 'None'} does not match expected state '${node.powerState ?? 'None'}'. Updating DB state to '${observed ?? 'None'}' Switching node to maintenance mode.`;
    this.logger.error({ node: node.uuid, attempts: count }, 'power sync gave up: maintenance');
    this.nodes.update(
      node.uuid,
      'power.sync_maintenance',
      {
        powerState: observed,
        lastError: message,
        maintenance: true,
        maintenanceReason: message,
        fault: POWER_FAILURE_FAULT,
      },
      { type: 'power.sync_maintenance', data: { attempts: count, observed } },
    );
  }

  private bump(uuid: string): number {
    const count = (this.failures.get(uuid) ?? 0) + 1;
    this.failures.set(uuid, count);
    return count;
  }
}
