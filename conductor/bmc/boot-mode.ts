import type { NodeRow } from '../db/schema';

/**
 * The boot mode Ironic would use for a node: the deploy-time choice when recorded, else the
 * `boot_mode` capability, else `[deploy] default_boot_mode` (uefi).
 */
export function nodeBootMode(node: NodeRow): 'uefi' | 'bios' {
  const recorded =
    node.driverInternalInfo.deploy_boot_mode ?? node.instanceInfo.deploy_boot_mode ?? undefined;
  if (recorded === 'uefi' || recorded === 'bios') return recorded;
  const caps = node.properties.capabilities;
  let mode: unknown;
  if (typeof caps === 'string') {
    for (const pair of caps.split(',')) {
      const [key, value] = pair.split(':');
      if (key?.trim() === 'boot_mode') mode = value?.trim();
    }
  } else if (caps && typeof caps === 'object') {
    mode = (caps as Record<string, unknown>).boot_mode;
  }
  return mode === 'bios' ? 'bios' : 'uefi';
}
