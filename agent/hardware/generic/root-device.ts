import { MIN_ROOT_DISK_BYTES } from '../../inventory';
import { DeviceNotFound } from '../errors';
import {
  RootDeviceHintError,
  findDevicesByHints,
  parseRootDeviceHints,
} from '../hints/root-device-hints';
import type { NodeInfo } from '../manager';
import type { BlockDevice } from './block-devices';
import { isObject, nodeSection } from './node-info';

/** The node's root device hints: `instance_info.root_device`, else `properties.root_device`. */
export function rootDeviceHints(node: NodeInfo | null | undefined): Record<string, unknown> | null {
  for (const section of ['instance_info', 'properties']) {
    const hints = nodeSection(node, section).root_device;
    if (isObject(hints) && Object.keys(hints).length > 0) return hints;
  }
  return null;
}

/**
 * IPA's root device choice (research/ipa.md §7): the first device matching every hint, or
 * without hints the smallest disk of at least 4 GiB (ties by name). Throws DeviceNotFound with
 * the hints and the devices that were considered.
 */
export function chooseRootDevice(
  devices: readonly BlockDevice[],
  hints: Record<string, unknown> | null,
): BlockDevice {
  if (!hints) {
    const candidates = devices
      .filter((d) => d.size >= MIN_ROOT_DISK_BYTES)
      .sort((a, b) => a.size - b.size || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const best = candidates[0];
    if (!best) {
      throw new DeviceNotFound(
        `No suitable device was found for deployment - root device hints were not provided and ` +
          `all found block devices are smaller than 4 GiB (${describeDevices(devices)})`,
      );
    }
    return best;
  }
  const shown = JSON.stringify(hints);
  try {
    parseRootDeviceHints(hints);
  } catch (err) {
    if (!(err instanceof RootDeviceHintError)) throw err;
    throw new DeviceNotFound(
      `No devices could be found using the root device hints ${shown} because they failed to ` +
        `validate. Error: ${err.message}`,
    );
  }
  const match = findDevicesByHints(devices, hints)[0];
  if (!match) {
    throw new DeviceNotFound(
      `No suitable device was found for deployment using these hints ${shown}; ` +
        `devices considered: ${describeDevices(devices)}`,
    );
  }
  return match;
}

function describeDevices(devices: readonly BlockDevice[]): string {
  if (devices.length === 0) return 'none';
  return devices
    .map((d) => {
      const attrs = [
        `${(d.size / 2 ** 30).toFixed(1)} GiB`,
        d.model && `model ${d.model}`,
        d.vendor && `vendor ${d.vendor}`,
        d.serial && `serial ${d.serial}`,
        d.wwn && `wwn ${d.wwn}`,
        `rotational ${d.rotational}`,
        d.hctl && `hctl ${d.hctl}`,
        d.tran && `tran ${d.tran}`,
      ].filter(Boolean);
      return `${d.name} (${attrs.join(', ')})`;
    })
    .join('; ');
}
