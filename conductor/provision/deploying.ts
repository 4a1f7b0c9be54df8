import { z } from 'zod';
import type { Clock, Logger } from '../../lib';
import type { CommandResult } from '../../protocol';
import { AgentBusyError, type AgentClient, commandErrorText } from '../agent/agent-client';
import type { PowerService } from '../bmc/power-service';
import type { NodeRow } from '../db/schema';
import type { NodeService } from '../nodes/node-service';
import { agentAlive } from './agent-alive';
import { agentStepParams } from './agent-params';
import { agentStepSchema, mergeAgentSteps, stepName } from './clean-steps';
import type { Cleaning } from './cleaning';
import { planDeploySteps, stepId, type DeployStep, type UserDeployStep } from './deploy-steps';
import { buildImageInfo, deployBootMode, isWholeDiskImage } from './image-info';
import type { RamdiskBoot } from './ramdisk-boot';
import {
  DEFAULT_MAX_WAIT_STEP_SECONDS,
  RESERVED_POWER,
  reservedStepName,
  waitSeconds,
} from './reserved-steps';

export interface DeployingOptions {
  nodes: NodeService;
  power: PowerService;
  agent: AgentClient;
  boot: RamdiskBoot;
  cleaning: Cleaning;
  clock: Clock;
  logger: Logger;
  fastTrack: boolean;
  maxWaitStepSeconds?: number;
  /** `[agent] post_deploy_get_power_state_retries` (6) and `…_retry_interval` (5 s). */
  powerOffRetries?: number;
  powerOffIntervalMs?: number;
  /** `[agent] command_wait_attempts` (100) and `command_wait_interval` (6 s). */
  commandWaitAttempts?: number;
  commandWaitIntervalMs?: number;
}

// Keys of driver_internal_info that belong to one deploy run.
const RUN_KEYS = [
  'deploy_steps',
  'deploy_step_index',
  'deployment_reboot',
  'deploy_step_send_pending',
  'deploy_step_progress',
  'user_deploy_steps',
  'agent_cached_deploy_steps',
  'agent_cached_deploy_steps_refreshed',
] as const;
// What an instance leaves behind, wiped when it is torn down.
const INSTANCE_KEYS = ['is_whole_disk_image', 'root_uuid_or_disk_id'] as const;

const getDeployStepsResultSchema = z.object({
  deploy_steps: z.record(z.string(), z.array(agentStepSchema)),
  hardware_manager_version: z.unknown().optional(),
});

const PARTITION_UUIDS = z
  .object({
    'root uuid': z.string().nullable().optional(),
    'efi system partition uuid': z.string().nullable().optional(),
    'PReP Boot partition uuid': z.string().nullable().optional(),
  })
  .passthrough();

/** Ironic's `is_equivalent`: same interface and step, whatever the args. */
const equivalent = (a: unknown, b: DeployStep) =>
  !!a &&
  typeof a === 'object' &&
  (a as DeployStep).interface === b.interface &&
  (a as DeployStep).step === b.step;

/**
 * Deploying with the `direct` deploy interface as Ironic runs it (research conductor-bmc.md
 * §2.2, §2.5): the core steps by priority (boot the ramdisk, switch into the agent's
 * `write_image`, install the bootloader for partition images, power the agent off, boot the
 * instance from disk), merged with the agent's enabled in-band steps, one at a time, polled on
 * heartbeats; failures end in `deploy failed` with `last_error`. Every method runs under the node
 * lock held by its caller.
 */
export class Deploying {
  constructor(private readonly o: DeployingOptions) {}

  private get nodes(): NodeService {
    return this.o.nodes;
  }

  /** Entered `deploying` from deploy/rebuild; the request was validated by the caller. */
  async start(
    node: NodeRow,
    opts: { configdrive?: string; userSteps?: UserDeployStep[] } = {},
  ): Promise<void> {
    const ii: Record<string, unknown> = {
      ...node.instanceInfo,
      image_url: node.instanceInfo.image_source,
    };
    if (opts.configdrive !== undefined) ii.configdrive = opts.configdrive;
    const dii = { ...node.driverInternalInfo };
    for (const k of [...RUN_KEYS, ...INSTANCE_KEYS]) delete dii[k];
    const user = opts.userSteps ?? [];
    const plan = planDeploySteps(user, null);
    let row = this.nodes.update(node.uuid, 'deploy.started', {
      instanceInfo: ii,
      deployStep: null,
      lastError: null,
      driverInternalInfo: {
        ...dii,
        is_whole_disk_image: isWholeDiskImage({ ...node, instanceInfo: ii }),
        ...(user.length ? { user_deploy_steps: user } : {}),
      },
    });
    if ('error' in plan) {
      this.fail(row, plan.error);
      return;
    }
    row = this.nodes.update(
      row.uuid,
      'deploy.steps',
      { driverInternalInfo: { ...row.driverInternalInfo, deploy_steps: plan.steps } },
      {
        type: 'deploy.started',
        data: { image_source: ii.image_source ?? null, steps: plan.steps.map(stepName) },
      },
    );
    await this.runFrom(row, 0);
  }

  /** A heartbeat in `wait call-back` (lock held): the ramdisk came up, or poll the step. */
  async onHeartbeat(node: NodeRow): Promise<void> {
    let row = this.nodes.update(node.uuid, 'deploy.heartbeat', {
      provisionUpdatedAt: this.nodes.now(),
    });
    if (row.maintenance) {
      this.fail(row, 'Deploy aborted as node is in maintenance mode');
      return;
    }
    const step = current(row);
    if (!step) return;
    const index = Number(row.driverInternalInfo.deploy_step_index ?? 0);
    try {
      if (row.driverInternalInfo.deploy_step_send_pending) {
        row = this.nodes.transition(row, 'resume');
        await this.runFrom(row, index);
        return;
      }
      const reserved = reservedStepName(step);
      if (reserved === 'wait' || reserved === 'hold') {
        await this.continueAfterReserved(row);
        return;
      }
      if (stepId(step) === 'deploy.deploy') {
        // The ramdisk booted by the core deploy step is up: learn its steps, carry on.
        row = this.nodes.transition(row, 'resume');
        const next = await this.refreshSteps(row);
        if (next) await this.runFrom(next.row, next.index + 1);
        return;
      }
      await this.poll(row, step, index);
    } catch (err) {
      this.fail(
        this.nodes.get(node.uuid),
        `Deploy step ${stepName(step)} failed on node ${node.uuid}: ${(err as Error).message}`,
      );
    }
  }

  /** After `unhold` (node in `wait call-back`): the step after the hold runs at once. */
  async continueAfterHold(node: NodeRow): Promise<void> {
    if (node.provisionState !== 'wait call-back' || reservedStepName(current(node)) !== 'hold') {
      return;
    }
    try {
      await this.continueAfterReserved(node);
    } catch (err) {
      this.fail(
        this.nodes.get(node.uuid),
        `Deploy of node ${node.uuid} failed after hold: ${(err as Error).message}`,
      );
    }
  }

  /** The abort verb in `wait call-back`/`deploy hold`: a running agent step finishes first. */
  abort(node: NodeRow): NodeRow {
    const step = current(node);
    const inBand =
      node.provisionState === 'wait call-back' &&
      step !== null &&
      reservedStepName(step) === null &&
      stepId(step) !== 'deploy.deploy';
    if (step && inBand && step.abortable !== true) {
      return this.nodes.update(
        node.uuid,
        'deploy.abort_requested',
        { deployStep: { ...step, abort_after: true } },
        { type: 'deploy.abort_requested', data: { step: stepName(step) } },
      );
    }
    const msg = `By request, the deploy operation was aborted${step ? ` during or after the completion of step "${stepName(step)}"` : ''}`;
    return this.fail(node, msg, 'abort');
  }

  /** Ironic's `deploying_error_handler`: last_error, the run's info wiped, `fail` (or `abort`). */
  fail(node: NodeRow, message: string, event: 'fail' | 'abort' = 'fail'): NodeRow {
    this.o.logger.error({ node: node.uuid, error: message }, 'deploy failed');
    const dii = { ...node.driverInternalInfo };
    for (const k of RUN_KEYS) delete dii[k];
    return this.nodes.transition(node, event, {
      patch: { lastError: message, deployStep: null, driverInternalInfo: dii },
      data: { error: message, step: current(node) ? stepName(current(node)) : null },
    });
  }

  /**
   * `deleting` (undeploy): power off, forget the instance, then automated cleaning towards
   * `available`. A failed teardown ends in `error`.
   */
  async tearDown(node: NodeRow): Promise<void> {
    let row = node;
    try {
      row = await this.o.power.changeLocked(row, 'power off');
    } catch (err) {
      this.nodes.transition(this.nodes.get(node.uuid), 'fail', {
        patch: {
          lastError: `Failed to tear down node ${node.uuid}. Error: ${(err as Error).message}`,
        },
      });
      return;
    }
    const dii = { ...row.driverInternalInfo };
    for (const k of [...RUN_KEYS, ...INSTANCE_KEYS]) delete dii[k];
    row = this.nodes.update(
      row.uuid,
      'deploy.torn_down',
      { instanceInfo: {}, deployStep: null, driverInternalInfo: dii },
      { type: 'deploy.torn_down', data: {} },
    );
    row = this.nodes.transition(row, 'clean', { target: 'available' });
    await this.o.cleaning.start(row);
  }

  /** Starts step `index` (node in `deploying`), or finishes when none is left. */
  private async runFrom(node: NodeRow, index: number): Promise<void> {
    const steps = (node.driverInternalInfo.deploy_steps as DeployStep[] | undefined) ?? [];
    if (index >= steps.length) {
      this.finish(node);
      return;
    }
    const step = steps[index]!;
    const dii: Record<string, unknown> = { ...node.driverInternalInfo, deploy_step_index: index };
    delete dii.deploy_step_send_pending;
    delete dii.deploy_step_progress;
    const row = this.nodes.update(
      node.uuid,
      'deploy.step_started',
      { deployStep: step, driverInternalInfo: dii },
      { type: 'deploy.step_started', data: { step: stepName(step), index, of: steps.length } },
    );
    if (reservedStepName(step)) {
      await this.runReserved(row, step, index);
      return;
    }
    switch (stepId(step)) {
      case 'deploy.deploy':
        await this.deployStep(row, index);
        return;
      case 'deploy.write_image': {
        const args = {
          image_info: buildImageInfo(row),
          configdrive: row.instanceInfo.configdrive ?? null,
        };
        await this.runInBand(row, { ...step, args });
        return;
      }
      case 'deploy.prepare_instance_boot':
        await this.inConductor(row, step, index, (r) => this.prepareInstanceBoot(r));
        return;
      case 'deploy.tear_down_agent':
        await this.inConductor(row, step, index, (r) => this.tearDownAgent(r));
        return;
      case 'deploy.switch_to_tenant_network':
        // The embedded conductor manages no networks: Ironic's `noop` network interface.
        await this.inConductor(row, step, index, (r) => Promise.resolve(r));
        return;
      case 'deploy.boot_instance':
        await this.inConductor(row, step, index, (r) => this.bootInstance(r));
        return;
      default:
        await this.runInBand(row, step);
    }
  }

  /** A step the conductor runs to completion itself, then the next one. */
  private async inConductor(
    node: NodeRow,
    step: DeployStep,
    index: number,
    run: (node: NodeRow) => Promise<NodeRow>,
  ): Promise<void> {
    let row: NodeRow;
    try {
      row = await run(node);
    } catch (err) {
      this.fail(
        this.nodes.get(node.uuid),
        `Deploy step ${stepName(step)} failed on node ${node.uuid}: ${(err as Error).message}`,
      );
      return;
    }
    this.nodes.recordEvent(node.uuid, 'deploy.step_finished', { step: stepName(step), index });
    await this.runFrom(this.nodes.get(row.uuid), index + 1);
  }

  /** `deploy.deploy`: the live ramdisk (fast track) or a fresh one, which calls back. */
  private async deployStep(node: NodeRow, index: number): Promise<void> {
    let row = node;
    if (this.o.fastTrack && agentAlive(row, this.o.clock.now())) {
      try {
        const next = await this.refreshSteps(row);
        if (!next) return;
        this.nodes.recordEvent(row.uuid, 'deploy.step_finished', {
          step: 'deploy.deploy',
          index,
          fast_track: true,
        });
        await this.runFrom(next.row, next.index + 1);
        return;
      } catch (err) {
        this.o.logger.warn(
          { node: row.uuid, err: (err as Error).message },
          'fast-track agent unusable; rebooting',
        );
        row = this.nodes.get(row.uuid);
        if (row.provisionState !== 'deploying') return;
      }
    }
    try {
      row = await this.o.boot.bootRamdisk(row);
    } catch (err) {
      this.fail(
        this.nodes.get(node.uuid),
        `Failed to prepare node ${node.uuid} for deployment: ${(err as Error).message}`,
      );
      return;
    }
    this.nodes.transition(row, 'wait');
  }

  /**
   * `deploy.get_deploy_steps`: cache them and re-plan with the agent's enabled steps; returns
   * the node and the current step's index in the new list, or null after failing the node.
   */
  private async refreshSteps(node: NodeRow): Promise<{ row: NodeRow; index: number } | null> {
    const result = await this.o.agent.executeCommand(
      node,
      'deploy.get_deploy_steps',
      agentStepParams(this.nodes, node),
      true,
    );
    if (result.command_status !== 'SUCCEEDED') {
      throw new Error(`the agent could not list deploy steps: ${commandErrorText(result)}`);
    }
    const parsed = getDeployStepsResultSchema.safeParse(result.command_result);
    if (!parsed.success) throw new Error('the agent returned deploy steps in an unknown shape');
    const available = mergeAgentSteps(parsed.data.deploy_steps);
    const user = (node.driverInternalInfo.user_deploy_steps as UserDeployStep[] | undefined) ?? [];
    const plan = planDeploySteps(user, available);
    if ('error' in plan) {
      this.fail(node, plan.error);
      return null;
    }
    const step = current(node);
    const index = step ? plan.steps.findIndex((s) => stepId(s) === stepId(step)) : -1;
    const byInterface: Record<string, unknown[]> = {};
    for (const s of Object.values(parsed.data.deploy_steps).flat()) {
      (byInterface[s.interface] ??= []).push(s);
    }
    const row = this.nodes.update(
      node.uuid,
      'deploy.steps',
      {
        driverInternalInfo: {
          ...node.driverInternalInfo,
          agent_cached_deploy_steps: byInterface,
          agent_cached_deploy_steps_refreshed: this.nodes.now(),
          hardware_manager_version: parsed.data.hardware_manager_version ?? {},
          deploy_steps: plan.steps,
          deploy_step_index: Math.max(index, 0),
        },
      },
      { type: 'deploy.steps', data: { steps: plan.steps.map(stepName) } },
    );
    return { row, index: Math.max(index, 0) };
  }

  /** An agent step (`write_image` included): sent asynchronously, polled on heartbeats. */
  private async runInBand(node: NodeRow, sent: DeployStep): Promise<void> {
    let row = node;
    if (typeof row.driverInternalInfo.agent_url !== 'string') {
      row = this.nodes.update(row.uuid, 'deploy.awaiting_agent', {
        driverInternalInfo: { ...row.driverInternalInfo, deploy_step_send_pending: true },
      });
      this.nodes.transition(row, 'wait');
      return;
    }
    let result: CommandResult;
    try {
      result = await this.o.agent.executeCommand(
        row,
        'deploy.execute_deploy_step',
        {
          ...agentStepParams(this.nodes, row),
          step: sent,
          deploy_version: row.driverInternalInfo.hardware_manager_version ?? {},
        },
        false,
      );
    } catch (err) {
      if (!(err instanceof AgentBusyError)) {
        this.fail(
          this.nodes.get(row.uuid),
          `Deploy step ${stepName(sent)} failed on node ${row.uuid}: ${(err as Error).message}`,
        );
        return;
      }
      row = this.nodes.update(
        row.uuid,
        'deploy.agent_busy',
        { driverInternalInfo: { ...row.driverInternalInfo, deploy_step_send_pending: true } },
        { type: 'deploy.agent_busy', data: { step: stepName(sent) } },
      );
      this.nodes.transition(row, 'wait');
      return;
    }
    if (result.command_status === 'FAILED') {
      this.fail(row, this.stepFailure(row, sent, result));
      return;
    }
    this.nodes.transition(row, 'wait');
  }

  /** Ironic's `process_next_step('deploy')`. */
  private async poll(node: NodeRow, step: DeployStep, index: number): Promise<void> {
    const commands = await this.o.agent.listCommands(node);
    if (commands.every((c) => c.command_name === 'get_deploy_steps')) {
      if (node.driverInternalInfo.deployment_reboot) {
        const dii = { ...node.driverInternalInfo };
        delete dii.deployment_reboot;
        const row = this.nodes.transition(node, 'resume', { patch: { driverInternalInfo: dii } });
        await this.runFrom(row, index + 1);
      }
      return;
    }
    const last = commands[commands.length - 1]!;
    if (last.command_name !== 'execute_deploy_step') return;
    if (last.command_status === 'RUNNING') {
      if (last.command_progress) {
        this.nodes.update(node.uuid, 'deploy.progress', {
          driverInternalInfo: {
            ...node.driverInternalInfo,
            deploy_step_progress: last.command_progress,
          },
        });
      }
      return;
    }
    if (last.command_status === 'FAILED') {
      this.fail(node, this.stepFailure(node, step, last));
      return;
    }
    if (last.command_status === 'CLEAN_VERSION_MISMATCH') {
      // The hardware managers changed under us: refresh and run this step again.
      const row = this.nodes.transition(node, 'resume');
      const next = await this.refreshSteps(row);
      if (next) await this.runFrom(next.row, next.index);
      return;
    }
    const echoed = (last.command_result as { deploy_step?: unknown } | null)?.deploy_step;
    if (!equivalent(echoed, step)) return;
    this.nodes.recordEvent(node.uuid, 'deploy.step_finished', {
      step: stepName(step),
      index,
      result: (last.command_result as { deploy_result?: unknown } | null)?.deploy_result ?? null,
    });
    if (step.abort_after) {
      this.fail(
        node,
        `By request, the deploy operation was aborted during or after the completion of step "${stepName(step)}"`,
      );
      return;
    }
    if (step.reboot_requested) {
      const marked = this.nodes.update(node.uuid, 'deploy.reboot', {
        driverInternalInfo: { ...node.driverInternalInfo, deployment_reboot: true },
      });
      try {
        await this.o.boot.bootRamdisk(marked);
      } catch (err) {
        this.fail(
          this.nodes.get(node.uuid),
          `Reboot requested by deploy step ${stepName(step)} failed for node ${node.uuid}: ${(err as Error).message}`,
        );
      }
      return;
    }
    const row = this.nodes.transition(node, 'resume');
    await this.runFrom(row, index + 1);
  }

  /**
   * `deploy.prepare_instance_boot`: learn the root partition (or disk id) and, for partition
   * images, have the agent install the bootloader, polling the command as Ironic does.
   */
  private async prepareInstanceBoot(node: NodeRow): Promise<NodeRow> {
    const wholeDisk = node.driverInternalInfo.is_whole_disk_image !== false;
    let uuids: z.infer<typeof PARTITION_UUIDS> = {};
    try {
      const result = await this.o.agent.executeCommand(
        node,
        'standby.get_partition_uuids',
        {},
        true,
      );
      if (result.command_status !== 'SUCCEEDED') throw new Error(commandErrorText(result));
      uuids = PARTITION_UUIDS.parse(result.command_result ?? {});
    } catch (err) {
      if (!wholeDisk) throw new Error(`cannot read the partition UUIDs: ${(err as Error).message}`);
      this.o.logger.warn({ node: node.uuid, err: (err as Error).message }, 'no partition UUIDs');
    }
    const root = uuids['root uuid'] ?? null;
    let row = node;
    if (root) {
      row = this.nodes.update(node.uuid, 'deploy.root_uuid', {
        driverInternalInfo: { ...node.driverInternalInfo, root_uuid_or_disk_id: root },
      });
    }
    if (wholeDisk) return row;
    const bootMode = deployBootMode(row);
    const started = await this.o.agent.executeCommand(
      row,
      'image.install_bootloader',
      {
        root_uuid: root,
        efi_system_part_uuid:
          bootMode === 'uefi' ? (uuids['efi system partition uuid'] ?? null) : null,
        prep_boot_part_uuid: uuids['PReP Boot partition uuid'] ?? null,
        target_boot_mode: bootMode,
      },
      false,
    );
    const done = await this.awaitCommand(row, 'install_bootloader', started);
    if (done.command_status !== 'SUCCEEDED') {
      throw new Error(
        `Failed to install a bootloader when deploying node ${row.uuid}. Error: ${commandErrorText(done)}`,
      );
    }
    return row;
  }

  /** Polls the agent's command list until `name` is no longer running. */
  private async awaitCommand(
    node: NodeRow,
    name: string,
    first: CommandResult,
  ): Promise<CommandResult> {
    let last = first;
    const attempts = this.o.commandWaitAttempts ?? 100;
    for (let i = 0; i < attempts && last.command_status === 'RUNNING'; i++) {
      await this.o.clock.sleep(this.o.commandWaitIntervalMs ?? 6_000);
      const commands = await this.o.agent.listCommands(node);
      last = commands.filter((c) => c.command_name === name).at(-1) ?? last;
    }
    if (last.command_status === 'RUNNING') {
      throw new Error(`the agent's ${name} did not finish in time`);
    }
    return last;
  }

  /**
   * `deploy.tear_down_agent`: ask the agent to power the machine off (it syncs disks first),
   * watch the BMC for a while, then make sure out of band.
   */
  private async tearDownAgent(node: NodeRow): Promise<NodeRow> {
    try {
      await this.o.agent.executeCommand(node, 'standby.power_off', {}, false);
    } catch (err) {
      this.o.logger.warn(
        { node: node.uuid, err: (err as Error).message },
        'soft power off through the agent failed; powering off out of band',
      );
    }
    const retries = this.o.powerOffRetries ?? 6;
    for (let i = 0; i < retries; i++) {
      await this.o.clock.sleep(this.o.powerOffIntervalMs ?? 5_000);
      const observed = await this.o.power.read(node).catch(() => null);
      if (observed === 'power off') break;
    }
    return this.o.power.changeLocked(this.nodes.get(node.uuid), 'power off');
  }

  /** `deploy.boot_instance`: boot from disk from now on, power on. */
  private async bootInstance(node: NodeRow): Promise<NodeRow> {
    const driver = this.o.power.driverFor(node);
    if (driver.setBootDevice) await driver.setBootDevice(node, 'disk', true);
    return this.o.power.changeLocked(node, 'power on');
  }

  private finish(node: NodeRow): void {
    const dii = { ...node.driverInternalInfo };
    for (const k of RUN_KEYS) delete dii[k];
    const row = this.nodes.update(
      node.uuid,
      'deploy.finished',
      { deployStep: null, driverInternalInfo: dii },
      { type: 'deploy.finished', data: {} },
    );
    this.nodes.transition(row, 'done');
  }

  /** Reserved steps in a deploy: the same rules as in cleaning (see Cleaning.runReserved). */
  private async runReserved(node: NodeRow, step: DeployStep, index: number): Promise<void> {
    const name = reservedStepName(step)!;
    const target = RESERVED_POWER[name];
    if (target) {
      await this.inConductor(node, step, index, (r) => this.o.power.changeLocked(r, target));
      return;
    }
    if (name === 'hold') {
      this.nodes.transition(node, 'hold', { data: { step: stepName(step) } });
      return;
    }
    const max = this.o.maxWaitStepSeconds ?? DEFAULT_MAX_WAIT_STEP_SECONDS;
    const wait = waitSeconds(step.args, max);
    if ('error' in wait) {
      this.fail(node, `Deploy step ${stepName(step)} failed on node ${node.uuid}: ${wait.error}`);
      return;
    }
    const waiting = this.nodes.transition(node, 'wait', {
      data: { step: stepName(step), seconds: wait.seconds },
    });
    if (wait.seconds === null) return;
    await this.o.clock.sleep(wait.seconds * 1000);
    const fresh = this.nodes.find(waiting.uuid);
    if (
      fresh?.provisionState !== 'wait call-back' ||
      Number(fresh.driverInternalInfo.deploy_step_index) !== index
    ) {
      return;
    }
    await this.continueAfterReserved(fresh);
  }

  private async continueAfterReserved(node: NodeRow): Promise<void> {
    const index = Number(node.driverInternalInfo.deploy_step_index ?? 0);
    this.nodes.recordEvent(node.uuid, 'deploy.step_finished', {
      step: stepName(current(node)),
      index,
    });
    const row = this.nodes.transition(node, 'resume');
    await this.runFrom(row, index + 1);
  }

  private stepFailure(node: NodeRow, step: DeployStep, result: CommandResult): string {
    return `Deploy step ${stepName(step)} failed on node ${node.uuid}: ${commandErrorText(result)}`;
  }
}

function current(node: NodeRow): DeployStep | null {
  const step = node.deployStep;
  return step && Object.keys(step).length > 0 ? (step as DeployStep) : null;
}
