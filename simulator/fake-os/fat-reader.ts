/**
 * Reads FAT16/FAT32 file systems (EFI system partitions) from a byte source: enough of the
 * format for `mount` to show the directory tree and file contents, read-only. Long file names
 * (VFAT LFN entries) are honoured, as Linux shows them.
 */
export type ReadBytes = (offset: number, length: number) => Uint8Array;

export interface FatEntry {
  name: string;
  directory: boolean;
  size: number;
  cluster: number;
}

interface Geometry {
  bytesPerSector: number;
  sectorsPerCluster: number;
  fatOffset: number;
  fat32: boolean;
  rootDirOffset: number;
  rootDirBytes: number;
  rootCluster: number;
  dataOffset: number;
  clusterBytes: number;
  clusterCount: number;
}

/** Caps on what a (possibly corrupt) image can make us read. */
const MAX_CHAIN = 1 << 20;
const MAX_ENTRIES = 65_536;

export class FatReader {
  private readonly g: Geometry;

  constructor(private readonly read: ReadBytes) {
    const bpb = Buffer.from(read(0, 512));
    const bytesPerSector = bpb.readUInt16LE(11);
    const sectorsPerCluster = bpb[13]!;
    const reserved = bpb.readUInt16LE(14);
    const fats = bpb[16]!;
    const rootEntries = bpb.readUInt16LE(17);
    const total = bpb.readUInt16LE(19) || bpb.readUInt32LE(32);
    const fatSize = bpb.readUInt16LE(22) || bpb.readUInt32LE(36);
    if (
      ![512, 1024, 2048, 4096].includes(bytesPerSector) ||
      sectorsPerCluster === 0 ||
      fats === 0
    ) {
      throw new Error('not a FAT file system');
    }
    const rootDirSectors = Math.ceil((rootEntries * 32) / bytesPerSector);
    const firstData = reserved + fats * fatSize + rootDirSectors;
    const clusterCount = Math.floor((total - firstData) / sectorsPerCluster);
    if (clusterCount < 4085) throw new Error('FAT12 is not supported');
    const fat32 = clusterCount >= 65525;
    this.g = {
      bytesPerSector,
      sectorsPerCluster,
      fatOffset: reserved * bytesPerSector,
      fat32,
      rootDirOffset: (reserved + fats * fatSize) * bytesPerSector,
      rootDirBytes: rootDirSectors * bytesPerSector,
      rootCluster: fat32 ? bpb.readUInt32LE(44) : 0,
      dataOffset: firstData * bytesPerSector,
      clusterBytes: sectorsPerCluster * bytesPerSector,
      clusterCount,
    };
  }

  /** Entries of the directory at `path` (`/`, `/EFI/BOOT`); names matched case-insensitively. */
  list(path: string): FatEntry[] {
    let entries = this.rootEntries();
    for (const part of path.split('/').filter(Boolean)) {
      const next = entries.find((e) => e.directory && e.name.toLowerCase() === part.toLowerCase());
      if (!next) throw new Error(`${path}: no such directory`);
      entries = this.parseDirectory(this.readChain(next.cluster));
    }
    return entries;
  }

  readFile(entry: FatEntry): Uint8Array {
    return this.readChain(entry.cluster).subarray(0, entry.size);
  }

  private rootEntries(): FatEntry[] {
    const bytes = this.g.fat32
      ? this.readChain(this.g.rootCluster)
      : Buffer.from(this.read(this.g.rootDirOffset, this.g.rootDirBytes));
    return this.parseDirectory(bytes);
  }

  private readChain(first: number): Buffer {
    const parts: Uint8Array[] = [];
    let cluster = first;
    for (let n = 0; n < MAX_CHAIN && cluster >= 2 && cluster < this.g.clusterCount + 2; n++) {
      parts.push(
        this.read(this.g.dataOffset + (cluster - 2) * this.g.clusterBytes, this.g.clusterBytes),
      );
      cluster = this.next(cluster);
    }
    return Buffer.concat(parts);
  }

  private next(cluster: number): number {
    if (this.g.fat32) {
      const value =
        Buffer.from(this.read(this.g.fatOffset + cluster * 4, 4)).readUInt32LE(0) & 0x0fffffff;
      return value >= 0x0ffffff8 ? -1 : value;
    }
    const value = Buffer.from(this.read(this.g.fatOffset + cluster * 2, 2)).readUInt16LE(0);
    return value >= 0xfff8 ? -1 : value;
  }

  private parseDirectory(bytes: Buffer): FatEntry[] {
    const out: FatEntry[] = [];
    let lfn: string[] = [];
    for (let at = 0; at + 32 <= bytes.length && out.length < MAX_ENTRIES; at += 32) {
      const e = bytes.subarray(at, at + 32);
      if (e[0] === 0x00) break;
      if (e[0] === 0xe5) {
        lfn = [];
        continue;
      }
      const attr = e[11]!;
      if (attr === 0x0f) {
        const part = Buffer.concat([
          e.subarray(1, 11),
          e.subarray(14, 26),
          e.subarray(28, 32),
        ]).toString('utf16le');
        const text = part.replace(/\0[\s\S]*$/, '').replace(/\uffff+$/, '');
        if ((e[0]! & 0x40) !== 0) lfn = [text];
        else lfn.unshift(text);
        continue;
      }
      if ((attr & 0x08) !== 0) {
        lfn = [];
        continue;
      }
      const short = shortName(e);
      const name = lfn.length > 0 ? lfn.join('') : short;
      lfn = [];
      if (short === '.' || short === '..') continue;
      const cluster = (e.readUInt16LE(20) << 16) | e.readUInt16LE(26);
      out.push({ name, directory: (attr & 0x10) !== 0, size: e.readUInt32LE(28), cluster });
    }
    return out;
  }
}

/** 8.3 name with the lower-case flags Windows NT sets (byte 12), as Linux displays it. */
function shortName(e: Buffer): string {
  let base = e.subarray(0, 8).toString('latin1').trimEnd();
  let ext = e.subarray(8, 11).toString('latin1').trimEnd();
  if (base.charCodeAt(0) === 0x05) base = `\u00e5${base.slice(1)}`;
  if ((e[12]! & 0x08) !== 0) base = base.toLowerCase();
  if ((e[12]! & 0x10) !== 0) ext = ext.toLowerCase();
  return ext ? `${base}.${ext}` : base;
}
