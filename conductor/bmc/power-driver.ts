import type { NodeRow } from '../db/schema';

/** Power states a driver reports; null when the BMC cannot say. */
export type ObservedPower = 'power on' | 'power off' | null;
/** Ironic's power targets (`PUT /v1/nodes/{id}/states/power`). */
export type PowerTarget =
  'power on' | 'power off' | 'rebooting' | 'soft power off' | 'soft rebooting';
/** Ironic's boot devices (`ironic.common.boot_devices`) a management interface may support. */
export const BOOT_DEVICES = ['pxe', 'disk', 'cdrom', 'bios'] as const;
export type BootDevice = (typeof BOOT_DEVICES)[number];

export interface BootDeviceState {
  boot_device: BootDevice | null;
  persistent: boolean | null;
}

/** The power (and management) interface of a hardware type. Drivers hold no node state. */
export interface PowerDriver {
  /** Rejects with a readable error when driver_info is incomplete. */
  validate(node: NodeRow): void;
  getPowerState(node: NodeRow): Promise<ObservedPower>;
  /** Returns once the BMC reports the new state (or throws on timeout/refusal). */
  setPowerState(node: NodeRow, target: PowerTarget): Promise<ObservedPower>;
  /**
   * Boot from the network (the ramdisk: `pxe`, or the deploy ISO for a virtual-media boot
   * interface), the disk, a CD or the firmware setup, once or (`persistent`) for every boot;
   * drivers without it ignore this.
   */
  setBootDevice?(node: NodeRow, device: BootDevice, persistent?: boolean): Promise<void>;
  getBootDevice?(node: NodeRow): Promise<BootDeviceState>;
  /**
   * Ironic's `prepare_ramdisk` boot part: make the next boot load the agent (a network boot, or
   * the deploy ISO inserted as virtual media). Without it, `setBootDevice('pxe')` is used.
   */
  prepareRamdiskBoot?(node: NodeRow): Promise<void>;
  /** Ironic's `clean_up_ramdisk`: undo what booting the ramdisk set up (ejects virtual media). */
  cleanUpRamdisk?(node: NodeRow): Promise<void>;
}
