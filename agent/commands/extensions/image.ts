import { type Host, HostError } from '../../host';
import { RestError } from '../errors';
import {
  type CommandContext,
  type CommandParams,
  type Extension,
  isBoolean,
  isString,
  optionalParam,
} from '../extension';
import type { AgentServices } from '../services';

const ESP_GPT_TYPE = 'c12a7328-f81f-11d2-ba4b-00a0c93ec93b';
const ESP_MBR_TYPE = '0xef';
/** Loader names IPA looks for on an ESP, lower-cased (research/ipa.md §2). */
const LOADERS = new Set([
  'bootia32.efi',
  'bootx64.efi',
  'bootia64.efi',
  'bootarm.efi',
  'bootaa64.efi',
  'bootriscv32.efi',
  'bootriscv64.efi',
  'bootriscv128.efi',
  'grubaa64.efi',
  'winload.efi',
]);
const MOUNT_POINT = '/tmp/ipa-esp';

class InvalidImage extends RestError {
  constructor(details: string) {
    super('InvalidImage', 400, 'Error installing the bootloader', details);
  }
}

/** `image.install_bootloader` (UEFI: NVRAM entries via efibootmgr; BIOS grub is disabled as in IPA). */
export function imageExtension(services: AgentServices): Extension {
  return {
    name: 'image',
    commands: {
      install_bootloader: {
        mode: 'async',
        params: [
          'root_uuid',
          'efi_system_part_uuid',
          'prep_boot_part_uuid',
          'target_boot_mode',
          'ignore_bootloader_failure',
        ],
        run: (params, ctx) => installBootloader(services, params, ctx),
      },
    },
  };
}

async function installBootloader(
  services: AgentServices,
  params: CommandParams,
  ctx: CommandContext,
): Promise<null> {
  const { host } = services;
  const rootUuid = optionalParam<string | null>(params, 'root_uuid', isString, null, 'a string');
  const espUuid = optionalParam<string | null>(
    params,
    'efi_system_part_uuid',
    isString,
    null,
    'a string',
  );
  const ignoreFailure =
    optionalParam<boolean | null>(
      params,
      'ignore_bootloader_failure',
      isBoolean,
      null,
      'a boolean',
    ) ??
    services.config.ignore_bootloader_failure ??
    false;
  const device = await services.hardware.dispatch('get_os_install_device', {
    node: services.node ?? null,
    ports: [],
    kwargs: { permit_refresh: true },
    ctx,
  });
  if (typeof device !== 'string') throw new Error('no OS install device');

  if ((await host.exists('/sys/firmware/efi')) && (await hasProgram(host, 'efibootmgr', ctx))) {
    if (await installUefiEntries(host, device, espUuid, ctx)) return null;
  }
  if (rootUuid === null || rootUuid === '0x00000000') return null; // whole-disk image
  const biosAllowed =
    services.lookupConfig?.enable_bios_bootloader_install === true ||
    services.config.enable_bios_bootloader_install;
  const reason = biosAllowed
    ? 'legacy BIOS bootloader installation (grub2-install) is not supported by this agent'
    : 'legacy BIOS bootloader installation is disabled (enable_bios_bootloader_install is false)';
  if (ignoreFailure) {
    ctx.logger.warn(`${reason}; ignored because ignore_bootloader_failure is set`);
    return null;
  }
  throw new InvalidImage(reason);
}

/** Registers the loaders found on the ESP; false when there is no ESP or it holds no loader. */
async function installUefiEntries(
  host: Host,
  device: string,
  espUuid: string | null,
  ctx: CommandContext,
): Promise<boolean> {
  const opts = { signal: ctx.signal, timeoutMs: 120_000 };
  await host.run('partprobe', [device], opts).catch(() => undefined);
  const esp = await findEsp(host, device, espUuid, ctx);
  if (!esp) {
    ctx.logger.info({ device }, 'no EFI system partition found');
    return false;
  }
  await host.run('mkdir', ['-p', MOUNT_POINT], opts);
  const mount = await host.run('mount', [esp.path, MOUNT_POINT], opts);
  if (mount.exitCode !== 0) throw new Error(`cannot mount ${esp.path}: ${mount.stderr.trim()}`);
  let loaders: string[];
  try {
    loaders = await findLoaders(host, MOUNT_POINT);
  } finally {
    await host.run('umount', [MOUNT_POINT], opts).catch(() => undefined);
  }
  if (loaders.length === 0) {
    ctx.logger.info({ esp: esp.path }, 'EFI system partition holds no boot loader');
    return false;
  }
  const labels = loaders.map((_, i) => `ironic${i + 1}`);
  const existing = await host.run('efibootmgr', ['-v'], opts);
  for (const line of existing.stdout.split('\n')) {
    const m = /^Boot([0-9A-Fa-f]{4})\*?\s+(\S+)/.exec(line);
    if (m && labels.includes(m[2]!)) {
      await host.run('efibootmgr', ['-b', m[1]!, '-B'], opts);
    }
  }
  for (const [i, loader] of loaders.entries()) {
    const out = await host.run(
      'efibootmgr',
      ['-v', '-c', '-d', device, '-p', String(esp.number), '-w', '-L', labels[i]!, '-l', loader],
      opts,
    );
    if (out.exitCode !== 0) throw new Error(`efibootmgr failed: ${out.stderr.trim()}`);
  }
  ctx.logger.info({ loaders }, 'UEFI boot entries created');
  return true;
}

interface Esp {
  path: string;
  number: number;
}

async function findEsp(
  host: Host,
  device: string,
  espUuid: string | null,
  ctx: CommandContext,
): Promise<Esp | null> {
  const out = await host.run('lsblk', ['-J', '-o', 'KNAME,PARTTYPE,PARTUUID,TYPE', device], {
    signal: ctx.signal,
    timeoutMs: 60_000,
  });
  if (out.exitCode !== 0) return null;
  const doc = JSON.parse(out.stdout) as { blockdevices?: Record<string, unknown>[] };
  const parts = flatten(doc.blockdevices ?? []).filter((d) => d.type === 'part');
  const match =
    parts.find((p) => espUuid && str(p.partuuid).toLowerCase() === espUuid.toLowerCase()) ??
    parts.find((p) => [ESP_GPT_TYPE, ESP_MBR_TYPE].includes(str(p.parttype).toLowerCase()));
  if (!match) return null;
  const kname = str(match.kname);
  const numberText = await host.readFile(`/sys/class/block/${kname}/partition`).catch(() => null);
  const number = numberText ? Number(numberText.trim()) : Number(/(\d+)$/.exec(kname)?.[1]);
  return { path: `/dev/${kname}`, number };
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function flatten(devices: Record<string, unknown>[]): Record<string, unknown>[] {
  return devices.flatMap((d) => [
    d,
    ...flatten(Array.isArray(d.children) ? (d.children as Record<string, unknown>[]) : []),
  ]);
}

/** `\EFI\<dir>\<loader>` paths of known loaders, vendor directories before the fallback BOOT. */
async function findLoaders(host: Host, root: string): Promise<string[]> {
  const efiDir = (await host.listDir(root)).find((n) => n.toLowerCase() === 'efi');
  if (!efiDir) return [];
  const found: string[] = [];
  const dirs = (await host.listDir(`${root}/${efiDir}`)).sort((a, b) =>
    a.toLowerCase() === 'boot' ? 1 : b.toLowerCase() === 'boot' ? -1 : a.localeCompare(b),
  );
  for (const dir of dirs) {
    let files: string[];
    try {
      files = await host.listDir(`${root}/${efiDir}/${dir}`);
    } catch (err) {
      if (err instanceof HostError) continue; // a file, not a directory
      throw err;
    }
    for (const f of files.sort()) {
      if (LOADERS.has(f.toLowerCase())) found.push(`\\${efiDir}\\${dir}\\${f}`);
    }
  }
  return found;
}

async function hasProgram(host: Host, name: string, ctx: CommandContext): Promise<boolean> {
  try {
    await host.run(name, ['--version'], { signal: ctx.signal, timeoutMs: 10_000 });
    return true;
  } catch (err) {
    if (err instanceof HostError && err.code === 'ENOENT') return false;
    throw err;
  }
}
