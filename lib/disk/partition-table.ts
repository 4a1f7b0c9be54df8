import { crc32 } from 'node:zlib';
import { guidFromBytes, guidToBytes } from './guid';

/** Partition type GUIDs the agent creates or looks for. */
export const GPT_TYPE = {
  efiSystem: 'c12a7328-f81f-11d2-ba4b-00a0c93ec93b',
  linuxFilesystem: '0fc63daf-8483-4772-8e79-3d69d8477de4',
  biosBoot: '21686148-6449-6e6f-744e-656564454649',
  linuxSwap: '0657fd6d-a4ab-43c4-84e5-0933c84b4f4f',
} as const;

/** MBR partition type bytes. */
export const MBR_TYPE = { linux: 0x83, swap: 0x82, efi: 0xef, protective: 0xee } as const;

const ENTRY_COUNT = 128;
const ENTRY_SIZE = 128;
const HEADER_SIZE = 92;
const SIGNATURE = Buffer.from('EFI PART', 'latin1');

/** Bytes to put at an offset of a disk. */
export interface DiskWrite {
  offset: number;
  data: Uint8Array;
}

/** Reads `length` bytes at `offset` (fewer only at the end of the medium). */
export type ReadAt = (offset: number, length: number) => Promise<Uint8Array>;

export interface GptPartition {
  type: string;
  guid: string;
  firstLba: number;
  lastLba: number;
  name?: string;
  attributes?: bigint;
  /** Index in the entry array (the kernel's partition number − 1); defaults to the list order. */
  slot?: number;
}

export interface GptDisk {
  sectorSize: number;
  totalSectors: number;
  diskGuid: string;
  partitions: readonly GptPartition[];
}

/** Sectors taken by the 128-entry partition array. */
export function gptEntrySectors(sectorSize: number): number {
  return Math.ceil((ENTRY_COUNT * ENTRY_SIZE) / sectorSize);
}

/** First and last LBA a partition may use on a disk of `totalSectors`. */
export function gptUsableRange(sectorSize: number, totalSectors: number) {
  const entries = gptEntrySectors(sectorSize);
  return { first: 2 + entries, last: totalSectors - 2 - entries };
}

/**
 * A GPT as three writes: the protective MBR (LBA 0), the primary header and array (LBA 1…),
 * and the backup array and header at the very end of the disk. Callers that must keep boot
 * code in LBA 0 skip the first.
 */
export function buildGpt(disk: GptDisk): {
  protectiveMbr: DiskWrite;
  primary: DiskWrite;
  backup: DiskWrite;
} {
  const { sectorSize: ss, totalSectors } = disk;
  const entrySectors = gptEntrySectors(ss);
  const { first, last } = gptUsableRange(ss, totalSectors);
  if (disk.partitions.length > ENTRY_COUNT) throw new RangeError('too many GPT partitions');
  const entries = Buffer.alloc(entrySectors * ss);
  disk.partitions.forEach((p, index) => {
    const i = p.slot ?? index;
    if (i >= ENTRY_COUNT) throw new RangeError(`GPT slot ${i} is beyond the array`);
    if (p.firstLba < first || p.lastLba > last || p.lastLba < p.firstLba) {
      throw new RangeError(
        `GPT partition ${i + 1} (${p.firstLba}-${p.lastLba}) is outside ${first}-${last}`,
      );
    }
    const e = entries.subarray(i * ENTRY_SIZE, (i + 1) * ENTRY_SIZE);
    Buffer.from(guidToBytes(p.type)).copy(e, 0);
    Buffer.from(guidToBytes(p.guid)).copy(e, 16);
    e.writeBigUInt64LE(BigInt(p.firstLba), 32);
    e.writeBigUInt64LE(BigInt(p.lastLba), 40);
    e.writeBigUInt64LE(p.attributes ?? 0n, 48);
    e.write((p.name ?? '').slice(0, 36), 56, 72, 'utf16le');
  });
  const arrayCrc = crc32(entries.subarray(0, ENTRY_COUNT * ENTRY_SIZE));
  const lastLba = totalSectors - 1;
  const header = (myLba: number, altLba: number, entriesLba: number): Buffer => {
    const h = Buffer.alloc(ss);
    SIGNATURE.copy(h, 0);
    h.writeUInt32LE(0x00010000, 8);
    h.writeUInt32LE(HEADER_SIZE, 12);
    h.writeBigUInt64LE(BigInt(myLba), 24);
    h.writeBigUInt64LE(BigInt(altLba), 32);
    h.writeBigUInt64LE(BigInt(first), 40);
    h.writeBigUInt64LE(BigInt(last), 48);
    Buffer.from(guidToBytes(disk.diskGuid)).copy(h, 56);
    h.writeBigUInt64LE(BigInt(entriesLba), 72);
    h.writeUInt32LE(ENTRY_COUNT, 80);
    h.writeUInt32LE(ENTRY_SIZE, 84);
    h.writeUInt32LE(arrayCrc, 88);
    h.writeUInt32LE(crc32(h.subarray(0, HEADER_SIZE)), 16);
    return h;
  };
  const mbr = Buffer.alloc(ss);
  writeMbrEntry(mbr, 0, {
    bootable: false,
    type: MBR_TYPE.protective,
    firstLba: 1,
    sectors: Math.min(totalSectors - 1, 0xffffffff),
  });
  mbr[510] = 0x55;
  mbr[511] = 0xaa;
  const backupEntriesLba = lastLba - entrySectors;
  return {
    protectiveMbr: { offset: 0, data: mbr },
    primary: { offset: ss, data: Buffer.concat([header(1, lastLba, 2), entries]) },
    backup: {
      offset: backupEntriesLba * ss,
      data: Buffer.concat([entries, header(lastLba, 1, backupEntriesLba)]),
    },
  };
}

export interface MbrPartition {
  bootable: boolean;
  type: number;
  firstLba: number;
  sectors: number;
}

/** A DOS partition table (up to four primaries) with its disk signature, in LBA 0. */
export function buildMbr(
  sectorSize: number,
  signature: number,
  partitions: readonly MbrPartition[],
): DiskWrite {
  if (partitions.length > 4) throw new RangeError('an MBR holds at most four primary partitions');
  const mbr = Buffer.alloc(sectorSize);
  mbr.writeUInt32LE(signature >>> 0, 440);
  partitions.forEach((p, i) => writeMbrEntry(mbr, i, p));
  mbr[510] = 0x55;
  mbr[511] = 0xaa;
  return { offset: 0, data: mbr };
}

function writeMbrEntry(mbr: Buffer, index: number, p: MbrPartition): void {
  if (p.firstLba > 0xffffffff || p.sectors > 0xffffffff) {
    throw new RangeError('MBR partitions must lie within the first 2 TiB');
  }
  const at = 446 + index * 16;
  mbr[at] = p.bootable ? 0x80 : 0;
  // CHS fields are meaningless on LBA disks; the conventional "beyond 8 GiB" marker.
  mbr.writeUIntBE(0xfeffff, at + 1, 3);
  mbr[at + 4] = p.type;
  mbr.writeUIntBE(0xfeffff, at + 5, 3);
  mbr.writeUInt32LE(p.firstLba, at + 8);
  mbr.writeUInt32LE(p.sectors, at + 12);
}

export interface PartitionInfo {
  /** 1-based, as the kernel numbers them. */
  number: number;
  /** Byte offset on the disk. */
  start: number;
  /** Bytes. */
  size: number;
  /** GPT type GUID, or the MBR type as `0x83`. */
  type: string;
  /** PARTUUID as lsblk shows it. */
  uuid: string;
  name: string;
  bootable: boolean;
}

export interface PartitionTable {
  kind: 'gpt' | 'mbr';
  /** GPT disk GUID, or the MBR signature as `0x%08x`. */
  diskId: string;
  /** IPA's "disk identifier": the 4 bytes at 440 as `0x%08x` (zero on most GPT disks). */
  mbrSignature: string;
  sectorSize: number;
  partitions: PartitionInfo[];
  /** GPT only: the parsed table, ready to be rebuilt (backup moved, a partition added). */
  gpt?: GptDisk & { backupLba: number; lastUsableLba: number };
}

/** Reads a GPT (primary, else backup) or an MBR; null when the disk has neither. */
export async function readPartitionTable(
  read: ReadAt,
  sectorSize: number,
  diskSize: number,
): Promise<PartitionTable | null> {
  const lba0 = Buffer.from(await read(0, Math.max(512, sectorSize)));
  if (lba0.length < 512) return null;
  const mbrSignature = hex32(lba0.readUInt32LE(440));
  const hasBootSignature = lba0[510] === 0x55 && lba0[511] === 0xaa;
  const totalSectors = Math.floor(diskSize / sectorSize);
  const gpt =
    (await readGptAt(read, sectorSize, 1)) ??
    (totalSectors > 1 ? await readGptAt(read, sectorSize, totalSectors - 1) : null);
  if (gpt) {
    return {
      kind: 'gpt',
      diskId: gpt.diskGuid,
      mbrSignature,
      sectorSize,
      partitions: gpt.partitions.map((p, i) => ({
        number: (p.slot ?? i) + 1,
        start: p.firstLba * sectorSize,
        size: (p.lastLba - p.firstLba + 1) * sectorSize,
        type: p.type,
        uuid: p.guid,
        name: p.name ?? '',
        bootable: (p.attributes ?? 0n) & 4n ? true : false,
      })),
      gpt: { ...gpt, sectorSize, totalSectors },
    };
  }
  if (!hasBootSignature) return null;
  const partitions: PartitionInfo[] = [];
  for (let i = 0; i < 4; i++) {
    const at = 446 + i * 16;
    const type = lba0[at + 4]!;
    const first = lba0.readUInt32LE(at + 8);
    const sectors = lba0.readUInt32LE(at + 12);
    if (type === 0 || sectors === 0) continue;
    if (type === MBR_TYPE.protective) return null; // a GPT disk whose tables are both damaged
    partitions.push({
      number: i + 1,
      start: first * sectorSize,
      size: sectors * sectorSize,
      type: `0x${type.toString(16).padStart(2, '0')}`,
      uuid: `${mbrSignature.slice(2)}-${String(i + 1).padStart(2, '0')}`,
      name: '',
      bootable: lba0[at] === 0x80,
    });
  }
  // A boot sector of a bare file system also ends in 55 AA; without entries it is no table.
  if (partitions.length === 0) return null;
  return { kind: 'mbr', diskId: mbrSignature, mbrSignature, sectorSize, partitions };
}

async function readGptAt(
  read: ReadAt,
  ss: number,
  lba: number,
): Promise<(GptDisk & { backupLba: number; lastUsableLba: number }) | null> {
  const h = Buffer.from(await read(lba * ss, ss));
  if (h.length < HEADER_SIZE || !h.subarray(0, 8).equals(SIGNATURE)) return null;
  const size = h.readUInt32LE(12);
  if (size < HEADER_SIZE || size > ss) return null;
  const copy = Buffer.from(h.subarray(0, size));
  copy.writeUInt32LE(0, 16);
  if (crc32(copy) !== h.readUInt32LE(16)) return null;
  const myLba = Number(h.readBigUInt64LE(24));
  if (myLba !== lba) return null;
  const altLba = Number(h.readBigUInt64LE(32));
  const lastUsable = Number(h.readBigUInt64LE(48));
  const entriesLba = Number(h.readBigUInt64LE(72));
  const count = h.readUInt32LE(80);
  const entrySize = h.readUInt32LE(84);
  if (entrySize < 128 || count > 4096) return null;
  const entries = Buffer.from(await read(entriesLba * ss, count * entrySize));
  if (entries.length < count * entrySize || crc32(entries) !== h.readUInt32LE(88)) return null;
  const partitions: GptPartition[] = [];
  for (let i = 0; i < count; i++) {
    const e = entries.subarray(i * entrySize, (i + 1) * entrySize);
    if (e.subarray(0, 16).every((b) => b === 0)) continue;
    const nameRaw = e.subarray(56, 128).toString('utf16le');
    const nul = nameRaw.indexOf('\0');
    partitions.push({
      type: guidFromBytes(e.subarray(0, 16)),
      guid: guidFromBytes(e.subarray(16, 32)),
      firstLba: Number(e.readBigUInt64LE(32)),
      lastLba: Number(e.readBigUInt64LE(40)),
      attributes: e.readBigUInt64LE(48),
      slot: i,
      name: nul >= 0 ? nameRaw.slice(0, nul) : nameRaw,
    });
  }
  return {
    sectorSize: ss,
    totalSectors: 0,
    diskGuid: guidFromBytes(h.subarray(56, 72)),
    partitions,
    backupLba: lba === 1 ? altLba : lba,
    lastUsableLba: lastUsable,
  };
}

/** Partition device path as the kernel names it: `p` between a name ending in a digit and n. */
export function partitionPath(device: string, number: number): string {
  return /\d$/.test(device) ? `${device}p${number}` : `${device}${number}`;
}

export function hex32(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
}
