import type { BlockDevice } from '../host';
import { randomGuid } from '../../lib/disk/guid';
import {
  GPT_TYPE,
  MBR_TYPE,
  type PartitionInfo,
  type PartitionTable,
  buildGpt,
  partitionPath,
  readPartitionTable,
} from '../../lib/disk/partition-table';
import { probeFilesystem } from './disk/probe';
import { ConfigDriveError } from './errors';

const MiB = 1024 * 1024;

export function readerOf(dev: BlockDevice) {
  return (offset: number, length: number) => dev.read(offset, length);
}

export function readTable(dev: BlockDevice, sectorSize: number): Promise<PartitionTable | null> {
  return readPartitionTable(readerOf(dev), sectorSize, dev.size);
}

/**
 * A whole-disk image smaller than the disk leaves its backup GPT in the middle of the disk;
 * IPA runs `sgdisk -e` to move it to the end (§8.5). Boot code in LBA 0 is kept; only the
 * protective entry's size is corrected.
 */
export async function relocateBackupGpt(dev: BlockDevice, table: PartitionTable): Promise<boolean> {
  const gpt = table.gpt;
  if (!gpt) return false;
  const ss = table.sectorSize;
  const totalSectors = Math.floor(dev.size / ss);
  if (gpt.backupLba === totalSectors - 1) return false;
  await writeGptTables(dev, { ...gpt, totalSectors });
  return true;
}

async function writeGptTables(
  dev: BlockDevice,
  disk: Parameters<typeof buildGpt>[0],
): Promise<void> {
  const built = buildGpt(disk);
  await dev.write(built.primary.offset, built.primary.data);
  await dev.write(built.backup.offset, built.backup.data);
  const lba0 = Buffer.from(await dev.read(0, 512));
  if (lba0[446 + 4] === MBR_TYPE.protective) {
    lba0.writeUInt32LE(Math.min(disk.totalSectors - 1, 0xffffffff), 446 + 12);
    await dev.write(0, lba0);
  }
}

/** Partitions whose file system is labelled `config-2` (any case), as IPA looks them up. */
async function configDrivePartitions(
  dev: BlockDevice,
  table: PartitionTable,
): Promise<PartitionInfo[]> {
  const found: PartitionInfo[] = [];
  for (const p of table.partitions) {
    const fs = await probeFilesystem(readerOf(dev), p.start).catch(() => null);
    if (fs && fs.label.toLowerCase() === 'config-2') found.push(p);
  }
  return found;
}

export interface PlacedPartition {
  number: number;
  start: number;
  size: number;
  path: string;
  created: boolean;
}

/**
 * Where a whole-disk image's config drive goes (§8.6): an existing `config-2` partition, else a
 * new 64 MiB partition at the end of the disk (GPT: a new entry in both tables; MBR: a new
 * primary below 2 TiB).
 */
export async function placeConfigDrive(
  dev: BlockDevice,
  device: string,
  table: PartitionTable,
  needBytes: number,
): Promise<PlacedPartition> {
  const existing = await configDrivePartitions(dev, table);
  if (existing.length > 1) {
    throw new ConfigDriveError(`more than one partition labelled config-2 on ${device}`);
  }
  if (existing.length === 1) {
    const p = existing[0]!;
    if (p.size < needBytes) {
      throw new ConfigDriveError(
        `the config-2 partition ${partitionPath(device, p.number)} is too small`,
      );
    }
    return {
      number: p.number,
      start: p.start,
      size: p.size,
      path: partitionPath(device, p.number),
      created: false,
    };
  }
  const ss = table.sectorSize;
  const size = 64 * MiB;
  const align = MiB / ss;
  const usedEnd = Math.max(0, ...table.partitions.map((p) => (p.start + p.size) / ss));
  if (table.kind === 'gpt' && table.gpt) {
    const gpt = table.gpt;
    const totalSectors = Math.floor(dev.size / ss);
    const lastUsable = totalSectors - 2 - Math.ceil((128 * 128) / ss);
    const first = Math.floor((lastUsable + 1 - size / ss) / align) * align;
    if (first < usedEnd)
      throw new ConfigDriveError(`no room for a config drive partition on ${device}`);
    const slots = new Set(gpt.partitions.map((p, i) => p.slot ?? i));
    let slot = 0;
    while (slots.has(slot)) slot++;
    const partitions = [
      ...gpt.partitions.map((p, i) => ({ ...p, slot: p.slot ?? i })),
      {
        type: GPT_TYPE.linuxFilesystem,
        guid: randomGuid(),
        firstLba: first,
        lastLba: lastUsable,
        name: 'config-2',
        slot,
      },
    ];
    await writeGptTables(dev, { ...gpt, totalSectors, partitions });
    const number = slot + 1;
    return {
      number,
      start: first * ss,
      size: (lastUsable - first + 1) * ss,
      path: partitionPath(device, number),
      created: true,
    };
  }
  if (table.partitions.length >= 4) {
    throw new ConfigDriveError(
      `${device} already has four primary partitions; no room for a config drive`,
    );
  }
  const limit = Math.min(Math.floor(dev.size / ss), 0xffffffff);
  const first = Math.floor((limit - size / ss) / align) * align;
  if (first < usedEnd)
    throw new ConfigDriveError(`no room for a config drive partition on ${device}`);
  const lba0 = Buffer.from(await dev.read(0, 512));
  const taken = new Set(table.partitions.map((p) => p.number));
  let number = 1;
  while (taken.has(number)) number++;
  const at = 446 + (number - 1) * 16;
  lba0[at] = 0;
  lba0.writeUIntBE(0xfeffff, at + 1, 3);
  lba0[at + 4] = MBR_TYPE.linux;
  lba0.writeUIntBE(0xfeffff, at + 5, 3);
  lba0.writeUInt32LE(first, at + 8);
  lba0.writeUInt32LE(size / ss, at + 12);
  await dev.write(0, lba0);
  return { number, start: first * ss, size, path: partitionPath(device, number), created: true };
}

/** The ESP of a disk: GPT type, or MBR type 0xef. */
export function findEsp(table: PartitionTable): PartitionInfo | null {
  return table.partitions.find((p) => p.type === GPT_TYPE.efiSystem || p.type === '0xef') ?? null;
}

/** blkid's UUID of the file system in a partition, else its PARTUUID (IPA's `block_uuid`). */
export async function blockUuid(
  dev: BlockDevice,
  start: number,
  partUuid: string,
): Promise<string> {
  const fs = await probeFilesystem(readerOf(dev), start).catch(() => null);
  return fs?.uuid ?? partUuid;
}

/** Zeroes `length` bytes at `offset` in 1 MiB writes. */
export async function zeroRange(dev: BlockDevice, offset: number, length: number): Promise<void> {
  const zero = Buffer.alloc(Math.min(length, MiB));
  for (let done = 0; done < length; done += zero.length) {
    const n = Math.min(zero.length, length - done);
    await dev.write(offset + done, zero.subarray(0, n));
  }
}
