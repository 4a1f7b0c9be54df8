import type { NodeRow } from '../db/schema';
import { invalidParameter } from './errors';

/** Hardware types the embedded conductor accepts; each has a power driver (conductor/bmc). */
export const KNOWN_DRIVERS: ReadonlySet<string> = new Set([
  'redfish',
  'ipmi',
  'fake-hardware',
  'manual-management',
]);

export type InterfaceKind = 'boot' | 'power' | 'management';
export const INTERFACE_KINDS: readonly InterfaceKind[] = ['boot', 'power', 'management'];

/**
 * What each hardware type supports, default first (Ironic's default is the first enabled
 * interface the type supports; `[DEFAULT] enabled_boot_interfaces` starts with ipxe). `pxe` and
 * `ipxe` both mean a network boot into the ramdisk here.
 */
const SUPPORTED: Readonly<Record<string, Readonly<Record<InterfaceKind, readonly string[]>>>> = {
  redfish: {
    boot: ['ipxe', 'pxe', 'redfish-virtual-media'],
    power: ['redfish'],
    management: ['redfish'],
  },
  ipmi: { boot: ['ipxe', 'pxe'], power: ['ipmitool'], management: ['ipmitool'] },
  'fake-hardware': { boot: ['fake', 'ipxe', 'pxe'], power: ['fake'], management: ['fake'] },
  'manual-management': { boot: ['ipxe', 'pxe'], power: ['fake'], management: ['noop'] },
};

/** Every interface name some hardware type here supports (Ironic's enabled_*_interfaces). */
const ENABLED: Readonly<Record<InterfaceKind, ReadonlySet<string>>> = {
  boot: new Set(Object.values(SUPPORTED).flatMap((s) => s.boot)),
  power: new Set(Object.values(SUPPORTED).flatMap((s) => s.power)),
  management: new Set(Object.values(SUPPORTED).flatMap((s) => s.management)),
};

/** Refuses an interface the conductor does not have or the hardware type does not support. */
export function checkInterface(driver: string, kind: InterfaceKind, name: string | null): void {
  if (name === null) return;
  if (!ENABLED[kind].has(name)) {
    // Ironic's InterfaceNotFoundInEntrypoint and IncompatibleInterface are both 400s.
    throw invalidParameter(
      `Could not find the following interface in the 'ironic.hardware.interfaces.${kind}' entrypoint: ${name}. Valid interfaces are ${[...ENABLED[kind]].join(', ')}.`,
    );
  }
  const supported = SUPPORTED[driver]?.[kind] ?? [];
  if (!supported.includes(name)) {
    throw invalidParameter(
      `${kind} interface implementation '${name}' is not supported by hardware type ${driver}.`,
    );
  }
}

/** The interface a node uses: its own choice, else its hardware type's default. */
export function nodeInterface(
  node: Pick<NodeRow, 'driver' | 'bootInterface' | 'powerInterface' | 'managementInterface'>,
  kind: InterfaceKind,
): string | null {
  const chosen =
    kind === 'boot'
      ? node.bootInterface
      : kind === 'power'
        ? node.powerInterface
        : node.managementInterface;
  return chosen ?? SUPPORTED[node.driver]?.[kind][0] ?? null;
}

/** Ironic's `redfish-virtual-media` boot: the ramdisk boots from an ISO the BMC inserts. */
export function bootsFromVirtualMedia(node: Pick<NodeRow, 'bootInterface'>): boolean {
  return node.bootInterface === 'redfish-virtual-media';
}
