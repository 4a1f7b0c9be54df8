import type { ChassisControl } from './codes';
import { ChassisCmd, NetFn } from './codes';
import { IpmiError } from './errors';
import type { IpmiCommander } from './session';

export type IpmiBootDevice = 'pxe' | 'disk' | 'cdrom' | 'bios' | 'safe';

/** Boot device selector, boot flags data byte 2 bits 5:2 (IPMI 2.0 table 28-14). */
const SELECTOR: Readonly<Record<IpmiBootDevice, number>> = {
  pxe: 0x1,
  disk: 0x2,
  safe: 0x3,
  cdrom: 0x5,
  bios: 0x6,
};

export interface BootSetting {
  device: IpmiBootDevice | null;
  persistent: boolean;
  efi: boolean;
}

/** Get Chassis Status: byte 1 bit 0 is "system power is on". */
export async function chassisPowerOn(ipmi: IpmiCommander): Promise<boolean> {
  const data = await ipmi.command('Get Chassis Status', NetFn.Chassis, ChassisCmd.GetChassisStatus);
  if (data.length < 1) throw new IpmiError('IPMI Get Chassis Status answered no data');
  return (data[0]! & 0x01) !== 0;
}

export async function chassisControl(
  ipmi: IpmiCommander,
  action: (typeof ChassisControl)[keyof typeof ChassisControl],
): Promise<void> {
  const names = ['power off', 'power on', 'power cycle', 'hard reset', 'diag', 'soft off'];
  await ipmi.command(
    `Chassis Control (${names[action]})`,
    NetFn.Chassis,
    ChassisCmd.ChassisControl,
    [action],
  );
}

/**
 * Set System Boot Options as Ironic's ipmitool driver does it: first parameter 3 = 0x08 (keep a
 * one-time boot flag past the 60 s the specification gives it; failure tolerated, as older BMCs
 * refuse it), then parameter 5 with the valid, persistent and EFI bits and the device selector.
 */
export async function setBootDevice(ipmi: IpmiCommander, setting: BootSetting): Promise<void> {
  await ipmi
    .command(
      'Set System Boot Options (flag valid bit clearing)',
      NetFn.Chassis,
      ChassisCmd.SetSystemBootOptions,
      [0x03, 0x08],
    )
    .catch(() => undefined);
  const flags = setting.device
    ? 0x80 | (setting.persistent ? 0x40 : 0) | (setting.efi ? 0x20 : 0)
    : 0x00;
  const selector = setting.device ? SELECTOR[setting.device] << 2 : 0;
  await ipmi.command(
    `Set System Boot Options (boot device ${setting.device ?? 'none'})`,
    NetFn.Chassis,
    ChassisCmd.SetSystemBootOptions,
    [0x05, flags, selector, 0, 0, 0],
  );
}

/** Get System Boot Options parameter 5; device null when no override is set. */
export async function getBootDevice(ipmi: IpmiCommander): Promise<BootSetting> {
  const data = await ipmi.command(
    'Get System Boot Options (boot flags)',
    NetFn.Chassis,
    ChassisCmd.GetSystemBootOptions,
    [0x05, 0x00, 0x00],
  );
  // Parameter version, parameter selector, then the five boot flag bytes.
  if (data.length < 4) throw new IpmiError('IPMI Get System Boot Options answered too little data');
  const flags = data[2]!;
  const code = (data[3]! >> 2) & 0x0f;
  const device =
    (flags & 0x80) === 0
      ? null
      : ((Object.entries(SELECTOR).find(([, c]) => c === code)?.[0] as
          IpmiBootDevice | undefined) ?? null);
  return { device, persistent: (flags & 0x40) !== 0, efi: (flags & 0x20) !== 0 };
}
