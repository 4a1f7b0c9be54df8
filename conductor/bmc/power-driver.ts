import type { NodeRow } from '../db/schema';

/** Power states a driver reports; null when the BMC cannot say. */
export type ObservedPower = 'power on' | 'power off' | null;
export type PowerTarget = 'power on' | 'power off' | 'rebooting';
/** Ironic's boot devices (`ironic.common.boot_devices`) a management interface may support. */
export const BOOT_DEVICES = ['pxe', 'disk', 'cdrom', 'bios'] as const;
export type BootDevice = (typeof BOOT_DEVICES)[number];

/** The power interface of a hardware type. Drivers hold no node state; the node row does. */
export interface PowerDriver {
  /** Rejects with a readable error when driver_info is incomplete. */
  validate(node: NodeRow): void;
  getPowerState(node: NodeRow): Promise<ObservedPower>;
  /** Returns once the BMC reports the new state (or throws on timeout/refusal). */
  setPowerState(node: NodeRow, target: PowerTarget): Promise<ObservedPower>;
  /**
   * Boot from the network (the ramdisk), the disk, virtual media or firmware setup, once or
   * (`persistent`) for every boot; drivers without it ignore this.
   */
  setBootDevice?(node: NodeRow, device: BootDevice, persistent?: boolean): Promise<void>;
}
