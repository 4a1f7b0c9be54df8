import type { NodeRow } from '../db/schema';
import type { NodeService } from '../nodes/node-service';
import { listAgentSteps } from './agent-steps';
import {
  automatedSteps,
  manualSteps,
  mergeAgentSteps,
  stepName,
  type CleanStep,
  type ManualStep,
} from './clean-steps';
import { agentCleanParams, type EraseSettings } from './erase-settings';
import { StepEngine, type FailOptions, type StepPhase, type StepPhaseOptions } from './step-engine';
import { CLEAN_KIND } from './step-kind';
import { AGENT_TOKEN_KEYS } from './agent-params';

export interface CleaningOptions extends StepPhaseOptions {
  /** `[conductor] automated_clean`. */
  automatedClean: boolean;
  /** `[conductor] clean_step_priority_override`: `interface.step` → priority (0 disables). */
  priorityOverrides?: Readonly<Record<string, number>>;
  /** Ironic's `[deploy]` erase options, given to the agent with every cleaning. */
  erase?: Partial<EraseSettings>;
}

// Keys of driver_internal_info that belong to one cleaning run.
const RUN_KEYS = [
  'clean_steps',
  'clean_step_index',
  'cleaning_reboot',
  'clean_step_send_pending',
  'clean_step_progress',
  'manual_clean_steps',
  'cleaning_disable_ramdisk',
] as const;

const isManual = (node: NodeRow) => node.targetProvisionState === 'manageable';

/**
 * Cleaning as Ironic's conductor drives it (research conductor-bmc.md §2.2, §2.5): boot the
 * ramdisk, fetch the steps on the first heartbeat, run one step at a time, poll the last command
 * on each heartbeat, fail to `clean failed` with `last_error`. Every method runs under the node
 * lock held by its caller.
 */
export class Cleaning implements StepPhase {
  readonly kind = CLEAN_KIND;
  private readonly engine: StepEngine;

  constructor(private readonly o: CleaningOptions) {
    this.engine = new StepEngine(o, this);
  }

  private get nodes(): NodeService {
    return this.o.nodes;
  }

  /**
   * Entered `cleaning` from provide/clean (or undeploy): prepare the ramdisk or use the live one.
   * `disableRamdisk` (manual cleaning only) runs the conductor's own steps without booting one.
   */
  async start(
    node: NodeRow,
    requested?: ManualStep[],
    opts: { disableRamdisk?: boolean } = {},
  ): Promise<void> {
    // Ironic's `agent_add_clean_params`: how the agent's erase_devices is to erase.
    const dii = { ...node.driverInternalInfo, ...agentCleanParams(this.o.erase) };
    for (const k of RUN_KEYS) delete dii[k];
    if (requested) dii.manual_clean_steps = requested;
    if (opts.disableRamdisk) dii.cleaning_disable_ramdisk = true;
    let row = this.nodes.update(
      node.uuid,
      'clean.started',
      { cleanStep: null, driverInternalInfo: dii },
      {
        type: 'clean.started',
        data: { manual: Boolean(requested), steps: requested ?? null },
      },
    );
    if (!requested && (!this.o.automatedClean || row.automatedClean === false)) {
      this.nodes.transition(row, 'done', { data: { reason: 'automated cleaning disabled' } });
      return;
    }
    if (row.maintenance) {
      this.fail(row, 'Cleaning a node in maintenance mode is not allowed', { stepRunning: false });
      return;
    }
    if (opts.disableRamdisk && requested) {
      const chosen = manualSteps(requested, [], { disableRamdisk: true });
      if ('error' in chosen) {
        this.fail(row, chosen.error, { stepRunning: false });
        return;
      }
      row = this.nodes.update(
        row.uuid,
        'clean.steps',
        { driverInternalInfo: { ...row.driverInternalInfo, clean_steps: chosen.steps } },
        { type: 'clean.steps', data: { steps: chosen.steps.map(stepName) } },
      );
      await this.engine.runFrom(row, 0);
      return;
    }
    await this.engine.startInRamdisk(row, {
      fastTrack: this.o.fastTrack,
      busyState: 'cleaning',
      useLive: (live) => this.fetchStepsAndRun(live),
      // Start over: the fresh ramdisk's first heartbeat fetches the steps again.
      forgetLive: (stale) => {
        const fresh = { ...stale.driverInternalInfo };
        for (const k of RUN_KEYS) if (k !== 'manual_clean_steps') delete fresh[k];
        return this.nodes.update(stale.uuid, 'clean.restart', {
          cleanStep: null,
          driverInternalInfo: fresh,
        });
      },
      preparing: 'cleaning',
    });
  }

  /** A heartbeat in `clean wait` (lock held): start, resume or poll. */
  onHeartbeat(node: NodeRow): Promise<void> {
    return this.engine.onHeartbeat(node);
  }

  /** Steps not fetched yet: the ramdisk's first heartbeat lists them and starts the first. */
  async beforePoll(node: NodeRow, step: CleanStep | null): Promise<boolean> {
    if (step) return false;
    await this.fetchStepsAndRun(this.nodes.transition(node, 'resume'));
    return true;
  }

  /** `clean.get_clean_steps`, cache, compute the run list, start at the first step. */
  private async fetchStepsAndRun(node: NodeRow): Promise<void> {
    const next = await this.refreshSteps(node, { mismatch: false });
    if (next) await this.engine.runFrom(next.row, next.index);
  }

  /**
   * `clean.get_clean_steps` and the run list. Automated cleaning starts over with the fresh
   * steps; manual cleaning keeps the operator's list and, after a version mismatch, re-runs the
   * current step with the new versions (its steps need not be idempotent).
   */
  async refreshSteps(
    node: NodeRow,
    opts: { mismatch: boolean },
  ): Promise<{ row: NodeRow; index: number } | null> {
    const listed = await listAgentSteps(this.o.agent, this.nodes, node, CLEAN_KIND);
    const cache = {
      agent_cached_clean_steps: listed.byManager,
      agent_cached_clean_steps_refreshed: this.nodes.now(),
      hardware_manager_version: listed.versions,
    };
    if (opts.mismatch && isManual(node)) {
      const row = this.nodes.update(node.uuid, 'clean.steps', {
        driverInternalInfo: { ...node.driverInternalInfo, ...cache },
      });
      return { row, index: Number(node.driverInternalInfo.clean_step_index ?? 0) };
    }
    const available = mergeAgentSteps(listed.byManager);
    const requested = node.driverInternalInfo.manual_clean_steps as ManualStep[] | undefined;
    let steps: CleanStep[];
    if (isManual(node) && requested) {
      const chosen = manualSteps(requested, available);
      if ('error' in chosen) {
        this.fail(node, chosen.error, { stepRunning: false });
        return null;
      }
      steps = chosen.steps;
    } else {
      steps = automatedSteps(available, this.o.priorityOverrides);
    }
    const row = this.nodes.update(
      node.uuid,
      'clean.steps',
      { driverInternalInfo: { ...node.driverInternalInfo, ...cache, clean_steps: steps } },
      { type: 'clean.steps', data: { steps: steps.map(stepName) } },
    );
    return { row, index: 0 };
  }

  /**
   * Back into the ramdisk before a reserved power on, as PXE config left in place would do; the
   * boot interface decides how (one-time PXE, or the deploy ISO in the virtual CD).
   */
  async beforePowerOn(node: NodeRow): Promise<void> {
    if (node.driverInternalInfo.cleaning_disable_ramdisk === true) return;
    await this.o.boot.prepareBoot(node);
  }

  async finish(node: NodeRow): Promise<void> {
    const noRamdisk = node.driverInternalInfo.cleaning_disable_ramdisk === true;
    const dii = { ...node.driverInternalInfo };
    for (const k of RUN_KEYS) delete dii[k];
    let row = this.nodes.update(
      node.uuid,
      'clean.finished',
      { cleanStep: null, driverInternalInfo: dii },
      {
        type: 'clean.finished',
        data: {},
      },
    );
    // Fast track keeps the ramdisk up for the next operation; otherwise tear it down.
    if (!this.o.fastTrack && !noRamdisk) {
      try {
        row = await this.o.power.changeLocked(row, 'power off');
        // Ironic's tear_down_cleaning → clean_up_ramdisk: the deploy ISO leaves the virtual CD.
        await this.o.boot.cleanUpRamdisk(row);
      } catch (err) {
        this.fail(
          this.nodes.get(row.uuid),
          `Failed to tear down cleaning: ${(err as Error).message}`,
          {
            stepRunning: false,
          },
        );
        return;
      }
    }
    this.nodes.transition(row, isManual(row) ? 'manage' : 'done');
  }

  /** After `unhold` (node in `clean wait`, lock held): the step after the hold runs at once. */
  continueAfterHold(node: NodeRow): Promise<void> {
    return this.engine.continueAfterHold(node);
  }

  /**
   * `cleaning_error_handler`: last_error, maintenance with fault `clean failure` when a step was
   * running, cleaning info and agent token wiped, then `fail` (or `abort`).
   */
  fail(node: NodeRow, message: string, opts: FailOptions): NodeRow {
    this.o.logger.error({ node: node.uuid, error: message }, 'cleaning failed');
    const dii = { ...node.driverInternalInfo };
    for (const k of RUN_KEYS) delete dii[k];
    for (const k of AGENT_TOKEN_KEYS) delete dii[k];
    const maintenance = opts.maintenance ?? opts.stepRunning;
    return this.nodes.transition(node, opts.event ?? 'fail', {
      patch: {
        lastError: message,
        cleanStep: null,
        driverInternalInfo: dii,
        ...(maintenance
          ? { maintenance: true, fault: 'clean failure', maintenanceReason: message }
          : {}),
      },
      data: { error: message, step: node.cleanStep ? stepName(node.cleanStep) : null },
    });
  }

  /** The abort verb in clean wait/hold: immediate if the step allows it, else after it. */
  abort(node: NodeRow): NodeRow {
    return this.engine.abort(node);
  }
}
