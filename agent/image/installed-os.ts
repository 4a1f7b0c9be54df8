import { readFatFile } from '../../lib/disk/fat';
import { type ReadAt, readPartitionTable } from '../../lib/disk/partition-table';
import { probeFilesystem } from './disk/probe';

export interface InstalledOs {
  /** `/etc/os-release` as key/value pairs (quotes removed). */
  osRelease: Record<string, string>;
  /** PRETTY_NAME, else NAME VERSION, else ID. */
  prettyName: string;
  /** Partition number holding the root file system (0 when the disk is the file system). */
  partition: number;
  /** Byte offset of that file system on the disk. */
  offset: number;
  /** Its file system UUID, as blkid shows it. */
  uuid: string | null;
}

/**
 * What a firmware-and-bootloader would find on a disk: the first file system (in partition
 * order) that holds `etc/os-release`. The simulator "boots" a written image with it; tests use
 * it to prove which image landed. Reads FAT file systems (what the image service's samples use).
 */
export async function readInstalledOs(
  read: ReadAt,
  diskSize: number,
  sectorSize = 512,
): Promise<InstalledOs | null> {
  const table = await readPartitionTable(read, sectorSize, diskSize).catch(() => null);
  const candidates = table
    ? table.partitions.map((p) => ({ number: p.number, offset: p.start }))
    : [{ number: 0, offset: 0 }];
  for (const c of candidates) {
    const fs = await probeFilesystem(read, c.offset).catch(() => null);
    if (!fs || fs.type !== 'vfat') continue;
    const file = await readFatFile(read, c.offset, 'etc/os-release').catch(() => null);
    if (!file) continue;
    const osRelease = parseOsRelease(Buffer.from(file).toString('utf8'));
    const prettyName =
      osRelease.PRETTY_NAME ??
      ([osRelease.NAME, osRelease.VERSION].filter(Boolean).join(' ') || osRelease.ID || 'Linux');
    return { osRelease, prettyName, partition: c.number, offset: c.offset, uuid: fs.uuid };
  }
  return null;
}

export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Z0-9_]+)=(.*)$/.exec(line);
    if (!m) continue;
    let v = m[2]!.trim();
    if ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'"))) {
      v = v.slice(1, -1).replace(/\\(["'\\$`])/g, '$1');
    }
    out[m[1]!] = v;
  }
  return out;
}
