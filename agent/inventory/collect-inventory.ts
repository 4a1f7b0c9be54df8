import type { Logger } from '../../lib';
import type { Inventory } from '../../protocol';
import type { Host } from '../host';
import { type BmcInfo, collectBmc } from './collectors/bmc';
import { type CollectorContext, readTrimmed } from './collectors/context';
import { collectCpu } from './collectors/cpu';
import { collectDisks } from './collectors/disks';
import { collectInterfaces } from './collectors/interfaces';
import { collectMemory } from './collectors/memory';
import { collectSystemVendor } from './collectors/system-vendor';
import { parseKernelCmdline } from '../config/kernel-cmdline';

export interface CollectInventoryOptions {
  logger?: Logger;
  signal?: AbortSignal;
  /** Ironic's `agent_skip_bmc_detect`: no ipmitool probing, null BMC addresses. */
  skipBmcDetect?: boolean;
}

/**
 * IPA's generic inventory (research/ipa.md §6), through the Host port only. A collector that
 * fails leaves its part empty and logs why; the inventory as a whole always comes back.
 */
export async function collectInventory(
  host: Host,
  options: CollectInventoryOptions = {},
): Promise<Inventory> {
  const ctx: CollectorContext = { host, logger: options.logger, signal: options.signal };
  const guard = async <T>(part: string, fallback: T, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      if (options.signal?.aborted) throw err;
      options.logger?.warn(
        { part, err: err instanceof Error ? err.message : String(err) },
        `inventory: cannot collect ${part}`,
      );
      return fallback;
    }
  };

  const noBmc: BmcInfo = { bmc_address: null, bmc_v6address: null };
  const [interfaces, cpu, disks, memory, bmc, systemVendor, boot, hostname] = await Promise.all([
    guard('interfaces', [], () => collectInterfaces(ctx)),
    guard(
      'cpu',
      {
        model_name: null,
        frequency: null,
        count: null,
        architecture: null,
        flags: [],
        socket_count: null,
      },
      () => collectCpu(ctx),
    ),
    guard('disks', [], () => collectDisks(ctx)),
    guard('memory', { total: null, physical_mb: null }, () => collectMemory(ctx)),
    options.skipBmcDetect ? Promise.resolve(noBmc) : guard('bmc', noBmc, () => collectBmc(ctx)),
    guard(
      'system_vendor',
      {
        product_name: '',
        serial_number: '',
        manufacturer: '',
        firmware: { vendor: '', version: '', build_date: '' },
      },
      () => collectSystemVendor(ctx),
    ),
    guard('boot', { current_boot_mode: 'bios' as const, pxe_interface: null }, async () => ({
      current_boot_mode: (await host.exists('/sys/firmware/efi'))
        ? ('uefi' as const)
        : ('bios' as const),
      pxe_interface:
        parseKernelCmdline((await readTrimmed(ctx, '/proc/cmdline')) ?? '').BOOTIF ?? null,
    })),
    guard('hostname', 'localhost', async () => {
      return (await readTrimmed(ctx, '/proc/sys/kernel/hostname')) ?? 'localhost';
    }),
  ]);

  const inventory: Inventory = {
    interfaces,
    cpu,
    disks,
    memory,
    bmc_address: bmc.bmc_address,
    bmc_v6address: bmc.bmc_v6address,
    system_vendor: systemVendor,
    boot,
    hostname,
  };
  if (bmc.bmc_mac !== undefined) inventory.bmc_mac = bmc.bmc_mac;
  return inventory;
}
