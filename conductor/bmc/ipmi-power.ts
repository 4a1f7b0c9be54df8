import type { Clock } from '../../lib';
import type { NodeRow } from '../db/schema';
import { invalidParameter } from '../nodes/errors';
import { nodeBootMode } from './boot-mode';
import {
  ChassisControl,
  chassisControl,
  chassisPowerOn,
  DEFAULT_RETRY,
  getBootDevice,
  IpmiError,
  IpmiSession,
  PRIVILEGE_LEVELS,
  type IpmiBootDevice,
  type IpmiCommander,
  type IpmiTarget,
  type PrivilegeName,
  type RetryPolicy,
  setBootDevice,
} from './ipmi';
import type {
  BootDevice,
  BootDeviceState,
  ObservedPower,
  PowerDriver,
  PowerTarget,
} from './power-driver';

export const IPMI_DEFAULT_PORT = 623;

type ChassisControlAction = (typeof ChassisControl)[keyof typeof ChassisControl];

/** A scalar driver_info value as text (the CLI sends strings, JSON clients numbers). */
function text(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    ? String(value)
    : JSON.stringify(value);
}

/** Reads Ironic's `ipmi_*` driver_info keys; readable InvalidParameterValue when they are wrong. */
export function ipmiTarget(node: NodeRow): IpmiTarget {
  const di = node.driverInfo;
  const bad = (why: string) =>
    invalidParameter(`Invalid IPMI driver_info for node ${node.uuid}: ${why}`);
  const address = di.ipmi_address;
  if (typeof address !== 'string' || address.length === 0) {
    throw invalidParameter(
      `The following required driver_info properties are missing for node ${node.uuid}: ipmi_address`,
    );
  }
  const portValue = di.ipmi_port ?? IPMI_DEFAULT_PORT;
  const port = typeof portValue === 'string' ? Number(portValue) : portValue;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw bad(`ipmi_port must be a port number, not ${JSON.stringify(portValue)}`);
  }
  const privName = (text(di.ipmi_priv_level) ?? 'ADMINISTRATOR').toUpperCase();
  if (!(privName in PRIVILEGE_LEVELS)) {
    throw bad(`ipmi_priv_level must be one of ${Object.keys(PRIVILEGE_LEVELS).join(', ')}`);
  }
  const version = text(di.ipmi_protocol_version);
  if (version !== undefined && version !== '2.0') {
    throw bad(`only ipmi_protocol_version 2.0 (RMCP+) is supported, not ${version}`);
  }
  const suite = text(di.ipmi_cipher_suite);
  if (suite !== undefined && suite !== '3') {
    throw bad(`only ipmi_cipher_suite 3 is supported, not ${suite}`);
  }
  const username = text(di.ipmi_username) ?? '';
  const password = text(di.ipmi_password) ?? '';
  if (Buffer.byteLength(username) > 16) throw bad('ipmi_username is longer than 16 bytes');
  if (Buffer.byteLength(password) > 20) throw bad('ipmi_password is longer than 20 bytes');
  return {
    host: address,
    port,
    username,
    password,
    privilege: PRIVILEGE_LEVELS[privName as PrivilegeName],
  };
}

export interface IpmiPowerOptions {
  clock: Clock;
  /** `[conductor] power_state_change_timeout`, default 60 s. */
  changeTimeoutMs?: number;
  /** Per-datagram retransmission; default 1 s × 4 attempts. */
  retry?: RetryPolicy;
  /** How often a change is polled for, in Clock time; default 1 s. */
  pollMs?: number;
}

/**
 * Ironic's `ipmi` power and management interfaces over our own RMCP+ client: on, off, soft off,
 * reboot (off, wait, on — as Ironic's ipmitool driver does, never `cycle`), chassis boot device.
 * One session per operation, closed at its end; confirmations are polled on the Clock.
 */
export class IpmiPower implements PowerDriver {
  private readonly timeoutMs: number;
  private readonly pollMs: number;
  /** The tail of each BMC's queue of operations, by address:port. */
  private readonly lanes = new Map<string, Promise<void>>();

  constructor(private readonly opts: IpmiPowerOptions) {
    this.timeoutMs = opts.changeTimeoutMs ?? 60_000;
    this.pollMs = opts.pollMs ?? 1_000;
  }

  validate(node: NodeRow): void {
    ipmiTarget(node);
  }

  getPowerState(node: NodeRow): Promise<ObservedPower> {
    return this.withSession(node, async (s) =>
      (await chassisPowerOn(s)) ? 'power on' : 'power off',
    );
  }

  async setPowerState(node: NodeRow, target: PowerTarget): Promise<ObservedPower> {
    const control = (action: ChassisControlAction) =>
      this.withSession(node, (s) => chassisControl(s, action));
    switch (target) {
      case 'power on':
        await control(ChassisControl.PowerUp);
        return this.waitFor(node, 'power on');
      case 'power off':
        await control(ChassisControl.PowerDown);
        return this.waitFor(node, 'power off');
      case 'soft power off':
        await control(ChassisControl.SoftShutdown);
        return this.waitFor(node, 'power off');
      case 'rebooting':
      case 'soft rebooting':
        if ((await this.getPowerState(node)) === 'power on') {
          await control(
            target === 'rebooting' ? ChassisControl.PowerDown : ChassisControl.SoftShutdown,
          );
          await this.waitFor(node, 'power off');
        }
        await control(ChassisControl.PowerUp);
        return this.waitFor(node, 'power on');
    }
  }

  setBootDevice(node: NodeRow, device: BootDevice, persistent = false): Promise<void> {
    const efi = nodeBootMode(node) === 'uefi';
    return this.withSession(node, (s) => setBootDevice(s, { device, persistent, efi }));
  }

  getBootDevice(node: NodeRow): Promise<BootDeviceState> {
    return this.withSession(node, async (s) => {
      const got = await getBootDevice(s);
      const device: IpmiBootDevice | null = got.device === 'safe' ? 'disk' : got.device;
      return { boot_device: device, persistent: got.device ? got.persistent : null };
    });
  }

  /**
   * One session per operation, as Ironic runs one ipmitool per command: nothing to keep alive
   * between polls. A handshake that failed for want of an answer or a session slot is tried once
   * more; wrong credentials are not.
   */
  private async withSession<T>(node: NodeRow, run: (s: IpmiCommander) => Promise<T>): Promise<T> {
    const target = ipmiTarget(node);
    return this.oneAtATime(`${target.host}:${target.port}`, () => this.session(target, run));
  }

  /**
   * Operations on one BMC run one after another, as Ironic serialises ipmitool calls per BMC:
   * BMCs hold few sessions (often 4–16), and the power sync and an API request must not
   * compete for them.
   */
  private async oneAtATime<T>(key: string, op: () => Promise<T>): Promise<T> {
    const before = this.lanes.get(key) ?? Promise.resolve();
    let release!: () => void;
    const done = new Promise<void>((resolve) => (release = resolve));
    const tail = before.then(() => done);
    this.lanes.set(key, tail);
    await before;
    try {
      return await op();
    } finally {
      release();
      if (this.lanes.get(key) === tail) this.lanes.delete(key);
    }
  }

  private async session<T>(target: IpmiTarget, run: (s: IpmiCommander) => Promise<T>): Promise<T> {
    const retry = this.opts.retry ?? DEFAULT_RETRY;
    const session = await IpmiSession.open(target, retry).catch((err: unknown) => {
      if (err instanceof IpmiError && err.transient) return IpmiSession.open(target, retry);
      throw err;
    });
    try {
      return await run(session);
    } finally {
      await session.close();
    }
  }

  private async waitFor(node: NodeRow, want: 'power on' | 'power off'): Promise<ObservedPower> {
    const deadline = this.opts.clock.now() + this.timeoutMs;
    for (;;) {
      if ((await this.getPowerState(node)) === want) return want;
      if (this.opts.clock.now() + this.pollMs > deadline) {
        throw new IpmiError(
          `Timed out after ${this.timeoutMs / 1000} s waiting for the BMC to report ${want}`,
        );
      }
      await this.opts.clock.sleep(this.pollMs);
    }
  }
}
