import type { Clock, Logger } from '../../lib';
import type { CommandResult } from '../../protocol';
import { AgentBusyError, type AgentClient, commandErrorText } from '../agent/agent-client';
import type { PowerService } from '../bmc/power-service';
import type { NodeRow } from '../db/schema';
import type { NodeService } from '../nodes/node-service';
import { agentAlive } from './agent-alive';
import { agentStepParams } from './agent-params';
import {
  automatedSteps,
  getCleanStepsResultSchema,
  manualSteps,
  mergeAgentSteps,
  sameStep,
  stepName,
  type CleanStep,
  type ManualStep,
} from './clean-steps';
import type { RamdiskBoot } from './ramdisk-boot';
import {
  DEFAULT_MAX_WAIT_STEP_SECONDS,
  RESERVED_POWER,
  reservedStepName,
  waitSeconds,
} from './reserved-steps';

export interface CleaningOptions {
  nodes: NodeService;
  power: PowerService;
  agent: AgentClient;
  boot: RamdiskBoot;
  clock: Clock;
  logger: Logger;
  fastTrack: boolean;
  /** `[conductor] automated_clean`. */
  automatedClean: boolean;
  /** `[conductor] max_conductor_wait_step_seconds`, default 30. */
  maxWaitStepSeconds?: number;
  /** `[conductor] clean_step_priority_override`: `interface.step` → priority (0 disables). */
  priorityOverrides?: Readonly<Record<string, number>>;
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
const AGENT_KEYS = ['agent_secret_token', 'agent_url', 'agent_verify_ca'] as const;

const isManual = (node: NodeRow) => node.targetProvisionState === 'manageable';

/**
 * Cleaning as Ironic's conductor drives it (research conductor-bmc.md §2.2, §2.5): boot the
 * ramdisk, fetch the steps on the first heartbeat, run one step at a time, poll the last command
 * on each heartbeat, fail to `clean failed` with `last_error`. Every method runs under the node
 * lock held by its caller.
 */
export class Cleaning {
  constructor(private readonly o: CleaningOptions) {}

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
    const dii = { ...node.driverInternalInfo };
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
      await this.runFrom(row, 0);
      return;
    }
    if (this.o.fastTrack && agentAlive(row, this.o.clock.now())) {
      try {
        await this.fetchStepsAndRun(row);
        return;
      } catch (err) {
        // The ramdisk we thought alive did not answer: boot a fresh one like a normal clean.
        this.o.logger.warn(
          { node: row.uuid, err: (err as Error).message },
          'fast-track agent unusable; rebooting',
        );
        row = this.nodes.get(row.uuid);
        if (row.provisionState !== 'cleaning') return;
        // Start over: the fresh ramdisk's first heartbeat fetches the steps again.
        const fresh = { ...row.driverInternalInfo };
        for (const k of RUN_KEYS) if (k !== 'manual_clean_steps') delete fresh[k];
        row = this.nodes.update(row.uuid, 'clean.restart', {
          cleanStep: null,
          driverInternalInfo: fresh,
        });
      }
    }
    try {
      row = await this.o.boot.bootRamdisk(row);
    } catch (err) {
      this.fail(row, `Failed to prepare node ${row.uuid} for cleaning: ${(err as Error).message}`, {
        stepRunning: false,
      });
      return;
    }
    this.nodes.transition(row, 'wait');
  }

  /** A heartbeat in `clean wait` (lock held): start, resume or poll. */
  async onHeartbeat(node: NodeRow): Promise<void> {
    let row = this.nodes.update(node.uuid, 'clean.heartbeat', {
      provisionUpdatedAt: this.nodes.now(),
    });
    if (row.maintenance) {
      this.fail(row, 'Cleaning aborted as node is in maintenance mode', { stepRunning: true });
      return;
    }
    try {
      if (!row.cleanStep || Object.keys(row.cleanStep).length === 0) {
        row = this.nodes.transition(row, 'resume');
        await this.fetchStepsAndRun(row);
        return;
      }
      if (row.driverInternalInfo.clean_step_send_pending) {
        row = this.nodes.transition(row, 'resume');
        await this.runFrom(row, Number(row.driverInternalInfo.clean_step_index ?? 0));
        return;
      }
      const reserved = reservedStepName(row.cleanStep);
      if (reserved === 'wait' || reserved === 'hold') {
        // A wait for the next heartbeat (or a hold released meanwhile) ends with this one.
        await this.continueAfterReserved(row);
        return;
      }
      await this.poll(row);
    } catch (err) {
      const fresh = this.nodes.get(node.uuid);
      const step = fresh.cleanStep && Object.keys(fresh.cleanStep).length ? fresh.cleanStep : null;
      this.fail(
        fresh,
        `Cleaning of node ${fresh.uuid} failed${step ? ` on step ${stepName(step)}` : ''}: ${(err as Error).message}`,
        { stepRunning: step !== null },
      );
    }
  }

  /** `clean.get_clean_steps`, cache, compute the run list, start at the first step. */
  private async fetchStepsAndRun(node: NodeRow): Promise<void> {
    const result = await this.o.agent.executeCommand(
      node,
      'clean.get_clean_steps',
      this.agentParams(node),
      true,
    );
    if (result.command_status !== 'SUCCEEDED') {
      throw new Error(`the agent could not list clean steps: ${commandErrorText(result)}`);
    }
    const parsed = getCleanStepsResultSchema.safeParse(result.command_result);
    if (!parsed.success) throw new Error('the agent returned clean steps in an unknown shape');
    const available = mergeAgentSteps(parsed.data.clean_steps);
    const requested = node.driverInternalInfo.manual_clean_steps as ManualStep[] | undefined;
    let steps: CleanStep[];
    if (isManual(node) && requested) {
      const chosen = manualSteps(requested, available);
      if ('error' in chosen) {
        this.fail(node, chosen.error, { stepRunning: false });
        return;
      }
      steps = chosen.steps;
    } else {
      steps = automatedSteps(available, this.o.priorityOverrides);
    }
    const now = this.nodes.now();
    const row = this.nodes.update(
      node.uuid,
      'clean.steps',
      {
        driverInternalInfo: {
          ...node.driverInternalInfo,
          agent_cached_clean_steps: parsed.data.clean_steps,
          agent_cached_clean_steps_refreshed: now,
          hardware_manager_version: parsed.data.hardware_manager_version ?? {},
          clean_steps: steps,
        },
      },
      { type: 'clean.steps', data: { steps: steps.map(stepName) } },
    );
    await this.runFrom(row, 0);
  }

  /** Starts step `index` (node in `cleaning`), or finishes when none is left. */
  private async runFrom(node: NodeRow, index: number): Promise<void> {
    const steps = (node.driverInternalInfo.clean_steps as CleanStep[] | undefined) ?? [];
    if (index >= steps.length) {
      await this.finish(node);
      return;
    }
    const step = steps[index]!;
    const dii: Record<string, unknown> = { ...node.driverInternalInfo, clean_step_index: index };
    delete dii.clean_step_send_pending;
    delete dii.clean_step_progress;
    let row = this.nodes.update(
      node.uuid,
      'clean.step_started',
      { cleanStep: step, driverInternalInfo: dii },
      { type: 'clean.step_started', data: { step: stepName(step), index, of: steps.length } },
    );
    if (reservedStepName(step)) {
      await this.runReserved(row, step, index);
      return;
    }
    if (typeof row.driverInternalInfo.agent_url !== 'string') {
      // A reserved power step took the ramdisk down: send the step once a fresh agent heartbeats.
      row = this.nodes.update(row.uuid, 'clean.awaiting_agent', {
        driverInternalInfo: { ...row.driverInternalInfo, clean_step_send_pending: true },
      });
      this.nodes.transition(row, 'wait');
      return;
    }
    let result: CommandResult;
    try {
      result = await this.o.agent.executeCommand(
        row,
        'clean.execute_clean_step',
        {
          ...this.agentParams(row),
          step,
          clean_version: row.driverInternalInfo.hardware_manager_version ?? {},
        },
        false,
      );
    } catch (err) {
      if (!(err instanceof AgentBusyError)) throw err;
      // The agent still runs something: wait, and send this step again on a later heartbeat.
      row = this.nodes.update(
        row.uuid,
        'clean.agent_busy',
        { driverInternalInfo: { ...row.driverInternalInfo, clean_step_send_pending: true } },
        { type: 'clean.agent_busy', data: { step: stepName(step) } },
      );
      this.nodes.transition(row, 'wait');
      return;
    }
    if (result.command_status === 'FAILED') {
      this.fail(row, this.stepFailure(row, step, result), { stepRunning: true });
      return;
    }
    this.nodes.transition(row, 'wait');
  }

  /** Ironic's `process_next_step('clean')`. */
  private async poll(node: NodeRow): Promise<void> {
    const commands = await this.o.agent.listCommands(node);
    const step = node.cleanStep as CleanStep;
    const index = Number(node.driverInternalInfo.clean_step_index ?? 0);
    const freshlyBooted = commands.every((c) => c.command_name === 'get_clean_steps');
    if (freshlyBooted) {
      if (node.driverInternalInfo.cleaning_reboot) {
        const dii = { ...node.driverInternalInfo };
        delete dii.cleaning_reboot;
        const row = this.nodes.transition(node, 'resume', { patch: { driverInternalInfo: dii } });
        await this.runFrom(row, index + 1);
      }
      return;
    }
    const last = commands[commands.length - 1]!;
    if (last.command_name !== 'execute_clean_step') return;
    if (last.command_status === 'RUNNING') {
      if (last.command_progress) {
        this.nodes.update(node.uuid, 'clean.progress', {
          driverInternalInfo: {
            ...node.driverInternalInfo,
            clean_step_progress: last.command_progress,
          },
        });
      }
      return;
    }
    if (last.command_status === 'FAILED') {
      this.fail(node, this.stepFailure(node, step, last), { stepRunning: true });
      return;
    }
    if (last.command_status === 'CLEAN_VERSION_MISMATCH') {
      const row = this.nodes.transition(node, 'resume', {
        data: { reason: 'hardware manager versions changed; refreshing steps' },
      });
      if (isManual(row)) {
        // Manual cleaning re-runs the current step with refreshed versions.
        const refreshed = await this.o.agent.executeCommand(
          row,
          'clean.get_clean_steps',
          this.agentParams(row),
          true,
        );
        const parsed = getCleanStepsResultSchema.safeParse(refreshed.command_result);
        const next = this.nodes.update(row.uuid, 'clean.steps', {
          driverInternalInfo: {
            ...row.driverInternalInfo,
            hardware_manager_version: parsed.success
              ? (parsed.data.hardware_manager_version ?? {})
              : {},
          },
        });
        await this.runFrom(next, index);
      } else {
        await this.fetchStepsAndRun(row);
      }
      return;
    }
    const echoed = (last.command_result as { clean_step?: unknown } | null)?.clean_step;
    if (!sameStep(echoed, step)) return;
    this.nodes.recordEvent(node.uuid, 'clean.step_finished', {
      step: stepName(step),
      index,
      result: (last.command_result as { clean_result?: unknown } | null)?.clean_result ?? null,
    });
    if (step.abort_after) {
      this.fail(
        node,
        `By request, the clean operation was aborted during or after the completion of step "${stepName(step)}"`,
        { stepRunning: false, event: 'fail' },
      );
      return;
    }
    if (step.reboot_requested) {
      const marked = this.nodes.update(node.uuid, 'clean.reboot', {
        driverInternalInfo: { ...node.driverInternalInfo, cleaning_reboot: true },
      });
      try {
        await this.o.boot.bootRamdisk(marked);
      } catch (err) {
        this.fail(
          this.nodes.get(node.uuid),
          `Failed to reboot node ${node.uuid} after step ${stepName(step)}: ${(err as Error).message}`,
          {
            stepRunning: true,
          },
        );
      }
      return;
    }
    const row = this.nodes.transition(node, 'resume');
    await this.runFrom(row, index + 1);
  }

  private async finish(node: NodeRow): Promise<void> {
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

  /**
   * The conductor's own steps: power actions continue with the next step at once; `hold` parks
   * the node in `clean hold` until `unhold`; `wait` parks it in `clean wait` for `args.seconds`
   * (capped) or, without seconds, until the next heartbeat.
   */
  private async runReserved(node: NodeRow, step: CleanStep, index: number): Promise<void> {
    const name = reservedStepName(step)!;
    const target = RESERVED_POWER[name];
    if (target) {
      let row = node;
      try {
        const withRamdisk = node.driverInternalInfo.cleaning_disable_ramdisk !== true;
        if (target !== 'power off' && withRamdisk) {
          // Back into the ramdisk, as PXE config left in place during cleaning would do.
          const driver = this.o.power.driverFor(row);
          if (driver.setBootDevice) await driver.setBootDevice(row, 'pxe');
        }
        row = await this.o.power.changeLocked(row, target);
      } catch (err) {
        this.fail(
          this.nodes.get(node.uuid),
          `Node ${node.uuid} failed step ${stepName(step)}: ${(err as Error).message}`,
          { stepRunning: true },
        );
        return;
      }
      this.nodes.recordEvent(node.uuid, 'clean.step_finished', {
        step: stepName(step),
        index,
        result: { power_state: row.powerState },
      });
      await this.runFrom(row, index + 1);
      return;
    }
    if (name === 'hold') {
      this.nodes.transition(node, 'hold', { data: { step: stepName(step) } });
      return;
    }
    const max = this.o.maxWaitStepSeconds ?? DEFAULT_MAX_WAIT_STEP_SECONDS;
    const wait = waitSeconds(step.args, max);
    if ('error' in wait) {
      this.fail(node, `Node ${node.uuid} failed step ${stepName(step)}: ${wait.error}`, {
        stepRunning: true,
      });
      return;
    }
    if (wait.capped) {
      this.nodes.recordEvent(node.uuid, 'clean.wait_capped', {
        requested: step.args?.seconds ?? null,
        seconds: max,
      });
    }
    const waiting = this.nodes.transition(node, 'wait', {
      data: { step: stepName(step), seconds: wait.seconds },
    });
    if (wait.seconds === null) return;
    // The node lock stays held while paused, as Ironic's worker holds its task.
    await this.o.clock.sleep(wait.seconds * 1000);
    const fresh = this.nodes.find(waiting.uuid);
    if (
      fresh?.provisionState !== 'clean wait' ||
      Number(fresh.driverInternalInfo.clean_step_index) !== index
    ) {
      return;
    }
    await this.continueAfterReserved(fresh);
  }

  /** After `unhold` (node in `clean wait`, lock held): the step after the hold runs at once. */
  async continueAfterHold(node: NodeRow): Promise<void> {
    if (node.provisionState !== 'clean wait' || reservedStepName(node.cleanStep) !== 'hold') return;
    try {
      await this.continueAfterReserved(node);
    } catch (err) {
      this.fail(
        this.nodes.get(node.uuid),
        `Cleaning of node ${node.uuid} failed after hold: ${(err as Error).message}`,
        { stepRunning: false },
      );
    }
  }

  private async continueAfterReserved(node: NodeRow): Promise<void> {
    const index = Number(node.driverInternalInfo.clean_step_index ?? 0);
    this.nodes.recordEvent(node.uuid, 'clean.step_finished', {
      step: stepName(node.cleanStep),
      index,
      result: null,
    });
    const row = this.nodes.transition(node, 'resume');
    await this.runFrom(row, index + 1);
  }

  /**
   * `cleaning_error_handler`: last_error, maintenance with fault `clean failure` when a step was
   * running, cleaning info and agent token wiped, then `fail` (or `abort`).
   */
  fail(
    node: NodeRow,
    message: string,
    opts: { stepRunning: boolean; event?: 'fail' | 'abort'; maintenance?: boolean },
  ): NodeRow {
    this.o.logger.error({ node: node.uuid, error: message }, 'cleaning failed');
    const dii = { ...node.driverInternalInfo };
    for (const k of RUN_KEYS) delete dii[k];
    for (const k of AGENT_KEYS) delete dii[k];
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

  /** The abort verb in clean wait: immediate if the step allows it, else after it. */
  abort(node: NodeRow): NodeRow {
    const step = node.cleanStep as CleanStep | null;
    const running = step && Object.keys(step).length > 0;
    if (running && step.abortable !== true) {
      return this.nodes.update(
        node.uuid,
        'clean.abort_requested',
        { cleanStep: { ...step, abort_after: true } },
        { type: 'clean.abort_requested', data: { step: stepName(step) } },
      );
    }
    const msg = `By request, the clean operation was aborted${running ? ` during or after the completion of step "${stepName(step)}"` : ''}`;
    return this.fail(node, msg, { stepRunning: false, event: 'abort', maintenance: false });
  }

  private stepFailure(node: NodeRow, step: CleanStep, result: CommandResult): string {
    return `Clean step ${stepName(step)} failed on node ${node.uuid}: ${commandErrorText(result)}`;
  }

  private agentParams(node: NodeRow): Record<string, unknown> {
    return agentStepParams(this.nodes, node);
  }
}
