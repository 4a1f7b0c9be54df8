import { FatReader } from '../fake-os/fat-reader';
import type { DiskLayout, PartitionInfo } from './disk-layout';
import type { SparseDisk } from './sparse-disk';

const LINUX_FILE_SYSTEMS = new Set(['ext4', 'ext3', 'ext2', 'xfs']);
const ESP_TYPES = new Set(['c12a7328-f81f-11d2-ba4b-00a0c93ec93b', '0xef']);

export interface InstalledOs {
  root: PartitionInfo;
  /** PRETTY_NAME of the root's /etc/os-release, when the simulator can read that file system. */
  prettyName: string | null;
}

/**
 * The partition GRUB would boot a Linux from: the first with a Linux file system, or a FAT one
 * (GRUB and Linux read FAT too) that holds /etc/os-release. FAT partitions without it are ESPs
 * or config drives, not systems.
 */
export function findInstalledOs(disk: SparseDisk, layout: DiskLayout): InstalledOs | null {
  for (const p of layout.partitions) {
    if (!p.fs) continue;
    if (LINUX_FILE_SYSTEMS.has(p.fs.type)) return { root: p, prettyName: null };
    if (p.fs.type !== 'vfat' || ESP_TYPES.has(p.type)) continue;
    const osRelease = readFatText(disk, p, 'etc', 'os-release');
    if (osRelease !== null) return { root: p, prettyName: prettyName(osRelease) };
  }
  return null;
}

function readFatText(disk: SparseDisk, p: PartitionInfo, dir: string, name: string) {
  try {
    const fat = new FatReader((offset, length) => disk.read(p.startBytes + offset, length));
    const entry = fat.list(dir).find((e) => !e.directory && e.name.toLowerCase() === name);
    return entry ? Buffer.from(fat.readFile(entry)).toString('utf8') : null;
  } catch {
    return null;
  }
}

/** os-release(5): PRETTY_NAME, else NAME, values optionally quoted. */
function prettyName(osRelease: string): string | null {
  const field = (key: string) => {
    const m = new RegExp(`^${key}=(.*)$`, 'm').exec(osRelease);
    return m ? m[1]!.trim().replace(/^(["'])(.*)\1$/, '$2') : null;
  };
  return field('PRETTY_NAME') ?? field('NAME');
}
