import type { SparseDisk } from './sparse-disk';

/**
 * What a disk holds, read back from its bytes the way the kernel and blkid read a real one:
 * the partition table (GPT, else MBR) and the file system signature of each partition. This is
 * how the simulator proves what was written ("which image? erased?") without trusting anyone's
 * word for it.
 */
export interface FileSystemInfo {
  type: 'ext4' | 'ext3' | 'ext2' | 'xfs' | 'vfat' | 'swap' | 'linux_raid_member' | 'iso9660';
  uuid: string | null;
  label: string | null;
}

export interface PartitionInfo {
  number: number;
  startBytes: number;
  sizeBytes: number;
  /** GPT type GUID (lower case) or MBR type as `0x83`. */
  type: string;
  /** GPT unique partition GUID, or `<disk signature>-<NN>` for MBR, as lsblk's PARTUUID. */
  uuid: string;
  /** GPT partition name (PARTLABEL); null for MBR. */
  name: string | null;
  fs: FileSystemInfo | null;
}

export interface DiskLayout {
  table: 'gpt' | 'dos' | null;
  /** GPT disk GUID or MBR disk signature (PTUUID). */
  tableUuid: string | null;
  partitions: PartitionInfo[];
  /** A file system directly on the whole disk (no table), e.g. a RAID member or an ISO. */
  fs: FileSystemInfo | null;
}

const GPT_SIGNATURE = 'EFI PART';
const MAX_GPT_ENTRIES = 256;

export function readDiskLayout(disk: SparseDisk, sectorSize: number): DiskLayout {
  const gpt = readGpt(disk, sectorSize);
  if (gpt) return gpt;
  const mbr = readMbr(disk, sectorSize);
  if (mbr) return mbr;
  return {
    table: null,
    tableUuid: null,
    partitions: [],
    fs: probeFileSystem(disk, 0, disk.sizeBytes),
  };
}

/** Kernel name of partition `n` of `disk`: sda1, but nvme0n1p1. */
export function partitionName(disk: string, n: number): string {
  return /\d$/.test(disk) ? `${disk}p${n}` : `${disk}${n}`;
}

function readGpt(disk: SparseDisk, sectorSize: number): DiskLayout | null {
  if (disk.sizeBytes < sectorSize * 3) return null;
  const header = Buffer.from(disk.read(sectorSize, 92));
  if (header.subarray(0, 8).toString('latin1') !== GPT_SIGNATURE) return null;
  const entriesLba = Number(header.readBigUInt64LE(72));
  const count = Math.min(header.readUInt32LE(80), MAX_GPT_ENTRIES);
  const entrySize = header.readUInt32LE(84);
  if (entrySize < 128 || entrySize > 4096) return null;
  const entriesOffset = entriesLba * sectorSize;
  if (!Number.isSafeInteger(entriesOffset) || entriesOffset + count * entrySize > disk.sizeBytes)
    return null;
  const entries = Buffer.from(disk.read(entriesOffset, count * entrySize));
  const partitions: PartitionInfo[] = [];
  for (let i = 0; i < count; i++) {
    const entry = entries.subarray(i * entrySize, (i + 1) * entrySize);
    const type = guid(entry.subarray(0, 16));
    if (type === '00000000-0000-0000-0000-000000000000') continue;
    const first = Number(entry.readBigUInt64LE(32));
    const last = Number(entry.readBigUInt64LE(40));
    if (last < first) continue;
    const startBytes = first * sectorSize;
    const sizeBytes = (last - first + 1) * sectorSize;
    if (startBytes + sizeBytes > disk.sizeBytes) continue;
    const name = entry.subarray(56, 128).toString('utf16le').replace(/\0.*$/s, '');
    partitions.push({
      number: i + 1,
      startBytes,
      sizeBytes,
      type,
      uuid: guid(entry.subarray(16, 32)),
      name: name || null,
      fs: probeFileSystem(disk, startBytes, sizeBytes),
    });
  }
  return { table: 'gpt', tableUuid: guid(header.subarray(56, 72)), partitions, fs: null };
}

function readMbr(disk: SparseDisk, sectorSize: number): DiskLayout | null {
  if (disk.sizeBytes < 512) return null;
  const mbr = Buffer.from(disk.read(0, 512));
  if (mbr[510] !== 0x55 || mbr[511] !== 0xaa) return null;
  // A FAT boot sector also ends in 55 AA; it names its file system where a table would not.
  if (
    mbr.subarray(82, 87).toString('latin1') === 'FAT32' ||
    mbr.subarray(54, 59).toString('latin1').startsWith('FAT1')
  ) {
    return null;
  }
  const signature = mbr.readUInt32LE(440).toString(16).padStart(8, '0');
  const partitions: PartitionInfo[] = [];
  for (let i = 0; i < 4; i++) {
    const at = 446 + i * 16;
    const typeCode = mbr[at + 4]!;
    const start = mbr.readUInt32LE(at + 8);
    const sectors = mbr.readUInt32LE(at + 12);
    if (typeCode === 0 || sectors === 0) continue;
    const startBytes = start * sectorSize;
    const sizeBytes = Math.min(sectors * sectorSize, Math.max(0, disk.sizeBytes - startBytes));
    if (sizeBytes === 0) continue;
    partitions.push({
      number: i + 1,
      startBytes,
      sizeBytes,
      type: `0x${typeCode.toString(16)}`,
      uuid: `${signature}-${String(i + 1).padStart(2, '0')}`,
      name: null,
      fs: probeFileSystem(disk, startBytes, sizeBytes),
    });
  }
  return { table: 'dos', tableUuid: signature, partitions, fs: null };
}

/** blkid's view of a file system starting at `offset`, for the formats a deploy meets. */
export function probeFileSystem(
  disk: SparseDisk,
  offset: number,
  size: number,
): FileSystemInfo | null {
  const read = (at: number, length: number) =>
    at + length <= size ? Buffer.from(disk.read(offset + at, length)) : Buffer.alloc(0);
  const ext = read(1024, 256);
  if (ext.length === 256 && ext.readUInt16LE(56) === 0xef53) {
    const compat = ext.readUInt32LE(92);
    const incompat = ext.readUInt32LE(96);
    const type = incompat & 0x40 ? 'ext4' : compat & 0x4 ? 'ext3' : 'ext2';
    return {
      type,
      uuid: guidBigEndian(ext.subarray(104, 120)),
      label: cString(ext.subarray(120, 136)),
    };
  }
  const boot = read(0, 512);
  if (boot.length === 512) {
    if (boot.subarray(0, 4).toString('latin1') === 'XFSB') {
      return {
        type: 'xfs',
        uuid: guidBigEndian(boot.subarray(32, 48)),
        label: cString(boot.subarray(108, 120)),
      };
    }
    if (boot.subarray(82, 90).toString('latin1') === 'FAT32   ') {
      return {
        type: 'vfat',
        uuid: fatSerial(boot.readUInt32LE(67)),
        label: fatLabel(boot.subarray(71, 82)),
      };
    }
    if (boot.subarray(54, 62).toString('latin1').startsWith('FAT1')) {
      return {
        type: 'vfat',
        uuid: fatSerial(boot.readUInt32LE(39)),
        label: fatLabel(boot.subarray(43, 54)),
      };
    }
  }
  const md = read(4096, 64);
  if (md.length === 64 && md.readUInt32LE(0) === 0xa92b4efc) {
    return {
      type: 'linux_raid_member',
      uuid: mdUuid(md.subarray(16, 32)),
      label: cString(md.subarray(32, 64)),
    };
  }
  const swap = read(4086, 10);
  if (swap.toString('latin1') === 'SWAPSPACE2') {
    const head = read(1024, 64);
    return {
      type: 'swap',
      uuid: guidBigEndian(head.subarray(12, 28)),
      label: cString(head.subarray(28, 44)),
    };
  }
  const iso = read(32768, 48);
  if (iso.subarray(1, 6).toString('latin1') === 'CD001') {
    return {
      type: 'iso9660',
      uuid: null,
      label: iso.subarray(40, 72).toString('latin1').trim() || null,
    };
  }
  return null;
}

/** GPT's mixed-endian GUID encoding. */
function guid(b: Buffer): string {
  const hex = (s: Buffer) => s.toString('hex');
  const le = (s: Buffer) => hex(Buffer.from(s).reverse());
  return `${le(b.subarray(0, 4))}-${le(b.subarray(4, 6))}-${le(b.subarray(6, 8))}-${hex(b.subarray(8, 10))}-${hex(b.subarray(10, 16))}`;
}

/** UUIDs file systems store as 16 plain bytes. */
function guidBigEndian(b: Buffer): string {
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

function mdUuid(b: Buffer): string {
  const h = b.toString('hex');
  return `${h.slice(0, 8)}:${h.slice(8, 16)}:${h.slice(16, 24)}:${h.slice(24, 32)}`;
}

function fatSerial(n: number): string {
  const h = n.toString(16).toUpperCase().padStart(8, '0');
  return `${h.slice(0, 4)}-${h.slice(4)}`;
}

function fatLabel(b: Buffer): string | null {
  const label = b.toString('latin1').trim();
  return label === '' || label === 'NO NAME' ? null : label;
}

function cString(b: Buffer): string | null {
  const end = b.indexOf(0);
  const text = b.subarray(0, end < 0 ? b.length : end).toString('utf8');
  return text === '' ? null : text;
}
