import type { Clock, Logger, TimerHandle } from '../../lib';
import type { NodeRow } from '../db/schema';
import type { NodeService } from '../nodes/node-service';
import { parseIso } from '../nodes/time';
import type { Cleaning } from './cleaning';
import type { Deploying } from './deploying';
import type { Rescuing } from './rescuing';
import { stepName, type CleanStep } from './clean-steps';
import type { Servicing } from './servicing';
import { currentStep, SERVICE_KIND } from './step-kind';

export interface TimeoutOptions {
  /** `[conductor] check_provision_state_interval`, default 60 s. */
  intervalMs?: number;
  /** `[conductor] clean_callback_timeout`, default 1800 s. */
  cleanCallbackTimeoutMs?: number;
  /** `[conductor] inspect_wait_timeout`, default 1800 s. */
  inspectWaitTimeoutMs?: number;
  /** `[conductor] deploy_callback_timeout`, default 1800 s. */
  deployCallbackTimeoutMs?: number;
  /** `[conductor] rescue_callback_timeout`, default 1800 s. */
  rescueCallbackTimeoutMs?: number;
  /** `[conductor] service_callback_timeout`, default 1800 s. */
  serviceCallbackTimeoutMs?: number;
}

/**
 * The periodic that fails nodes whose ramdisk went quiet: a wait state whose
 * `provision_updated_at` (touched by every heartbeat) is older than its timeout.
 */
export class ProvisionTimeouts {
  private timer: TimerHandle | undefined;
  private stopped = true;
  private readonly interval: number;
  private readonly limits: Record<string, number>;

  constructor(
    private readonly nodes: NodeService,
    private readonly cleaning: Cleaning,
    private readonly clock: Clock,
    private readonly logger: Logger,
    opts: TimeoutOptions = {},
    private readonly deploying?: Deploying,
    private readonly rescuing?: Rescuing,
    private readonly servicing?: Servicing,
  ) {
    this.interval = opts.intervalMs ?? 60_000;
    this.limits = {
      'clean wait': opts.cleanCallbackTimeoutMs ?? 1_800_000,
      'inspect wait': opts.inspectWaitTimeoutMs ?? 1_800_000,
      'wait call-back': opts.deployCallbackTimeoutMs ?? 1_800_000,
      'rescue wait': opts.rescueCallbackTimeoutMs ?? 1_800_000,
      'service wait': opts.serviceCallbackTimeoutMs ?? 1_800_000,
    };
  }

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      try {
        this.runOnce();
      } catch (err) {
        this.logger.error({ err }, 'provision timeout check failed');
      }
      this.schedule();
    }, this.interval);
  }

  /** One check over all waiting nodes. */
  runOnce(): void {
    const now = this.clock.now();
    for (const [state, limit] of Object.entries(this.limits)) {
      for (const node of this.nodes.list({ provisionState: state })) {
        const since = parseIso(node.provisionUpdatedAt);
        if (since === null || now - since <= limit) continue;
        const release = this.nodes.locks.tryAcquire(node.uuid, 'timeout');
        if (!release) continue;
        try {
          this.expire(node);
        } finally {
          release();
        }
      }
    }
  }

  private expire(node: NodeRow): void {
    this.logger.warn({ node: node.uuid, state: node.provisionState }, 'provision timeout');
    switch (node.provisionState) {
      case 'clean wait': {
        const step =
          node.cleanStep && Object.keys(node.cleanStep).length
            ? (node.cleanStep as CleanStep)
            : null;
        this.cleaning.fail(
          node,
          `Timeout reached while cleaning the node. Please check if the ramdisk responsible for the cleaning is running on the node. Failed on step ${step ? stepName(step) : 'none'}.`,
          { stepRunning: step !== null },
        );
        return;
      }
      case 'service wait': {
        const step = currentStep(SERVICE_KIND, node);
        const message = `Timeout reached while servicing the node. Please check if the ramdisk responsible for the servicing is running on the node. Failed on step ${step ? stepName(step) : 'none'}.`;
        if (this.servicing) this.servicing.fail(node, message, { stepRunning: step !== null });
        else this.nodes.transition(node, 'fail', { patch: { lastError: message } });
        return;
      }
      case 'inspect wait':
        this.nodes.transition(node, 'fail', {
          patch: { lastError: 'Timeout reached while inspecting the node' },
        });
        return;
      case 'rescue wait': {
        const message = `Timeout reached while waiting for rescue ramdisk callback for node ${node.uuid}`;
        if (this.rescuing) this.rescuing.fail(node, message);
        else this.nodes.transition(node, 'fail', { patch: { lastError: message } });
        return;
      }
      default: {
        const message = `Timeout reached while waiting for callback for node ${node.uuid}`;
        if (this.deploying) this.deploying.fail(node, message, { stepRunning: false });
        else this.nodes.transition(node, 'fail', { patch: { lastError: message } });
      }
    }
  }
}
