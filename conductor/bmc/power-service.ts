import type { Logger } from '../../lib';
import type { NodeRow } from '../db/schema';
import { ConductorError, invalidParameter, nodeLocked } from '../nodes/errors';
import type { NodeService } from '../nodes/node-service';
import type { WorkerPool } from '../nodes/worker-pool';
import {
  BOOT_DEVICES,
  type BootDevice,
  type BootDeviceState,
  type ObservedPower,
  type PowerDriver,
  type PowerTarget,
} from './power-driver';

export const POWER_TARGETS: readonly PowerTarget[] = [
  'power on',
  'power off',
  'rebooting',
  'soft power off',
  'soft rebooting',
];

/** The state a target ends in: soft variants end where their hard ones do. */
const REBOOTS: ReadonlySet<PowerTarget> = new Set(['rebooting', 'soft rebooting']);
const settled = (target: PowerTarget): ObservedPower =>
  target === 'soft power off' ? 'power off' : target === 'power on' ? 'power on' : 'power off';

const TOKEN_KEYS = ['agent_secret_token', 'agent_url', 'agent_verify_ca'] as const;

/**
 * Power actions through the node's driver. A change holds the node lock for its whole duration,
 * shows `target_power_state` meanwhile, and ends with the observed state or `last_error`.
 */
export class PowerService {
  private readonly inflight = new Set<Promise<PowerOutcome>>();

  constructor(
    private readonly nodes: NodeService,
    private readonly drivers: ReadonlyMap<string, PowerDriver>,
    private readonly logger: Logger,
    /** API-requested power changes run on a worker (the reserve allowed); none free → 503. */
    private readonly pool?: WorkerPool,
  ) {}

  driverFor(node: NodeRow): PowerDriver {
    const driver = this.drivers.get(node.driver);
    if (!driver) {
      throw new ConductorError(
        'InvalidParameterValue',
        `The ${node.driver} hardware type has no power interface in this conductor yet.`,
      );
    }
    return driver;
  }

  /** Reads power through the BMC without touching the node. */
  read(node: NodeRow): Promise<ObservedPower> {
    const driver = this.driverFor(node);
    driver.validate(node);
    return driver.getPowerState(node);
  }

  /**
   * Starts a power change: validates and marks `target_power_state` synchronously (so the API can
   * answer 202), then resolves `done` with the node once the BMC confirms or the action failed.
   */
  request(ident: string, target: string): { accepted: NodeRow; done: Promise<PowerOutcome> } {
    if (!POWER_TARGETS.includes(target as PowerTarget)) {
      throw invalidParameter(
        `Invalid power state ${target}; expected one of ${POWER_TARGETS.join(', ')}.`,
      );
    }
    const node = this.nodes.get(ident);
    const driver = this.driverFor(node);
    driver.validate(node);
    const lock = this.nodes.locks.tryAcquire(node.uuid, 'power');
    if (!lock) throw nodeLocked(node.uuid, this.nodes.locks.holder(node.uuid) ?? 'conductor');
    let worker: () => void;
    try {
      worker = this.pool?.acquire(true) ?? (() => undefined);
    } catch (err) {
      lock();
      throw err;
    }
    const release = () => {
      lock();
      worker();
    };
    let accepted: NodeRow;
    try {
      accepted = this.nodes.update(
        node.uuid,
        'power.requested',
        { targetPowerState: target },
        { type: 'power.requested', data: { target } },
      );
    } catch (err) {
      release();
      throw err;
    }
    const done = this.apply(accepted, driver, target as PowerTarget).finally(release);
    this.inflight.add(done);
    void done.finally(() => this.inflight.delete(done));
    return { accepted, done };
  }

  /**
   * Ironic's management `set_boot_device`: the next boot (or, `persistent`, every boot) from
   * this device, set through the BMC while holding the node's lock.
   */
  async setBootDevice(ident: string, device: string, persistent = false): Promise<void> {
    if (!(BOOT_DEVICES as readonly string[]).includes(device)) {
      throw invalidParameter(
        `Invalid boot device ${device}, supported devices are: ${BOOT_DEVICES.join(', ')}.`,
      );
    }
    const node = this.nodes.get(ident);
    const driver = this.driverFor(node);
    driver.validate(node);
    if (!driver.setBootDevice) {
      throw invalidParameter(`The ${node.driver} hardware type cannot set the boot device.`);
    }
    const release = this.nodes.locks.tryAcquire(node.uuid, 'management:set_boot_device');
    if (!release) throw nodeLocked(node.uuid, this.nodes.locks.holder(node.uuid) ?? 'conductor');
    try {
      await driver.setBootDevice(node, device as BootDevice, persistent);
      this.nodes.recordEvent(node.uuid, 'management.boot_device', { device, persistent });
    } finally {
      release();
    }
  }

  /** Ironic's management `get_boot_device`: what the BMC will boot next, read without a lock. */
  async getBootDevice(ident: string): Promise<BootDeviceState> {
    const node = this.nodes.get(ident);
    const driver = this.driverFor(node);
    driver.validate(node);
    if (!driver.getBootDevice) {
      throw invalidParameter(`The ${node.driver} hardware type cannot read the boot device.`);
    }
    return driver.getBootDevice(node);
  }

  /** A power change by a caller that already holds the node lock (provisioning flows). */
  async changeLocked(node: NodeRow, target: PowerTarget): Promise<NodeRow> {
    const driver = this.driverFor(node);
    driver.validate(node);
    const marked = this.nodes.update(node.uuid, 'power.requested', { targetPowerState: target });
    const result = await this.apply(marked, driver, target);
    if (result.error !== undefined) throw new ConductorError('PowerStateFailure', result.error);
    return result.node;
  }

  /** Resolves when no power change started through `request` is still running. */
  async idle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  private async apply(
    node: NodeRow,
    driver: PowerDriver,
    target: PowerTarget,
  ): Promise<PowerOutcome> {
    try {
      const current = REBOOTS.has(target) ? null : await driver.getPowerState(node);
      const observed =
        current !== null && current === settled(target)
          ? current
          : await driver.setPowerState(node, target);
      const dii = { ...node.driverInternalInfo };
      // A ramdisk that is switched off or rebooted will look up again and needs a fresh token.
      if (target !== 'power on' && !dii.agent_secret_token_pregenerated) {
        for (const key of TOKEN_KEYS) delete dii[key];
      }
      this.logger.info({ node: node.uuid, target, observed }, 'power state changed');
      const changed = this.nodes.update(
        node.uuid,
        'power.changed',
        {
          powerState: observed,
          targetPowerState: null,
          lastError: null,
          driverInternalInfo: { ...dii, last_power_state_change: this.nodes.now() },
        },
        { type: 'power.changed', data: { target, from: node.powerState, to: observed } },
      );
      return { node: changed };
    } catch (err) {
      const verb =
        target === 'rebooting' ? 'reboot' : target === 'soft rebooting' ? 'soft reboot' : target;
      const message = `Failed to change power state to '${target}' by '${verb}'. Error: ${(err as Error).message}`;
      this.logger.error(
        { node: node.uuid, target, err: (err as Error).message },
        'power change failed',
      );
      const failed = this.nodes.update(
        node.uuid,
        'power.failed',
        { targetPowerState: null, lastError: message },
        { type: 'power.failed', data: { target, error: (err as Error).message } },
      );
      return { node: failed, error: message };
    }
  }
}

export interface PowerOutcome {
  node: NodeRow;
  /** last_error text when the change failed. */
  error?: string;
}
