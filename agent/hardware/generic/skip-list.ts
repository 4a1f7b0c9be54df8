import { RootDeviceHintError, findDevicesByHints } from '../hints/root-device-hints';
import type { ManagerEnv, NodeInfo } from '../manager';
import { type BlockDevice, normalize, parentDiskName } from './block-devices';
import { isObject, nodeSection } from './node-info';

/**
 * IPA's `skip_block_devices` (node properties): hint dictionaries naming disks that cleaning
 * and deployment must leave alone, or `{volume_name}` naming software RAID volumes to keep.
 * Returns the device paths to skip.
 */
export async function skipListFromNode(
  env: ManagerEnv,
  node: NodeInfo | null | undefined,
  devices: readonly BlockDevice[],
): Promise<Set<string>> {
  const entries = nodeSection(node, 'properties').skip_block_devices;
  const skip = new Set<string>();
  if (entries === undefined || entries === null) return skip;
  if (!Array.isArray(entries)) {
    throw new TypeError('properties.skip_block_devices must be a list of hint dictionaries');
  }
  for (const entry of entries) {
    if (!isObject(entry)) {
      throw new TypeError(
        `properties.skip_block_devices entries must be dictionaries, got ${JSON.stringify(entry)}`,
      );
    }
    if ('volume_name' in entry) {
      const name = String(entry.volume_name);
      try {
        const target = await env.host.readLink(`/dev/md/${name}`);
        skip.add(target.startsWith('/') ? target : normalize(`/dev/md/${target}`));
      } catch {
        env.logger.debug({ volume: name }, 'skip list names a RAID volume that does not exist');
      }
      continue;
    }
    try {
      for (const dev of findDevicesByHints(devices, entry)) skip.add(dev.name);
    } catch (err) {
      if (err instanceof RootDeviceHintError) {
        throw new RootDeviceHintError(`properties.skip_block_devices: ${err.message}`);
      }
      throw err;
    }
  }
  return skip;
}

/** Drops skipped devices and the partitions of skipped disks. */
export function applySkipList(
  devices: readonly BlockDevice[],
  skip: ReadonlySet<string>,
): BlockDevice[] {
  if (skip.size === 0) return [...devices];
  return devices.filter((d) => {
    if (skip.has(d.name)) return false;
    return !(d.type === 'part' && skip.has(`/dev/${parentDiskName(d.name.slice(5))}`));
  });
}
