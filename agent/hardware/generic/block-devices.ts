import type { Disk } from '../../../protocol';
import { type Host, HostError, runChecked } from '../../host';
import { collectDisks } from '../../inventory/collectors/disks';
import { LSBLK_ARGS, type LsblkDevice, parseLsblk } from '../../inventory';
import type { ManagerEnv } from '../manager';

/**
 * A block device as the generic manager handles it: the inventory fields plus its lsblk type
 * (`disk`, `part`, `raid1`, `md`, `loop`, … or `file` for a regular file standing in for a
 * device). Hardware-manager methods receive it as `block_device`.
 */
export interface BlockDevice extends Disk {
  type: string;
}

export interface ListOptions {
  /** Partitions too (metadata erase, RAID clean-up); whole devices only otherwise. */
  includePartitions?: boolean;
}

/**
 * IPA's `list_block_devices`: whole disks (and RAID/multipath devices) as the inventory lists
 * them, plus their partitions on request. With `block_devices` in the configuration only those
 * devices (and their partitions) exist for the managers.
 */
export async function listBlockDevices(
  env: ManagerEnv,
  options: ListOptions = {},
): Promise<BlockDevice[]> {
  const restrict = env.config.block_devices;
  if (restrict.length > 0) return listRestricted(env, restrict, options);
  const json = await lsblkJson(env);
  const rows = parseLsblk(json);
  // The inventory's disk collector describes the disks (udev, sysfs, by-path) from this very
  // lsblk answer, so the two listings cannot disagree.
  const ctx = { host: withLsblkAnswer(env.host, json), logger: env.logger, signal: env.signal };
  const disks = await collectDisks(ctx);
  const byName = new Map(rows.map((r) => [r.kname, r]));
  const out: BlockDevice[] = disks.map((d) => ({
    ...d,
    type: byName.get(d.name.slice('/dev/'.length))?.type ?? 'disk',
  }));
  if (options.includePartitions) {
    const known = new Set(out.map((d) => d.name));
    for (const row of rows) {
      const type = row.type.toLowerCase();
      if (type !== 'part' && type !== 'md') continue;
      if (/^(fd|ram|zram)/.test(row.kname) || row.size === 0) continue;
      const dev = fromRow(row);
      if (!known.has(dev.name)) {
        known.add(dev.name);
        out.push(dev);
      }
    }
  }
  return out;
}

function lsblkJson(env: ManagerEnv): Promise<string> {
  return runChecked(env.host, 'lsblk', LSBLK_ARGS, { timeoutMs: 60_000, signal: env.signal });
}

/** The host, except that the inventory lsblk call answers `json`. */
function withLsblkAnswer(host: Host, json: string): Host {
  const isListing = (command: string, args: readonly string[]) =>
    command === 'lsblk' &&
    args.length === LSBLK_ARGS.length &&
    args.every((a, i) => a === LSBLK_ARGS[i]);
  return {
    clock: host.clock,
    run: (command, args, options) =>
      isListing(command, args)
        ? Promise.resolve({ exitCode: 0, stdout: json, stderr: '' })
        : host.run(command, args, options),
    readFile: (path) => host.readFile(path),
    writeFile: (path, data) => host.writeFile(path, data),
    listDir: (path) => host.listDir(path),
    readLink: (path) => host.readLink(path),
    exists: (path) => host.exists(path),
    openBlockDevice: (path, mode) => host.openBlockDevice(path, mode),
  };
}

function fromRow(row: LsblkDevice): BlockDevice {
  return {
    name: `/dev/${row.kname}`,
    model: row.model,
    size: row.size,
    rotational: row.rotational,
    wwn: row.wwn,
    serial: row.serial,
    vendor: null,
    wwn_with_extension: null,
    wwn_vendor_extension: null,
    hctl: null,
    by_path: null,
    logical_sectors: row.logicalSectors,
    physical_sectors: row.physicalSectors,
    tran: row.tran,
    type: row.type,
  };
}

/** The configured devices only: each must exist; files count as devices of type `file`. */
async function listRestricted(
  env: ManagerEnv,
  paths: readonly string[],
  options: ListOptions,
): Promise<BlockDevice[]> {
  let rows: LsblkDevice[] = [];
  try {
    rows = parseLsblk(await lsblkJson(env));
  } catch (err) {
    if (env.signal.aborted) throw err;
    // lsblk can be absent where the targets are plain files; those are described below.
    env.logger.debug({ err: String(err) }, 'lsblk failed; describing configured devices alone');
  }
  const out: BlockDevice[] = [];
  for (const path of paths) {
    const real = await resolveLink(env, path);
    const kname = real.startsWith('/dev/') ? real.slice('/dev/'.length) : null;
    const row = kname === null ? undefined : rows.find((r) => r.kname === kname);
    if (row) {
      out.push({ ...fromRow(row), name: real });
      if (options.includePartitions) {
        const partName = new RegExp(`^${escapeRegExp(row.kname)}p?\\d+$`);
        for (const part of rows) {
          if (part.type === 'part' && partName.test(part.kname)) out.push(fromRow(part));
        }
      }
      continue;
    }
    let size: number;
    try {
      const dev = await env.host.openBlockDevice(real, 'r');
      size = dev.size;
      await dev.close();
    } catch (err) {
      const reason = err instanceof HostError ? err.message : String(err);
      throw new Error(`block_devices names ${path}, which cannot be opened: ${reason}`);
    }
    out.push({
      name: real,
      model: null,
      size,
      rotational: false,
      wwn: null,
      serial: null,
      vendor: null,
      wwn_with_extension: null,
      wwn_vendor_extension: null,
      hctl: null,
      by_path: null,
      logical_sectors: 512,
      physical_sectors: 512,
      tran: null,
      type: real.startsWith('/dev/') ? 'disk' : 'file',
    });
  }
  return out;
}

async function resolveLink(env: ManagerEnv, path: string): Promise<string> {
  try {
    const target = await env.host.readLink(path);
    if (target.startsWith('/')) return target;
    const dir = path.slice(0, path.lastIndexOf('/'));
    return normalize(`${dir}/${target}`);
  } catch {
    return path;
  }
}

/** `/dev/disk/by-id/../../sda` → `/dev/sda`. */
export function normalize(path: string): string {
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return `/${out.join('/')}`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The disk a partition belongs to: `sda1` → `sda`, `nvme0n1p2` → `nvme0n1`, `md0p1` → `md0`. */
export function parentDiskName(name: string): string {
  const m = /^(.*\d)p\d+$/.exec(name);
  if (m) return m[1]!;
  return name.replace(/\d+$/, '');
}

/** Partition path of a disk: a `p` separator when the disk name ends in a digit (§11.11). */
export function partitionPath(disk: string, index: number): string {
  return /\d$/.test(disk) ? `${disk}p${index}` : `${disk}${index}`;
}
