import { RestError } from '../commands/errors';
import type { CommandContext } from '../commands/extension';
import type { AgentServices } from '../commands/services';
import { HardwareManagerMethodNotFound } from '../hardware/dispatch';
import { guessRootDisk } from '../inventory/root-disk';

export class DeviceNotFound extends RestError {
  constructor(details: string) {
    super(
      'DeviceNotFound',
      404,
      'Error finding the disk or partition device to deploy the image onto',
      details,
    );
  }
}

/**
 * IPA's `get_os_install_device(permit_refresh=True)`: the hardware managers decide (root device
 * hints live there). Without managers the agent falls back to IPA's hint-less rule, the
 * smallest disk of at least 4 GiB.
 */
export async function osInstallDevice(
  services: AgentServices,
  ctx: CommandContext,
): Promise<string> {
  try {
    const device = await services.hardware.dispatch('get_os_install_device', {
      node: services.node ?? null,
      ports: [],
      kwargs: { permit_refresh: true },
      ctx,
    });
    if (typeof device === 'string' && device.length > 0) return device;
    throw new DeviceNotFound(
      `the hardware managers named no install device (${JSON.stringify(device)})`,
    );
  } catch (err) {
    if (!(err instanceof HardwareManagerMethodNotFound)) throw err;
  }
  const inventory = await services.collectInventory(ctx.signal);
  const disk = guessRootDisk(inventory.disks);
  if (!disk)
    throw new DeviceNotFound(
      'no suitable device was found for deployment (no disk of at least 4 GiB)',
    );
  ctx.logger.info(
    { device: disk.name },
    'no hardware manager chooses the install device: smallest disk ≥ 4 GiB',
  );
  return disk.name;
}
