import type { Clock, Logger } from '../../lib';
import type { CommandResult, ProvisionState } from '../../protocol';
import { AgentBusyError, type AgentClient, commandErrorText } from '../agent/agent-client';
import type { PowerService } from '../bmc/power-service';
import type { NodeRow } from '../db/schema';
import type { NodeService } from '../nodes/node-service';
import { agentAlive } from './agent-alive';
import { agentStepParams } from './agent-params';
import { sameStep, stepName, type CleanStep } from './clean-steps';
import type { RamdiskBoot } from './ramdisk-boot';
import {
  DEFAULT_MAX_WAIT_STEP_SECONDS,
  RESERVED_POWER,
  reservedStepName,
  waitSeconds,
} from './reserved-steps';
import { agentStepError, conductorStepError, heartbeatError, rebootError } from './step-errors';
import { currentStep, stepPatch, type StepKind } from './step-kind';

export type Step = CleanStep;

export interface FailOptions {
  /** A step was running on the machine: cleaning then sets maintenance (`clean failure`). */
  stepRunning: boolean;
  event?: 'fail' | 'abort';
  maintenance?: boolean;
}

/** What cleaning and deploying each bring to the shared engine. */
export interface StepPhase {
  readonly kind: StepKind;
  /** The phase's error handler (`cleaning_error_handler` / `deploying_error_handler`). */
  fail(node: NodeRow, message: string, opts: FailOptions): NodeRow;
  /** Every step ran: leave the phase. */
  finish(node: NodeRow): Promise<void>;
  /**
   * `get_<kind>_steps` and re-plan. `mismatch` is set after the agent reported changed hardware
   * managers. Returns the node and the index to run next, or null after failing the node.
   */
  refreshSteps(
    node: NodeRow,
    opts: { mismatch: boolean },
  ): Promise<{ row: NodeRow; index: number } | null>;
  /** Heartbeat cases before the step loop (no step yet, ramdisk just booted); true if handled. */
  beforePoll?(node: NodeRow, step: Step | null): Promise<boolean>;
  /** Steps the conductor runs itself besides the reserved ones; true if handled. */
  runOwn?(node: NodeRow, step: Step, index: number): Promise<boolean>;
  /** Whether a step is the conductor's own (never abortable mid-way by the agent's rules). */
  isOwn?(step: Step): boolean;
  /** The step as sent to the agent (deploy's `write_image` adds `image_info`). */
  toAgent?(node: NodeRow, step: Step): Step;
  /** Before a reserved `power_on`/`reboot`: where the machine should boot. */
  beforePowerOn?(node: NodeRow): Promise<void>;
}

export interface StepEngineOptions {
  nodes: NodeService;
  power: PowerService;
  agent: AgentClient;
  boot: RamdiskBoot;
  clock: Clock;
  logger: Logger;
  /** `[conductor] max_conductor_wait_step_seconds`, default 30. */
  maxWaitStepSeconds?: number;
}

/** What every operation run on the engine (clean, deploy, service) is given. */
export interface StepPhaseOptions extends StepEngineOptions {
  /** `[deploy] fast_track`: use a ramdisk still heartbeating instead of booting a new one. */
  fastTrack: boolean;
}

/**
 * The step loop shared by cleaning and deploying, as Ironic shares `process_next_step` and
 * `do_next_clean_step`/`do_next_deploy_step`: one step at a time in plan order, agent steps sent
 * asynchronously and polled on each heartbeat, 409 busy answered by resending later,
 * `reboot_requested`, abort after non-abortable steps, a hardware manager version mismatch
 * re-fetching the steps, reserved steps (power, hold, wait) run by the conductor. Every method
 * runs under the node lock held by its caller.
 */
export class StepEngine {
  constructor(
    private readonly o: StepEngineOptions,
    private readonly phase: StepPhase,
  ) {}

  private get nodes(): NodeService {
    return this.o.nodes;
  }

  private get kind(): StepKind {
    return this.phase.kind;
  }

  /** A heartbeat in the wait state (lock held): start, resume or poll. */
  async onHeartbeat(node: NodeRow): Promise<void> {
    const k = this.kind;
    const row = this.nodes.update(node.uuid, `${k.name}.heartbeat`, {
      provisionUpdatedAt: this.nodes.now(),
    });
    if (row.maintenance) {
      this.phase.fail(row, `${k.noun} aborted as node is in maintenance mode`, {
        stepRunning: true,
      });
      return;
    }
    const step = currentStep(k, row);
    try {
      if (this.phase.beforePoll && (await this.phase.beforePoll(row, step))) return;
      if (!step) return;
      const index = Number(row.driverInternalInfo[k.indexKey] ?? 0);
      if (row.driverInternalInfo[k.pendingKey]) {
        await this.runFrom(this.nodes.transition(row, 'resume'), index);
        return;
      }
      const reserved = reservedStepName(step);
      if (reserved === 'wait' || reserved === 'hold') {
        // A wait for the next heartbeat (or a hold released meanwhile) ends with this one.
        await this.continueAfterReserved(row);
        return;
      }
      await this.poll(row, step, index);
    } catch (err) {
      const fresh = this.nodes.get(node.uuid);
      const running = currentStep(k, fresh);
      this.phase.fail(fresh, heartbeatError(k, fresh, running ?? step, errText(err)), {
        stepRunning: running !== null,
      });
    }
  }

  /** Starts step `index` (node in the active state), or finishes when none is left. */
  /**
   * Ironic's fast track, else the ramdisk: an agent still heartbeating from an earlier operation
   * runs the steps at once (`useLive`); if it does not answer, or there is none, the ramdisk is
   * booted and the node waits for the fresh agent's first heartbeat. `preparing` names the
   * operation when the boot fails ("cleaning", "deployment", "service").
   */
  async startInRamdisk(
    node: NodeRow,
    opts: {
      fastTrack: boolean;
      /** The state the operation must still be in after a failed fast track (abort moves it). */
      busyState: ProvisionState;
      useLive: (row: NodeRow) => Promise<void>;
      /** What to forget of the unusable agent's run before the fresh ramdisk starts over. */
      forgetLive?: (row: NodeRow) => NodeRow;
      preparing: string;
    },
  ): Promise<void> {
    let row = node;
    if (opts.fastTrack && agentAlive(row, this.o.clock.now())) {
      try {
        await opts.useLive(row);
        return;
      } catch (err) {
        this.o.logger.warn(
          { node: row.uuid, err: (err as Error).message },
          'fast-track agent unusable; rebooting',
        );
        row = this.nodes.get(row.uuid);
        if (row.provisionState !== opts.busyState) return;
        if (opts.forgetLive) row = opts.forgetLive(row);
      }
    }
    try {
      row = await this.o.boot.bootRamdisk(row);
    } catch (err) {
      this.phase.fail(
        this.nodes.get(row.uuid),
        `Failed to prepare node ${row.uuid} for ${opts.preparing}: ${(err as Error).message}`,
        { stepRunning: false },
      );
      return;
    }
    this.nodes.transition(row, 'wait');
  }

  async runFrom(node: NodeRow, index: number): Promise<void> {
    const k = this.kind;
    const steps = (node.driverInternalInfo[k.stepsKey] as Step[] | undefined) ?? [];
    if (index >= steps.length) {
      await this.phase.finish(node);
      return;
    }
    const step = steps[index]!;
    const dii: Record<string, unknown> = { ...node.driverInternalInfo, [k.indexKey]: index };
    delete dii[k.pendingKey];
    delete dii[k.progressKey];
    const row = this.nodes.update(
      node.uuid,
      `${k.name}.step_started`,
      { ...stepPatch(k, step), driverInternalInfo: dii },
      {
        type: `${k.name}.step_started`,
        data: { step: stepName(step), index, of: steps.length },
      },
    );
    if (reservedStepName(step)) {
      await this.runReserved(row, step, index);
      return;
    }
    if (this.phase.runOwn && (await this.phase.runOwn(row, step, index))) return;
    await this.sendToAgent(row, step);
  }

  /** A step the conductor runs to completion itself, then the next one. */
  async runInConductor(
    node: NodeRow,
    step: Step,
    index: number,
    run: (node: NodeRow) => Promise<NodeRow>,
  ): Promise<void> {
    let row: NodeRow;
    try {
      row = await run(node);
    } catch (err) {
      this.phase.fail(this.nodes.get(node.uuid), conductorStepError(this.kind, node, step, err), {
        stepRunning: true,
      });
      return;
    }
    this.nodes.recordEvent(node.uuid, `${this.kind.name}.step_finished`, {
      step: stepName(step),
      index,
      result: { power_state: row.powerState },
    });
    await this.runFrom(this.nodes.get(row.uuid), index + 1);
  }

  /** After `unhold` (node in the wait state, lock held): the step after the hold runs at once. */
  async continueAfterHold(node: NodeRow): Promise<void> {
    const k = this.kind;
    if (node.provisionState !== k.waitState || reservedStepName(currentStep(k, node)) !== 'hold') {
      return;
    }
    try {
      await this.continueAfterReserved(node);
    } catch (err) {
      this.phase.fail(
        this.nodes.get(node.uuid),
        `${k.noun} of node ${node.uuid} failed after hold: ${errText(err)}`,
        { stepRunning: false },
      );
    }
  }

  /**
   * The abort verb in the wait or hold state: immediate when nothing runs on the machine or the
   * agent's step is abortable; otherwise the step finishes first (`abort_after`).
   */
  abort(node: NodeRow): NodeRow {
    const k = this.kind;
    const step = currentStep(k, node);
    const agentStep =
      step !== null &&
      node.provisionState === k.waitState &&
      reservedStepName(step) === null &&
      !(this.phase.isOwn?.(step) ?? false);
    if (step && agentStep && step.abortable !== true) {
      return this.nodes.update(
        node.uuid,
        `${k.name}.abort_requested`,
        stepPatch(k, { ...step, abort_after: true }),
        { type: `${k.name}.abort_requested`, data: { step: stepName(step) } },
      );
    }
    return this.phase.fail(node, this.abortMessage(step), {
      stepRunning: false,
      event: 'abort',
      maintenance: false,
    });
  }

  private abortMessage(step: Step | null): string {
    return `By request, the ${this.kind.name} operation was aborted${step ? ` during or after the completion of step "${stepName(step)}"` : ''}`;
  }

  /** An agent step: sent asynchronously, polled on heartbeats. */
  private async sendToAgent(node: NodeRow, step: Step): Promise<void> {
    const k = this.kind;
    let row = node;
    if (typeof row.driverInternalInfo.agent_url !== 'string') {
      // The ramdisk is down (a reserved power step, a reboot): send once a fresh agent heartbeats.
      row = this.nodes.update(row.uuid, `${k.name}.awaiting_agent`, {
        driverInternalInfo: { ...row.driverInternalInfo, [k.pendingKey]: true },
      });
      this.nodes.transition(row, 'wait');
      return;
    }
    const sent = this.phase.toAgent?.(row, step) ?? step;
    let result: CommandResult;
    try {
      result = await this.o.agent.executeCommand(
        row,
        k.command,
        {
          ...agentStepParams(this.nodes, row),
          step: sent,
          [k.versionParam]: row.driverInternalInfo.hardware_manager_version ?? {},
        },
        false,
      );
    } catch (err) {
      if (!(err instanceof AgentBusyError)) {
        this.phase.fail(this.nodes.get(row.uuid), conductorStepError(k, row, step, err), {
          stepRunning: true,
        });
        return;
      }
      // The agent still runs something: wait, and send this step again on a later heartbeat.
      row = this.nodes.update(
        row.uuid,
        `${k.name}.agent_busy`,
        { driverInternalInfo: { ...row.driverInternalInfo, [k.pendingKey]: true } },
        { type: `${k.name}.agent_busy`, data: { step: stepName(step) } },
      );
      this.nodes.transition(row, 'wait');
      return;
    }
    if (result.command_status === 'FAILED') {
      this.phase.fail(row, agentStepError(k, row, step, commandErrorText(result)), {
        stepRunning: true,
      });
      return;
    }
    this.nodes.transition(row, 'wait');
  }

  /** Ironic's `process_next_step`: what became of the last command sent to the agent. */
  private async poll(node: NodeRow, step: Step, index: number): Promise<void> {
    const k = this.kind;
    const commands = await this.o.agent.listCommands(node);
    if (commands.every((c) => c.command_name === k.listCommandName)) {
      // A fresh agent: after a requested reboot the step is done; otherwise it was not sent.
      if (node.driverInternalInfo[k.rebootKey]) {
        const dii = { ...node.driverInternalInfo };
        delete dii[k.rebootKey];
        const row = this.nodes.transition(node, 'resume', { patch: { driverInternalInfo: dii } });
        await this.runFrom(row, index + 1);
      }
      return;
    }
    const last = commands[commands.length - 1]!;
    if (last.command_name !== k.commandName) return;
    if (last.command_status === 'RUNNING') {
      if (last.command_progress) {
        this.nodes.update(node.uuid, `${k.name}.progress`, {
          driverInternalInfo: {
            ...node.driverInternalInfo,
            [k.progressKey]: last.command_progress,
          },
        });
      }
      return;
    }
    if (last.command_status === 'FAILED') {
      this.phase.fail(node, agentStepError(k, node, step, commandErrorText(last)), {
        stepRunning: true,
      });
      return;
    }
    if (last.command_status === 'CLEAN_VERSION_MISMATCH') {
      // IPA reports this status for clean and deploy steps alike.
      const row = this.nodes.transition(node, 'resume', {
        data: { reason: 'hardware manager versions changed; refreshing steps' },
      });
      const next = await this.phase.refreshSteps(row, { mismatch: true });
      if (next) await this.runFrom(next.row, next.index);
      return;
    }
    const result = last.command_result as Record<string, unknown> | null;
    // A result for another step (or the same step with other args) is a previous command's.
    if (!sameStep(result?.[k.echoKey], step)) return;
    this.nodes.recordEvent(node.uuid, `${k.name}.step_finished`, {
      step: stepName(step),
      index,
      result: result?.[k.resultKey] ?? null,
    });
    if (step.abort_after) {
      this.phase.fail(node, this.abortMessage(step), { stepRunning: false, event: 'fail' });
      return;
    }
    if (step.reboot_requested) {
      const marked = this.nodes.update(node.uuid, `${k.name}.reboot`, {
        driverInternalInfo: { ...node.driverInternalInfo, [k.rebootKey]: true },
      });
      try {
        await this.o.boot.bootRamdisk(marked);
      } catch (err) {
        this.phase.fail(this.nodes.get(node.uuid), rebootError(k, node, step, errText(err)), {
          stepRunning: true,
        });
      }
      return;
    }
    await this.runFrom(this.nodes.transition(node, 'resume'), index + 1);
  }

  /**
   * The conductor's own steps: power actions continue with the next step at once; `hold` parks
   * the node until `unhold`; `wait` parks it in the wait state for `args.seconds` (capped) or,
   * without seconds, until the next heartbeat.
   */
  private async runReserved(node: NodeRow, step: Step, index: number): Promise<void> {
    const k = this.kind;
    const name = reservedStepName(step)!;
    const target = RESERVED_POWER[name];
    if (target) {
      await this.runInConductor(node, step, index, async (row) => {
        if (target !== 'power off') await this.phase.beforePowerOn?.(row);
        return this.o.power.changeLocked(row, target);
      });
      return;
    }
    if (name === 'hold') {
      this.nodes.transition(node, 'hold', { data: { step: stepName(step) } });
      return;
    }
    const max = this.o.maxWaitStepSeconds ?? DEFAULT_MAX_WAIT_STEP_SECONDS;
    const wait = waitSeconds(step.args, max);
    if ('error' in wait) {
      this.phase.fail(node, conductorStepError(k, node, step, new Error(wait.error)), {
        stepRunning: true,
      });
      return;
    }
    if (wait.capped) {
      this.nodes.recordEvent(node.uuid, `${k.name}.wait_capped`, {
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
      fresh?.provisionState !== k.waitState ||
      Number(fresh.driverInternalInfo[k.indexKey]) !== index
    ) {
      return;
    }
    await this.continueAfterReserved(fresh);
  }

  private async continueAfterReserved(node: NodeRow): Promise<void> {
    const k = this.kind;
    const index = Number(node.driverInternalInfo[k.indexKey] ?? 0);
    this.nodes.recordEvent(node.uuid, `${k.name}.step_finished`, {
      step: stepName(currentStep(k, node)),
      index,
      result: null,
    });
    await this.runFrom(this.nodes.transition(node, 'resume'), index + 1);
  }
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
