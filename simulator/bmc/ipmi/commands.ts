import type { Logger } from '../../../lib';
import type { BootDevice, Machine } from '../../machine';
import { AppCmd, ChassisCmd, Completion, NetFn, Privilege, TransportCmd } from './codes';
import type { BootFlagTimer } from './boot-flag-timer';
import type { IpmiRequest } from './packet';

export interface CommandContext {
  machine: Machine;
  bootFlags: BootFlagTimer;
  privilege: number;
  guid: Buffer;
  logger: Logger | undefined;
}

export interface CommandResult {
  completion: number;
  data?: Buffer;
}

const INSUFFICIENT_PRIVILEGE = 0xd4;

/** Boot device selector, bits 5:2 of boot flags byte 2 (IPMI 2.0 table 28-14). */
const DEVICE_BY_CODE: Record<number, BootDevice | 'none'> = {
  0x0: 'none',
  0x1: 'Pxe',
  0x2: 'Hdd',
  0x3: 'Hdd',
  0x5: 'Cd',
  0x6: 'BiosSetup',
};

const CODE_BY_DEVICE: Partial<Record<BootDevice, number>> = {
  Pxe: 0x1,
  UefiHttp: 0x1,
  Hdd: 0x2,
  Cd: 0x5,
  BiosSetup: 0x6,
  Usb: 0xf,
};

/** IANA enterprise numbers reported in Get Device ID. */
function manufacturerId(machine: Machine): number {
  const vendor = machine.spec.system.manufacturer;
  if (vendor.startsWith('Dell')) return 674;
  if (vendor.startsWith('Supermicro')) return 10876;
  return 0;
}

/** The in-session commands: device id, chassis status and control, boot options. */
export function handleCommand(ctx: CommandContext, request: IpmiRequest): CommandResult {
  const { machine } = ctx;
  if (machine.faults.bmcError) return { completion: Completion.NodeBusy };
  if (request.netFn === NetFn.App) {
    switch (request.cmd) {
      case AppCmd.GetDeviceId: {
        const mfg = manufacturerId(machine);
        return {
          completion: Completion.Ok,
          data: Buffer.from([
            0x20,
            0x01,
            0x04,
            0x40,
            0x02,
            0xbf,
            mfg & 0xff,
            (mfg >> 8) & 0xff,
            (mfg >> 16) & 0xff,
            0x00,
            0x01,
            0,
            0,
            0,
            0,
          ]),
        };
      }
      case AppCmd.GetSystemGuid:
        return { completion: Completion.Ok, data: Buffer.from(ctx.guid).reverse() };
      case AppCmd.GetChannelAccess: {
        const channel = (request.data[0] ?? 0) & 0x0f;
        if (channel !== 1 && channel !== 0x0e) return { completion: Completion.InvalidDataField };
        // Alerting disabled, per-message and user-level authentication on, always available; Administrator limit.
        return { completion: Completion.Ok, data: Buffer.from([0x22, 0x04]) };
      }
      case AppCmd.GetChannelInfo: {
        const channel = (request.data[0] ?? 0) & 0x0f;
        if (channel !== 1 && channel !== 0x0e) return { completion: Completion.InvalidDataField };
        // Channel 1: 802.3 LAN, IPMB-1.0 protocol, multi-session, IPMI's IANA number.
        return {
          completion: Completion.Ok,
          data: Buffer.from([0x01, 0x04, 0x01, 0x80, 0xf2, 0x1b, 0x00, 0x00, 0x00]),
        };
      }
      default:
        return { completion: Completion.InvalidCommand };
    }
  }
  if (
    request.netFn === NetFn.Transport &&
    request.cmd === TransportCmd.GetLanConfigurationParameters
  ) {
    return lanParameter(machine, request.data);
  }
  if (request.netFn !== NetFn.Chassis) return { completion: Completion.InvalidCommand };
  switch (request.cmd) {
    case ChassisCmd.GetChassisStatus:
      return {
        completion: Completion.Ok,
        // Power restore policy "always off" (bits 6:5 = 00); last power event: IPMI command.
        data: Buffer.from([machine.poweredOn ? 0x01 : 0x00, 0x10, 0x00, 0x00]),
      };
    case ChassisCmd.ChassisControl:
      if (ctx.privilege < Privilege.Operator) return { completion: INSUFFICIENT_PRIVILEGE };
      return chassisControl(ctx, request.data[0]);
    case ChassisCmd.SetSystemBootOptions:
      if (ctx.privilege < Privilege.Operator) return { completion: INSUFFICIENT_PRIVILEGE };
      return setBootOptions(machine, ctx.bootFlags, request.data);
    case ChassisCmd.GetSystemBootOptions:
      return getBootOptions(machine, ctx.bootFlags, request.data);
    default:
      return { completion: Completion.InvalidCommand };
  }
}

function chassisControl(
  { machine, logger, bootFlags }: CommandContext,
  action: number | undefined,
): CommandResult {
  if (action === undefined) return { completion: Completion.RequestDataLengthInvalid };
  if (action > 5) return { completion: Completion.InvalidDataField };
  bootFlags.cancel();
  if (machine.faults.powerActionIgnored) return { completion: Completion.Ok };
  const run = (op: () => unknown) => {
    // The BMC acknowledges at once; the host's power sequencing happens behind it.
    void Promise.resolve()
      .then(op)
      .catch((error: unknown) =>
        logger?.warn({ machine: machine.id, err: error }, 'ipmi chassis control failed'),
      );
  };
  switch (action) {
    case 0:
      run(() => machine.powerOff());
      break;
    case 1:
      machine.powerOn();
      break;
    case 2:
      run(() => machine.powerCycle());
      break;
    case 3:
      run(() => machine.reset());
      break;
    case 4:
      machine.nmi();
      break;
    case 5:
      machine.gracefulShutdown();
      break;
  }
  return { completion: Completion.Ok };
}

function setBootOptions(machine: Machine, bootFlags: BootFlagTimer, data: Buffer): CommandResult {
  if (data.length < 1) return { completion: Completion.RequestDataLengthInvalid };
  const parameter = data[0]! & 0x7f;
  switch (parameter) {
    case 0: // set in progress
    case 4: // boot info acknowledge
      return { completion: Completion.Ok };
    case 3: // boot flag valid bit clearing
      if (data.length < 2) return { completion: Completion.RequestDataLengthInvalid };
      bootFlags.clearing = data[1]! & 0x1f;
      return { completion: Completion.Ok };
    case 5: {
      if (data.length < 6) return { completion: Completion.RequestDataLengthInvalid };
      const flags = data[1]!;
      const device = DEVICE_BY_CODE[(data[2]! >> 2) & 0x0f];
      if (device === undefined) return { completion: Completion.InvalidDataField };
      if ((flags & 0x80) === 0 || device === 'none') {
        machine.setBootOverride({ enabled: 'Disabled' });
        return { completion: Completion.Ok };
      }
      machine.setBootOverride({
        target: device,
        enabled: (flags & 0x40) !== 0 ? 'Continuous' : 'Once',
      });
      machine.setBootMode((flags & 0x20) !== 0 ? 'UEFI' : 'Legacy');
      if ((flags & 0x40) === 0) bootFlags.armed();
      return { completion: Completion.Ok };
    }
    default:
      return { completion: Completion.ParameterNotSupported };
  }
}

function getBootOptions(machine: Machine, bootFlags: BootFlagTimer, data: Buffer): CommandResult {
  if (data.length < 1) return { completion: Completion.RequestDataLengthInvalid };
  const parameter = data[0]! & 0x7f;
  const reply = (...bytes: number[]) => ({
    completion: Completion.Ok,
    data: Buffer.from([0x01, parameter, ...bytes]),
  });
  switch (parameter) {
    case 0:
      return reply(0x00);
    case 3:
      return reply(bootFlags.clearing);
    case 4:
      return reply(0x00, 0x00);
    case 5: {
      const { target, enabled } = machine.bootOverride;
      const active = enabled !== 'Disabled' && target !== 'None';
      const flags =
        (active ? 0x80 : 0) |
        (enabled === 'Continuous' ? 0x40 : 0) |
        (machine.bootMode === 'UEFI' ? 0x20 : 0);
      const code = active ? (CODE_BY_DEVICE[target] ?? 0) : 0;
      return reply(flags, code << 2, 0x00, 0x00, 0x00);
    }
    default:
      return { completion: Completion.ParameterNotSupported };
  }
}

/** Get LAN Configuration Parameters (IPMI 2.0 table 23-4) for channel 1, read-only. */
function lanParameter(machine: Machine, data: Buffer): CommandResult {
  if (data.length < 4) return { completion: Completion.RequestDataLengthInvalid };
  const channel = data[0]! & 0x0f;
  if (channel !== 1 && channel !== 0x0e) return { completion: Completion.InvalidDataField };
  const revision = Buffer.from([0x11]);
  if ((data[0]! & 0x80) !== 0) return { completion: Completion.Ok, data: revision };
  const { bmc } = machine.spec;
  const ip = Buffer.from(bmc.ipv4.split('.').map(Number));
  const mac = Buffer.from(bmc.mac.split(':').map((h) => parseInt(h, 16)));
  const gateway = Buffer.from([ip[0]!, ip[1]!, ip[2]!, 1]);
  const values: Record<number, Buffer> = {
    0: Buffer.from([0x00]),
    1: Buffer.from([0x14]),
    2: Buffer.from([0x14, 0x14, 0x14, 0x14, 0x00]),
    3: ip,
    4: Buffer.from([0x01]),
    5: mac,
    6: Buffer.from([255, 255, 255, 0]),
    7: Buffer.from([0x40, 0x40, 0x10]),
    10: Buffer.from([0x02]),
    11: Buffer.from([0x00]),
    12: gateway,
    13: Buffer.alloc(6),
    14: Buffer.alloc(4),
    15: Buffer.alloc(6),
    16: Buffer.concat([Buffer.from('public'), Buffer.alloc(12)]),
    20: Buffer.from([0x00, 0x00]),
    21: Buffer.from([0x00]),
    22: Buffer.from([0x01]),
    23: Buffer.from([0x00, 0x03]),
    // Entry 0 (suite 3) up to Administrator; the other slots unused.
    24: Buffer.from([0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]),
  };
  const value = values[data[1]!];
  if (!value) return { completion: Completion.ParameterNotSupported };
  return { completion: Completion.Ok, data: Buffer.concat([revision, value]) };
}
