import type { Clock } from '../../lib';
import type { BootSourceTarget, RedfishPowerState } from '../../protocol';
import type { NodeRow } from '../db/schema';
import { bootsFromVirtualMedia } from '../nodes/drivers';
import { invalidParameter } from '../nodes/errors';
import type {
  BootDevice,
  BootDeviceState,
  ObservedPower,
  PowerDriver,
  PowerTarget,
} from './power-driver';
import {
  RedfishClient,
  RedfishError,
  type RedfishConnection,
  type RedfishDispatchers,
} from './redfish-client';
import { deployIso, ejectAll, insertDeployIso } from './redfish-vmedia';

/** Ironic's reading of Redfish power: a transition counts as the state it is heading to. */
/** Ironic's redfish management interface maps its boot devices to these override targets. */
const REDFISH_BOOT_TARGET: Record<BootDevice, BootSourceTarget> = {
  pxe: 'Pxe',
  disk: 'Hdd',
  cdrom: 'Cd',
  bios: 'BiosSetup',
};

export function fromRedfish(state: RedfishPowerState): ObservedPower {
  return state === 'On' || state === 'PoweringOn' ? 'power on' : 'power off';
}

export function redfishConnection(node: NodeRow): RedfishConnection {
  const di = node.driverInfo;
  const address = di.redfish_address;
  if (typeof address !== 'string' || address.length === 0) {
    throw invalidParameter(
      `The following required driver_info properties are missing for node ${node.uuid}: redfish_address`,
    );
  }
  const verify = di.redfish_verify_ca;
  const authType = di.redfish_auth_type ?? 'auto';
  if (authType !== 'basic' && authType !== 'session' && authType !== 'auto') {
    throw invalidParameter(
      `Invalid value for redfish_auth_type on node ${node.uuid}: ${JSON.stringify(authType)}; expected basic, session or auto`,
    );
  }
  return {
    authType,
    address,
    systemId: typeof di.redfish_system_id === 'string' ? di.redfish_system_id : undefined,
    username: typeof di.redfish_username === 'string' ? di.redfish_username : undefined,
    password: typeof di.redfish_password === 'string' ? di.redfish_password : undefined,
    // Only an explicit false turns verification off; a CA path still verifies.
    verifyCa: !(
      verify === false ||
      (typeof verify === 'string' && /^(false|no|0|off)$/i.test(verify))
    ),
  };
}

export interface RedfishPowerOptions {
  clock: Clock;
  dispatchers: RedfishDispatchers;
  /** `[conductor] power_state_change_timeout`. */
  changeTimeoutMs?: number;
}

/**
 * The `redfish` power interface: on → On, off → ForceOff, reboot → ForceOff, wait for Off, On;
 * each change is confirmed by polling the System with backoff, on the Clock.
 */
export class RedfishPower implements PowerDriver {
  private readonly timeoutMs: number;

  constructor(private readonly opts: RedfishPowerOptions) {
    this.timeoutMs = opts.changeTimeoutMs ?? 60_000;
  }

  validate(node: NodeRow): void {
    redfishConnection(node);
    if (bootsFromVirtualMedia(node)) deployIso(node);
  }

  private client(node: NodeRow): RedfishClient {
    const conn = redfishConnection(node);
    return new RedfishClient(
      conn,
      this.opts.dispatchers.for(conn.verifyCa),
      this.opts.dispatchers.sessions,
    );
  }

  async getPowerState(node: NodeRow): Promise<ObservedPower> {
    return fromRedfish(await this.client(node).getPowerState());
  }

  async setPowerState(node: NodeRow, target: PowerTarget): Promise<ObservedPower> {
    const client = this.client(node);
    if (target === 'power on') {
      await client.reset('On');
      return this.waitFor(client, 'power on');
    }
    if (target === 'power off') {
      await client.reset('ForceOff');
      return this.waitFor(client, 'power off');
    }
    if (target === 'soft power off') {
      await client.reset('GracefulShutdown');
      return this.waitFor(client, 'power off');
    }
    if (fromRedfish(await client.getPowerState()) === 'power on') {
      await client.reset(target === 'soft rebooting' ? 'GracefulShutdown' : 'ForceOff');
      await this.waitFor(client, 'power off');
    }
    await client.reset('On');
    return this.waitFor(client, 'power on');
  }

  async setBootDevice(node: NodeRow, device: BootDevice, persistent = false): Promise<void> {
    const client = this.client(node);
    // Ironic's virtual-media `prepare_instance`: the deploy ISO must not outlive the ramdisk.
    if (device === 'disk' && bootsFromVirtualMedia(node)) await ejectAll(client);
    await client.setBootOverride({
      target: REDFISH_BOOT_TARGET[device],
      enabled: persistent ? 'Continuous' : 'Once',
    });
  }

  async getBootDevice(node: NodeRow): Promise<BootDeviceState> {
    const boot = (await this.client(node).getSystem()).Boot as
      { BootSourceOverrideTarget?: string; BootSourceOverrideEnabled?: string } | undefined;
    const enabled = boot?.BootSourceOverrideEnabled;
    const device =
      enabled === 'Disabled'
        ? undefined
        : (Object.keys(REDFISH_BOOT_TARGET) as BootDevice[]).find(
            (d) => REDFISH_BOOT_TARGET[d] === boot?.BootSourceOverrideTarget,
          );
    return {
      boot_device: device ?? null,
      persistent: device ? enabled === 'Continuous' : null,
    };
  }

  /** The next boot loads the agent: from the network, or from the deploy ISO as virtual media. */
  async prepareRamdiskBoot(node: NodeRow): Promise<void> {
    if (bootsFromVirtualMedia(node)) await insertDeployIso(this.client(node), node);
    else await this.setBootDevice(node, 'pxe');
  }

  async cleanUpRamdisk(node: NodeRow): Promise<void> {
    if (bootsFromVirtualMedia(node)) await ejectAll(this.client(node));
  }

  private async waitFor(client: RedfishClient, want: ObservedPower): Promise<ObservedPower> {
    const deadline = this.opts.clock.now() + this.timeoutMs;
    let delay = 1_000;
    for (;;) {
      const state = fromRedfish(await client.getPowerState());
      if (state === want) return state;
      if (this.opts.clock.now() + delay > deadline) {
        throw new RedfishError(
          `Timed out after ${this.timeoutMs / 1000} s waiting for the BMC to report ${want ?? 'unknown'}`,
        );
      }
      await this.opts.clock.sleep(delay);
      delay = Math.min(delay * 2, 10_000);
    }
  }
}
