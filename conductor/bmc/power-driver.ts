import type { NodeRow } from '../db/schema';

/** Power states a driver reports; null when the BMC cannot say. */
export type ObservedPower = 'power on' | 'power off' | null;
export type PowerTarget = 'power on' | 'power off' | 'rebooting';

/** The power interface of a hardware type. Drivers hold no node state; the node row does. */
export interface PowerDriver {
  /** Rejects with a readable error when driver_info is incomplete. */
  validate(node: NodeRow): void;
  getPowerState(node: NodeRow): Promise<ObservedPower>;
  /** Returns once the BMC reports the new state (or throws on timeout/refusal). */
  setPowerState(node: NodeRow, target: PowerTarget): Promise<ObservedPower>;
  /**
   * Boot from the network (the ramdisk) or the disk, once or (`persistent`) for every boot;
   * drivers without it ignore this.
   */
  setBootDevice?(node: NodeRow, device: 'pxe' | 'disk', persistent?: boolean): Promise<void>;
}
