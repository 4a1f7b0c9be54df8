import type { NodeRow } from '../db/schema';
import type { NodeService } from '../nodes/node-service';
import { listAgentSteps } from './agent-steps';
import {
  manualSteps,
  mergeAgentSteps,
  stepName,
  type CleanStep,
  type ManualStep,
} from './clean-steps';
import { reservedStepName } from './reserved-steps';
import { StepEngine, type FailOptions, type StepPhase, type StepPhaseOptions } from './step-engine';
import { currentStep, SERVICE_KIND } from './step-kind';
import { AGENT_TOKEN_KEYS } from './agent-params';

export type ServicingOptions = StepPhaseOptions;

// Keys of driver_internal_info that belong to one servicing run.
const RUN_KEYS = [
  'service_steps',
  'service_step_index',
  'servicing_reboot',
  'service_step_send_pending',
  'service_step_progress',
  'requested_service_steps',
  'service_disable_ramdisk',
] as const;

/**
 * Servicing (Ironic 2023.2, API 1.87): manual steps run on an `active` node through the agent,
 * then back to the instance. `service` → servicing → (ramdisk booted) service wait → steps one at
 * a time on the shared engine → the instance booted from disk again → active; failures end in
 * `service failed`, with maintenance and fault `service failure` when a step was running. Every
 * method runs under the node lock held by its caller.
 */
export class Servicing implements StepPhase {
  readonly kind = SERVICE_KIND;
  private readonly engine: StepEngine;

  constructor(private readonly o: ServicingOptions) {
    this.engine = new StepEngine(o, this);
  }

  private get nodes(): NodeService {
    return this.o.nodes;
  }

  /**
   * Entered `servicing` from `service` with the operator's steps. Only reserved steps (or
   * `disableRamdisk`): run them at once; otherwise boot the ramdisk (or use the live one).
   */
  async start(
    node: NodeRow,
    requested: ManualStep[],
    opts: { disableRamdisk?: boolean } = {},
  ): Promise<void> {
    const dii: Record<string, unknown> = { ...node.driverInternalInfo };
    for (const k of RUN_KEYS) delete dii[k];
    dii.requested_service_steps = requested;
    if (opts.disableRamdisk) dii.service_disable_ramdisk = true;
    let row = this.nodes.update(
      node.uuid,
      'service.started',
      { serviceStep: null, driverInternalInfo: dii },
      { type: 'service.started', data: { steps: requested } },
    );
    const needsRamdisk = requested.some((s) => reservedStepName(s) === null);
    if (opts.disableRamdisk || !needsRamdisk) {
      const chosen = manualSteps(requested, [], { disableRamdisk: true, kind: 'service' });
      if ('error' in chosen) {
        this.fail(row, chosen.error, { stepRunning: false });
        return;
      }
      row = this.saveSteps(row, chosen.steps);
      await this.engine.runFrom(row, 0);
      return;
    }
    await this.engine.startInRamdisk(row, {
      fastTrack: this.o.fastTrack,
      busyState: 'servicing',
      useLive: async (live) => {
        const next = await this.refreshSteps(live, { mismatch: false });
        if (next) await this.engine.runFrom(next.row, next.index);
      },
      preparing: 'service',
    });
  }

  /** A heartbeat in `service wait` (lock held): start, resume or poll. */
  onHeartbeat(node: NodeRow): Promise<void> {
    return this.engine.onHeartbeat(node);
  }

  /** No step yet: the ramdisk just booted; list its steps and start the first. */
  async beforePoll(node: NodeRow, step: CleanStep | null): Promise<boolean> {
    if (step) return false;
    const next = await this.refreshSteps(this.nodes.transition(node, 'resume'), {
      mismatch: false,
    });
    if (next) await this.engine.runFrom(next.row, next.index);
    return true;
  }

  /**
   * `service.get_service_steps`, cached, and the operator's steps checked against them. After a
   * version mismatch the current step runs again (service steps, like manual clean steps, need
   * not be idempotent).
   */
  async refreshSteps(
    node: NodeRow,
    opts: { mismatch: boolean },
  ): Promise<{ row: NodeRow; index: number } | null> {
    const listed = await listAgentSteps(this.o.agent, this.nodes, node, SERVICE_KIND);
    const cache = {
      agent_cached_service_steps: listed.byManager,
      agent_cached_service_steps_refreshed: this.nodes.now(),
      hardware_manager_version: listed.versions,
    };
    if (opts.mismatch) {
      const row = this.nodes.update(node.uuid, 'service.steps', {
        driverInternalInfo: { ...node.driverInternalInfo, ...cache },
      });
      return { row, index: Number(node.driverInternalInfo.service_step_index ?? 0) };
    }
    const requested = (node.driverInternalInfo.requested_service_steps ?? []) as ManualStep[];
    const chosen = manualSteps(requested, mergeAgentSteps(listed.byManager), {
      kind: 'service',
    });
    if ('error' in chosen) {
      this.fail(node, chosen.error, { stepRunning: false });
      return null;
    }
    const row = this.saveSteps(
      this.nodes.update(node.uuid, 'service.cache', {
        driverInternalInfo: { ...node.driverInternalInfo, ...cache },
      }),
      chosen.steps,
    );
    return { row, index: 0 };
  }

  /** Back into the ramdisk before a reserved power on, unless it was disabled. */
  async beforePowerOn(node: NodeRow): Promise<void> {
    if (node.driverInternalInfo.service_disable_ramdisk === true) return;
    await this.o.boot.prepareBoot(node);
  }

  /**
   * Every step ran: as Ironic's `tear_down_inband_service`, power off, boot from disk again and
   * power on the instance (not needed when no ramdisk was booted), then `done` → active.
   */
  async finish(node: NodeRow): Promise<void> {
    const noRamdisk = node.driverInternalInfo.service_disable_ramdisk === true;
    const ranAgentSteps = Boolean(node.driverInternalInfo.agent_cached_service_steps);
    const dii = { ...node.driverInternalInfo };
    for (const k of [...RUN_KEYS, ...AGENT_TOKEN_KEYS]) delete dii[k];
    let row = this.nodes.update(
      node.uuid,
      'service.finished',
      { serviceStep: null, driverInternalInfo: dii },
      { type: 'service.finished', data: {} },
    );
    if (!noRamdisk && ranAgentSteps) {
      try {
        row = await this.o.power.changeLocked(row, 'power off');
        const driver = this.o.power.driverFor(row);
        if (driver.setBootDevice) await driver.setBootDevice(row, 'disk', true);
        row = await this.o.power.changeLocked(this.nodes.get(row.uuid), 'power on');
      } catch (err) {
        this.fail(
          this.nodes.get(row.uuid),
          `Failed to tear down from service for node ${row.uuid}, reason: ${(err as Error).message}`,
          { stepRunning: false },
        );
        return;
      }
    }
    this.nodes.transition(row, 'done');
  }

  /** After `unhold` (node in `service wait`, lock held): the step after the hold runs at once. */
  continueAfterHold(node: NodeRow): Promise<void> {
    return this.engine.continueAfterHold(node);
  }

  /** The abort verb in service wait/hold: immediate if the step allows it, else after it. */
  abort(node: NodeRow): NodeRow {
    return this.engine.abort(node);
  }

  /**
   * `servicing_error_handler`: last_error, maintenance with fault `service failure` when a step
   * was running, the run's info and the agent's token wiped, then `fail` (or `abort`).
   */
  fail(node: NodeRow, message: string, opts: FailOptions): NodeRow {
    this.o.logger.error({ node: node.uuid, error: message }, 'servicing failed');
    const dii = { ...node.driverInternalInfo };
    for (const k of [...RUN_KEYS, ...AGENT_TOKEN_KEYS]) delete dii[k];
    const maintenance = opts.maintenance ?? opts.stepRunning;
    const step = currentStep(SERVICE_KIND, node);
    return this.nodes.transition(node, opts.event ?? 'fail', {
      patch: {
        lastError: message,
        serviceStep: null,
        driverInternalInfo: dii,
        ...(maintenance
          ? {
              maintenance: true,
              fault: 'service failure',
              maintenanceReason: node.maintenanceReason ?? message,
            }
          : {}),
      },
      data: { error: message, step: step ? stepName(step) : null },
    });
  }

  private saveSteps(node: NodeRow, steps: CleanStep[]): NodeRow {
    return this.nodes.update(
      node.uuid,
      'service.steps',
      { driverInternalInfo: { ...node.driverInternalInfo, service_steps: steps } },
      { type: 'service.steps', data: { steps: steps.map(stepName) } },
    );
  }
}
