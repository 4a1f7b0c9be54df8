import { z } from 'zod';
import type { CommandResult } from '../../protocol';
import { commandErrorText } from '../agent/agent-client';
import type { NodeRow } from '../db/schema';
import type { NodeService } from '../nodes/node-service';
import { listAgentSteps } from './agent-steps';
import { mergeAgentSteps, stepName } from './clean-steps';
import { configDriveImage, type ConfigDriveJson } from './configdrive';
import type { Cleaning } from './cleaning';
import {
  isCoreStep,
  planDeploySteps,
  stepId,
  type DeployStep,
  type UserDeployStep,
} from './deploy-steps';
import { buildImageInfo, deployBootMode, isWholeDiskImage } from './image-info';
import { StepEngine, type FailOptions, type StepPhase, type StepPhaseOptions } from './step-engine';
import { StepFailure } from './step-errors';
import { currentStep, DEPLOY_KIND } from './step-kind';

export interface DeployingOptions extends StepPhaseOptions {
  cleaning: Cleaning;
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

const PARTITION_UUIDS = z
  .object({
    'root uuid': z.string().nullable().optional(),
    'efi system partition uuid': z.string().nullable().optional(),
    'PReP Boot partition uuid': z.string().nullable().optional(),
  })
  .passthrough();

/**
 * Deploying with the `direct` deploy interface as Ironic runs it (research conductor-bmc.md
 * §2.2, §2.5): the core steps by priority (boot the ramdisk, switch into the agent's
 * `write_image`, install the bootloader for partition images, power the agent off, boot the
 * instance from disk), merged with the agent's enabled in-band steps, one at a time, polled on
 * heartbeats; failures end in `deploy failed` with `last_error`. Every method runs under the node
 * lock held by its caller.
 */
export class Deploying implements StepPhase {
  readonly kind = DEPLOY_KIND;
  private readonly engine: StepEngine;

  constructor(private readonly o: DeployingOptions) {
    this.engine = new StepEngine(o, this);
  }

  private get nodes(): NodeService {
    return this.o.nodes;
  }

  /** Entered `deploying` from deploy/rebuild; the request was validated by the caller. */
  async start(
    node: NodeRow,
    opts: { configdrive?: string | ConfigDriveJson; userSteps?: UserDeployStep[] } = {},
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
      this.fail(row, plan.error, { stepRunning: false });
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
    await this.engine.runFrom(row, 0);
  }

  /** A heartbeat in `wait call-back` (lock held): the ramdisk came up, or poll the step. */
  onHeartbeat(node: NodeRow): Promise<void> {
    return this.engine.onHeartbeat(node);
  }

  /** The ramdisk booted by the core deploy step is up: learn its steps, carry on. */
  async beforePoll(node: NodeRow, step: DeployStep | null): Promise<boolean> {
    if (!step) return true;
    if (stepId(step) !== 'deploy.deploy') return false;
    const next = await this.refreshSteps(this.nodes.transition(node, 'resume'));
    if (next) await this.engine.runFrom(next.row, next.index + 1);
    return true;
  }

  /** After `unhold` (node in `wait call-back`): the step after the hold runs at once. */
  continueAfterHold(node: NodeRow): Promise<void> {
    return this.engine.continueAfterHold(node);
  }

  /** The abort verb in `wait call-back`/`deploy hold`: a running agent step finishes first. */
  abort(node: NodeRow): NodeRow {
    return this.engine.abort(node);
  }

  /** Steps of the deploy interface run by the conductor (`write_image` switches to the agent). */
  isOwn(step: DeployStep): boolean {
    return isCoreStep(step) && stepId(step) !== 'deploy.write_image';
  }

  /**
   * Ironic's `deploying_error_handler`: last_error, the run's info wiped, `fail` (or `abort`).
   * Unlike cleaning it leaves maintenance alone.
   */
  fail(node: NodeRow, message: string, opts: FailOptions = { stepRunning: false }): NodeRow {
    this.o.logger.error({ node: node.uuid, error: message }, 'deploy failed');
    const dii = { ...node.driverInternalInfo };
    for (const k of RUN_KEYS) delete dii[k];
    const step = currentStep(DEPLOY_KIND, node);
    return this.nodes.transition(node, opts.event ?? 'fail', {
      patch: { lastError: message, deployStep: null, driverInternalInfo: dii },
      data: { error: message, step: step ? stepName(step) : null },
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

  /** The deploy interface's own steps; `write_image` and in-band steps go to the agent. */
  async runOwn(node: NodeRow, step: DeployStep, index: number): Promise<boolean> {
    const inConductor = (run: (row: NodeRow) => Promise<NodeRow>) =>
      this.engine.runInConductor(node, step, index, run);
    switch (stepId(step)) {
      case 'deploy.deploy':
        await this.deployStep(node, index);
        return true;
      case 'deploy.prepare_instance_boot':
        await inConductor((r) => this.prepareInstanceBoot(r));
        return true;
      case 'deploy.tear_down_agent':
        await inConductor((r) => this.tearDownAgent(r));
        return true;
      case 'deploy.switch_to_tenant_network':
        // The embedded conductor manages no networks: Ironic's `noop` network interface.
        await inConductor((r) => Promise.resolve(r));
        return true;
      case 'deploy.boot_instance':
        await inConductor((r) => this.bootInstance(r));
        return true;
      default:
        return false;
    }
  }

  /**
   * `write_image` gets Ironic's `image_info` and the config drive when it is sent, a JSON one
   * built into its ISO now (as Ironic's `get_configdrive_image`; the node keeps the JSON).
   */
  toAgent(node: NodeRow, step: DeployStep): DeployStep {
    if (stepId(step) !== 'deploy.write_image') return step;
    const configdrive = configDriveImage(node, new Date(this.o.clock.now()));
    const imageInfo = buildImageInfo(node);
    if (imageInfo.image_type === 'partition') imageInfo.configdrive = configdrive;
    return { ...step, args: { ...step.args, image_info: imageInfo, configdrive } };
  }

  /** `deploy.deploy`: the live ramdisk (fast track) or a fresh one, which calls back. */
  private async deployStep(node: NodeRow, index: number): Promise<void> {
    await this.engine.startInRamdisk(node, {
      fastTrack: this.o.fastTrack,
      busyState: 'deploying',
      useLive: async (live) => {
        const next = await this.refreshSteps(live);
        if (!next) return;
        this.nodes.recordEvent(live.uuid, 'deploy.step_finished', {
          step: 'deploy.deploy',
          index,
          fast_track: true,
        });
        await this.engine.runFrom(next.row, next.index + 1);
      },
      preparing: 'deployment',
    });
  }

  /**
   * `deploy.get_deploy_steps`: cache them and re-plan with the agent's enabled steps; returns
   * the node and the current step's index in the new list, or null after failing the node.
   */
  async refreshSteps(node: NodeRow): Promise<{ row: NodeRow; index: number } | null> {
    const listed = await listAgentSteps(this.o.agent, this.nodes, node, DEPLOY_KIND);
    const available = mergeAgentSteps(listed.byManager);
    const user = (node.driverInternalInfo.user_deploy_steps as UserDeployStep[] | undefined) ?? [];
    const plan = planDeploySteps(user, available);
    if ('error' in plan) {
      this.fail(node, plan.error, { stepRunning: false });
      return null;
    }
    const step = currentStep(DEPLOY_KIND, node);
    const index = step ? plan.steps.findIndex((s) => stepId(s) === stepId(step)) : -1;
    const byInterface: Record<string, unknown[]> = {};
    for (const s of Object.values(listed.byManager).flat()) {
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
          hardware_manager_version: listed.versions,
          deploy_steps: plan.steps,
          deploy_step_index: Math.max(index, 0),
        },
      },
      { type: 'deploy.steps', data: { steps: plan.steps.map(stepName) } },
    );
    return { row, index: Math.max(index, 0) };
  }

  /**
   * `deploy.prepare_instance_boot` as Ironic's direct deploy runs it (`configure_local_boot`):
   * learn the root partition (or disk id), then have the agent install the bootloader for a
   * partition image, and for a whole-disk image booting UEFI (the agent registers the loaders
   * it finds on the image's ESP in NVRAM), polling the command as Ironic does.
   */
  private async prepareInstanceBoot(node: NodeRow): Promise<NodeRow> {
    const wholeDisk = node.driverInternalInfo.is_whole_disk_image !== false;
    const result = await this.o.agent.executeCommand(node, 'standby.get_partition_uuids', {}, true);
    if (result.command_status === 'FAILED') throw new Error(commandErrorText(result));
    const uuids = PARTITION_UUIDS.parse(result.command_result ?? {});
    const root = uuids['root uuid'] ?? null;
    let row = node;
    if (root) {
      row = this.nodes.update(node.uuid, 'deploy.root_uuid', {
        driverInternalInfo: { ...node.driverInternalInfo, root_uuid_or_disk_id: root },
      });
    } else if (!wholeDisk) {
      this.o.logger.error(
        { node: node.uuid, uuids },
        'no root UUID returned from the ramdisk; the deploy will likely fail',
      );
    }
    const bootMode = deployBootMode(row);
    if ((root && !wholeDisk) || (wholeDisk && bootMode === 'uefi')) {
      await this.installBootloader(row, uuids, { root, wholeDisk, bootMode });
    }
    const driver = this.o.power.driverFor(row);
    if (driver.setBootDevice) {
      try {
        await driver.setBootDevice(row, 'disk', true);
      } catch (err) {
        throw new StepFailure(
          `Failed to change the boot device to disk when deploying node ${row.uuid}: ${(err as Error).message}`,
        );
      }
    }
    return row;
  }

  /** `image.install_bootloader`, polled until it ends. */
  private async installBootloader(
    row: NodeRow,
    uuids: z.infer<typeof PARTITION_UUIDS>,
    o: { root: string | null; wholeDisk: boolean; bootMode: 'uefi' | 'bios' },
  ): Promise<void> {
    const { root, wholeDisk, bootMode } = o;
    const cpuArch = row.properties.cpu_arch;
    const started = await this.o.agent.executeCommand(
      row,
      'image.install_bootloader',
      {
        root_uuid: root,
        // Ironic hands the ESP only for partition images; on a whole disk the agent finds it.
        efi_system_part_uuid:
          !wholeDisk && bootMode === 'uefi' ? (uuids['efi system partition uuid'] ?? null) : null,
        prep_boot_part_uuid:
          typeof cpuArch === 'string' && cpuArch.startsWith('ppc64')
            ? (uuids['PReP Boot partition uuid'] ?? null)
            : null,
        target_boot_mode: bootMode,
      },
      false,
    );
    const done = await this.awaitCommand(row, 'install_bootloader', started);
    if (done.command_status !== 'SUCCEEDED') {
      throw new StepFailure(
        `Failed to install a bootloader when deploying node ${row.uuid}: ${commandErrorText(done)}`,
      );
    }
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
    try {
      return await this.o.power.changeLocked(this.nodes.get(node.uuid), 'power off');
    } catch (err) {
      throw new StepFailure(
        `Error rebooting node ${node.uuid} after deploy. ${classAndMessage(err)}`,
      );
    }
  }

  /** `deploy.boot_instance`: power on (the boot device was set to disk before). */
  private async bootInstance(node: NodeRow): Promise<NodeRow> {
    try {
      return await this.o.power.changeLocked(node, 'power on');
    } catch (err) {
      throw new StepFailure(
        `Error booting node ${node.uuid} after deploy. ${classAndMessage(err)}`,
      );
    }
  }

  finish(node: NodeRow): Promise<void> {
    const dii = { ...node.driverInternalInfo };
    for (const k of RUN_KEYS) delete dii[k];
    const row = this.nodes.update(
      node.uuid,
      'deploy.finished',
      { deployStep: null, driverInternalInfo: dii },
      { type: 'deploy.finished', data: {} },
    );
    this.nodes.transition(row, 'done');
    return Promise.resolve();
  }
}

/** `<ExceptionClass>: <message>`, as Ironic formats `%(cls)s: %(error)s`. */
function classAndMessage(err: unknown): string {
  if (!(err instanceof Error)) return `Exception: ${String(err)}`;
  const cls = err.constructor.name === 'Error' ? err.name : err.constructor.name;
  return `${cls}: ${err.message}`;
}
