import { type CommandOutput, HostError } from '../../host';
import { SoftwareRAIDError } from '../errors';
import {
  RootDeviceHintError,
  findDevicesByHints,
  parseRootDeviceHints,
} from '../hints/root-device-hints';
import type { ManagerEnv, NodeInfo } from '../manager';
import { type BlockDevice, parentDiskName, partitionPath } from './block-devices';
import { isObject, nodeSection } from './node-info';

export const SUPPORTED_RAID_LEVELS = ['0', '1', '1+0', '5', '6'] as const;
/** Fewest member disks per level. */
const MIN_DISKS: Record<string, number> = { '0': 2, '1': 2, '1+0': 4, '5': 3, '6': 4 };

export interface LogicalDisk {
  size_gb: number | 'MAX';
  raid_level: string;
  controller?: string;
  physical_disks?: Record<string, unknown>[];
  volume_name?: string;
  is_root_volume?: boolean;
  [key: string]: unknown;
}

export interface RaidConfig {
  logical_disks: LogicalDisk[];
  [key: string]: unknown;
}

async function run(
  env: ManagerEnv,
  command: string,
  args: string[],
  what: string,
): Promise<CommandOutput> {
  try {
    return await env.host.run(command, args, { signal: env.signal, timeoutMs: 600_000 });
  } catch (err) {
    if (err instanceof HostError && err.code === 'ENOENT') {
      throw new SoftwareRAIDError(`${what}: ${command} is not installed`);
    }
    throw err;
  }
}

async function runChecked(
  env: ManagerEnv,
  command: string,
  args: string[],
  what: string,
): Promise<string> {
  const out = await run(env, command, args, what);
  if (out.exitCode !== 0) {
    throw new SoftwareRAIDError(
      `${what}: ${command} ${args.join(' ')} failed (exit code ${out.exitCode}): ${out.stderr.trim() || out.stdout.trim()}`,
    );
  }
  return out.stdout;
}

/**
 * IPA's `validate_configuration` for software RAID (research/ipa.md §5.3): all errors at once,
 * in one SoftwareRAIDError.
 */
export function validateRaidConfig(raidConfig: unknown): RaidConfig {
  if (
    !isObject(raidConfig) ||
    !Array.isArray(raidConfig.logical_disks) ||
    raidConfig.logical_disks.length === 0
  ) {
    throw new SoftwareRAIDError('RAID config contains no logical disks');
  }
  const disks = raidConfig.logical_disks as unknown[];
  const errors: string[] = [];
  if (disks.length > 2)
    errors.push('Software RAID configuration requires one or two logical disks');
  const volumeNames = new Set<string>();
  let maxCount = 0;
  let rootCount = 0;
  disks.forEach((raw, i) => {
    const where = `logical disk ${i}`;
    if (!isObject(raw)) {
      errors.push(`${where} is not a dictionary`);
      return;
    }
    if (raw.controller !== 'software') {
      errors.push(
        "Software RAID configuration requires all logical disks to have 'controller'='software'",
      );
    }
    const level =
      typeof raw.raid_level === 'string' || typeof raw.raid_level === 'number'
        ? String(raw.raid_level)
        : '';
    if (!(SUPPORTED_RAID_LEVELS as readonly string[]).includes(level)) {
      errors.push(
        `${where}: RAID level ${level || '(none)'} is not supported for software RAID (supported: ${SUPPORTED_RAID_LEVELS.join(', ')})`,
      );
    }
    if (i === 0 && level !== '1')
      errors.push('Software RAID Configuration requires RAID-1 for the first logical disk');
    const size = raw.size_gb;
    if (size === 'MAX') maxCount++;
    else if (typeof size !== 'number' || !Number.isInteger(size) || size <= 0) {
      errors.push(
        `${where}: size_gb must be a positive integer or "MAX", got ${JSON.stringify(size)}`,
      );
    }
    if (raw.physical_disks !== undefined) {
      const pd = raw.physical_disks;
      if (!Array.isArray(pd) || pd.length < 2) {
        errors.push(
          'The physical_disks parameter for software RAID must be a list with at least 2 items, each specifying a disk in the device hints format',
        );
      } else if (pd.some((p) => !isObject(p))) {
        errors.push(
          'The physical_disks parameter for software RAID must be a list of device hints (dictionaries)',
        );
      } else {
        for (const hint of pd as Record<string, unknown>[]) {
          try {
            parseRootDeviceHints(hint);
          } catch (err) {
            if (!(err instanceof RootDeviceHintError)) throw err;
            errors.push(`${where}: invalid physical_disks hint: ${err.message}`);
          }
        }
      }
    }
    if (raw.volume_name !== undefined) {
      const name =
        typeof raw.volume_name === 'string' ? raw.volume_name : JSON.stringify(raw.volume_name);
      if (volumeNames.has(name))
        errors.push(`Duplicate software RAID device name ${name} detected`);
      volumeNames.add(name);
    }
    if (raw.is_root_volume === true) rootCount++;
  });
  if (maxCount > 1) errors.push("Software RAID can have only one RAID device with size 'MAX'");
  if (rootCount > 1) errors.push('Only one software RAID device may be the root volume');
  if (errors.length > 0) throw new SoftwareRAIDError(errors.join(' '));
  return raidConfig as RaidConfig;
}

/** IPA's `get_block_devices_for_raid`: the disks of each logical disk, by hints or all of them. */
export function pickRaidDisks(
  devices: readonly BlockDevice[],
  logical: readonly LogicalDisk[],
): { disks: string[]; members: string[][] } {
  const used: string[] = [];
  const members = logical.map((ld, i) => {
    let matching: string[];
    if (ld.physical_disks) {
      matching = [];
      for (const hint of ld.physical_disks) {
        const candidates = findDevicesByHints(devices, hint).map((d) => d.name);
        if (candidates.length === 0) {
          throw new SoftwareRAIDError(
            `No candidates for physical disk ${JSON.stringify(hint)} from the list ${devices.map((d) => d.name).join(', ')}`,
          );
        }
        const pick = candidates.find((c) => !matching.includes(c));
        if (!pick) {
          throw new SoftwareRAIDError(
            `No candidates left for physical disk ${JSON.stringify(hint)} from the list ${candidates.join(', ')} after picking ${matching.join(', ')} for previous volumes`,
          );
        }
        matching.push(pick);
      }
    } else {
      matching = devices.map((d) => d.name);
    }
    const need = MIN_DISKS[ld.raid_level] ?? 2;
    if (matching.length < need) {
      throw new SoftwareRAIDError(
        `logical disk ${i} (RAID ${ld.raid_level}) needs at least ${need} disks, found ${matching.length}: ${matching.join(', ') || 'none'}`,
      );
    }
    for (const m of matching) if (!used.includes(m)) used.push(m);
    return matching;
  });
  return { disks: used, members };
}

/** Ironic's boot mode for the instance: instance_info, then capabilities, then the firmware. */
export async function nodeBootMode(
  env: ManagerEnv,
  node: NodeInfo | null,
): Promise<'uefi' | 'bios'> {
  const ii = nodeSection(node, 'instance_info');
  const mode =
    ii.deploy_boot_mode ??
    capability(ii.capabilities, 'boot_mode') ??
    capability(nodeSection(node, 'properties').capabilities, 'boot_mode');
  if (mode === 'uefi' || mode === 'bios') return mode;
  return (await env.host.exists('/sys/firmware/efi')) ? 'uefi' : 'bios';
}

function capability(caps: unknown, key: string): string | undefined {
  if (isObject(caps)) return typeof caps[key] === 'string' ? caps[key] : undefined;
  if (typeof caps !== 'string') return undefined;
  for (const pair of caps.split(',')) {
    const [k, v] = pair.split(':');
    if (k?.trim() === key && v !== undefined) return v.trim();
  }
  return undefined;
}

/**
 * IPA's software RAID creation: a fresh partition table per member disk (gpt for UEFI or when
 * `disk_label` says so), one partition per logical disk starting after room for an ESP
 * (551 MiB, UEFI) or a BIOS boot partition (8 MiB, BIOS+GPT), the `MAX` volume last, then
 * `mdadm --create /dev/mdN` per logical disk.
 */
export async function createSoftwareRaid(
  env: ManagerEnv,
  node: NodeInfo | null,
  raidConfig: RaidConfig,
  devices: readonly BlockDevice[],
): Promise<RaidConfig> {
  const candidates = devices.filter((d) => d.type === 'disk');
  const { disks, members } = pickRaidDisks(candidates, raidConfig.logical_disks);
  const partitions = devices.filter((d) => d.type === 'part');
  const withParts = disks.filter((disk) =>
    partitions.some((p) => `/dev/${parentDiskName(p.name.slice(5))}` === disk),
  );
  if (withParts.length > 0) {
    throw new SoftwareRAIDError(
      `Partitions detected on devices ${withParts.join(', ')} during RAID config; run delete_configuration or erase_devices_metadata first`,
    );
  }
  const bootMode = await nodeBootMode(env, node);
  const label =
    capability(nodeSection(node, 'instance_info').capabilities, 'disk_label') ??
    capability(nodeSection(node, 'properties').capabilities, 'disk_label') ??
    (bootMode === 'uefi' ? 'gpt' : 'msdos');
  const start = new Map<string, string | number>();
  for (const disk of disks) {
    await runChecked(
      env,
      'parted',
      [disk, '-s', '--', 'mklabel', label],
      `creating a ${label} partition table on ${disk}`,
    );
    start.set(disk, await raidStart(env, disk, bootMode, label));
  }
  const order = raidConfig.logical_disks
    .map((ld, i) => ({ ld, members: members[i]! }))
    .sort((a, b) => Number(a.ld.size_gb === 'MAX') - Number(b.ld.size_gb === 'MAX'));
  for (const { ld, members: devs } of order) {
    for (const disk of devs) {
      const from = start.get(disk)!;
      const fromText = typeof from === 'number' ? `${from}GiB` : from;
      let end: string | number;
      let endText: string;
      if (ld.size_gb === 'MAX') {
        end = '-1';
        endText = '-1';
      } else {
        end = typeof from === 'number' ? from + ld.size_gb : ld.size_gb;
        endText = `${end}GiB`;
      }
      await runChecked(
        env,
        'parted',
        [disk, '-s', '-a', 'optimal', '--', 'mkpart', 'primary', fromText, endText],
        `creating a RAID partition on ${disk}`,
      );
      await rescan(env, disk);
      start.set(disk, end);
    }
  }
  const nextIndex = new Map<string, number>();
  for (const [index, { ld, members: devs }] of order.entries()) {
    const md = `/dev/md${index}`;
    const parts = devs.map((disk) => {
      const n = nextIndex.get(disk) ?? 1;
      nextIndex.set(disk, n + 1);
      return partitionPath(disk, n);
    });
    const level = ld.raid_level === '1+0' ? '10' : ld.raid_level;
    await runChecked(
      env,
      'mdadm',
      [
        '--create',
        md,
        '--force',
        '--run',
        '--metadata=1',
        '--level',
        level,
        '--name',
        ld.volume_name ?? md,
        '--raid-devices',
        String(parts.length),
        ...parts,
      ],
      `creating ${md} on ${parts.join(', ')}`,
    );
  }
  env.logger.info('software RAID created');
  return raidConfig;
}

async function raidStart(
  env: ManagerEnv,
  disk: string,
  bootMode: string,
  label: string,
): Promise<string> {
  if (bootMode === 'uefi') return '551MiB';
  if (label === 'gpt') return '8MiB';
  const out = await runChecked(
    env,
    'sgdisk',
    ['-F', disk],
    `finding the first free sector of ${disk}`,
  );
  const sector = /(\d+)\s*$/.exec(out.trim())?.[1];
  if (!sector)
    throw new SoftwareRAIDError(`cannot read the first free sector of ${disk} from sgdisk -F`);
  return `${sector}s`;
}

async function rescan(env: ManagerEnv, disk: string): Promise<void> {
  for (const [cmd, args] of [
    ['partprobe', [disk]],
    ['udevadm', ['settle']],
  ] as const) {
    try {
      await env.host.run(cmd, [...args], { signal: env.signal, timeoutMs: 120_000 });
    } catch (err) {
      if (!(err instanceof HostError && err.code === 'ENOENT')) throw err;
    }
  }
}

/** Member devices of an md array, from the table at the end of `mdadm --detail`. */
export function parseMdadmDetailMembers(text: string): string[] {
  const lines = text.split('\n');
  const header = lines.findIndex((l) => /Number\s+Major\s+Minor\s+RaidDevice/.test(l));
  if (header < 0) return [];
  return lines
    .slice(header + 1)
    .map((l) => /\s(\/dev\/\S+)\s*$/.exec(l)?.[1])
    .filter((d): d is string => d !== undefined);
}

/**
 * IPA's `delete_configuration`: assemble what can be found, then for every md array wipe it,
 * stop it and zero its members' superblocks; then zero superblocks left on any device and
 * wipe the member disks. Two passes; arrays still present afterwards fail the step.
 */
export async function deleteSoftwareRaid(
  env: ManagerEnv,
  list: (includePartitions: boolean) => Promise<BlockDevice[]>,
): Promise<void> {
  const raids = async () => {
    await tryRun(env, 'mdadm', ['--assemble', '--scan']);
    return (await list(true)).filter((d) => d.type.startsWith('raid') || d.type === 'md');
  };
  let arrays = await raids();
  if (arrays.length === 0) return;
  for (let pass = 1; pass <= 2 && arrays.length > 0; pass++) {
    await deletePass(env, arrays, list);
    arrays = await raids();
  }
  if (arrays.length > 0) {
    throw new SoftwareRAIDError(
      `Unable to clean all softraid correctly. Remaining ${arrays.map((a) => a.name).join(', ')}`,
    );
  }
}

async function deletePass(
  env: ManagerEnv,
  arrays: readonly BlockDevice[],
  list: (includePartitions: boolean) => Promise<BlockDevice[]>,
): Promise<void> {
  const disks = new Set((await list(false)).map((d) => d.name));
  const holders = new Set<string>();
  for (const md of arrays) {
    const detail = await run(env, 'mdadm', ['--detail', md.name], `reading ${md.name}`);
    const members = detail.exitCode === 0 ? parseMdadmDetailMembers(detail.stdout) : [];
    if (members.length === 0) continue; // a partition of an md device, or a broken one
    env.logger.info({ device: md.name, members }, 'deleting software RAID device');
    await tryRun(env, 'wipefs', ['-af', md.name]);
    await tryRun(env, 'mdadm', ['--stop', md.name]);
    for (const member of members) {
      await zeroSuperblock(env, member);
      holders.add(disks.has(member) ? member : `/dev/${parentDiskName(member.slice(5))}`);
    }
  }
  for (const dev of await list(true)) {
    if (dev.type === 'part' || dev.type === 'disk') await zeroSuperblock(env, dev.name);
  }
  for (const disk of holders) await tryRun(env, 'wipefs', ['-af', disk]);
}

async function zeroSuperblock(env: ManagerEnv, device: string): Promise<void> {
  const examine = await run(env, 'mdadm', ['--examine', device], `examining ${device}`);
  if (examine.exitCode !== 0) {
    if (/No md superblock detected/i.test(examine.stderr + examine.stdout)) return;
    throw new SoftwareRAIDError(`Failed to examine device ${device}: ${examine.stderr.trim()}`);
  }
  await tryRun(env, 'mdadm', ['--zero-superblock', device]);
}

/** Runs a best-effort command: failures are logged, as IPA does for these clean-up calls. */
async function tryRun(env: ManagerEnv, command: string, args: string[]): Promise<void> {
  try {
    const out = await env.host.run(command, args, { signal: env.signal, timeoutMs: 600_000 });
    if (out.exitCode !== 0) {
      env.logger.warn(
        { command: [command, ...args].join(' '), stderr: out.stderr.trim() },
        'command failed',
      );
    }
  } catch (err) {
    if (err instanceof HostError && err.code === 'ENOENT') {
      env.logger.warn({ command }, 'not installed');
      return;
    }
    throw err;
  }
}
