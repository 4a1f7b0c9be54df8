import type { DiskWrite, ReadAt } from './partition-table';

/**
 * A FAT16/FAT32 file system written from a list of files, the way `mkfs.vfat` lays it out:
 * reserved region (boot sector, FSInfo and their backups for FAT32), two FATs, the root
 * directory, then data clusters allocated in order. Long names get VFAT long-name entries.
 * Only the metadata and used clusters are written, so a 550 MiB ESP costs a few hundred KiB.
 */
export interface FatFile {
  /** Slash-separated path below the root, e.g. `EFI/BOOT/BOOTX64.EFI`. */
  path: string;
  data: Uint8Array;
}

export interface FatOptions {
  sizeBytes: number;
  /** Logical sector size of the medium (512 or 4096). */
  sectorSize?: number;
  /** Volume label, at most 11 characters. */
  label: string;
  /** The 32-bit serial number blkid shows as UUID `XXXX-XXXX`. */
  volumeId: number;
  files?: readonly FatFile[];
  /** Sectors before the file system on its disk (BPB field; informational). */
  hiddenSectors?: number;
  /** Timestamp of every entry (fixed for reproducible images). */
  time?: Date;
}

export interface FatImage {
  type: 'FAT16' | 'FAT32';
  clusterSize: number;
  /** `XXXX-XXXX`, as blkid prints a FAT serial. */
  uuid: string;
  writes: DiskWrite[];
}

const DIR_ENTRY = 32;
const FAT16_ROOT_ENTRIES = 512;
const ATTR_DIR = 0x10;
const ATTR_ARCHIVE = 0x20;
const ATTR_LABEL = 0x08;
const ATTR_LFN = 0x0f;

interface Geometry {
  type: 'FAT16' | 'FAT32';
  sectorsPerCluster: number;
  reserved: number;
  fatSectors: number;
  rootDirSectors: number;
  clusters: number;
  totalSectors: number;
}

function geometry(
  type: 'FAT16' | 'FAT32',
  ss: number,
  total: number,
  spc: number,
): Geometry | null {
  const reserved = type === 'FAT32' ? 32 : 1;
  const rootDirSectors = type === 'FAT16' ? Math.ceil((FAT16_ROOT_ENTRIES * DIR_ENTRY) / ss) : 0;
  const entryBytes = type === 'FAT32' ? 4 : 2;
  let fat = 1;
  for (;;) {
    const data = total - reserved - 2 * fat - rootDirSectors;
    if (data <= 0) return null;
    const clusters = Math.floor(data / spc);
    const need = Math.ceil(((clusters + 2) * entryBytes) / ss);
    if (need <= fat) {
      return {
        type,
        sectorsPerCluster: spc,
        reserved,
        fatSectors: fat,
        rootDirSectors,
        clusters,
        totalSectors: total,
      };
    }
    fat = need;
  }
}

/** FAT32 where it is legal (≥ 65525 clusters), else FAT16, with Microsoft's cluster sizes. */
export function chooseGeometry(sizeBytes: number, ss: number): Geometry {
  const total = Math.floor(sizeBytes / ss);
  const mib = sizeBytes / 2 ** 20;
  const clusterBytes =
    mib <= 260 ? 512 : mib <= 8192 ? 4096 : mib <= 16384 ? 8192 : mib <= 32768 ? 16384 : 32768;
  const g32 = geometry('FAT32', ss, total, Math.max(1, clusterBytes / ss));
  if (g32 && g32.clusters >= 65525 && g32.clusters < 0x0ffffff5) return g32;
  for (let spc = 1; spc <= 64; spc *= 2) {
    const g16 = geometry('FAT16', ss, total, spc);
    if (g16 && g16.clusters >= 4085 && g16.clusters < 65525) return g16;
  }
  throw new RangeError(`no FAT16/FAT32 layout fits ${sizeBytes} bytes`);
}

interface DirNode {
  kind: 'dir';
  name: string;
  children: Map<string, DirNode | FileNode>;
  cluster: number;
  entries: Buffer | null;
}
interface FileNode {
  kind: 'file';
  name: string;
  data: Uint8Array;
  cluster: number;
}

export function buildFat(options: FatOptions): FatImage {
  const ss = options.sectorSize ?? 512;
  const g = chooseGeometry(options.sizeBytes, ss);
  const clusterSize = g.sectorsPerCluster * ss;
  const time = options.time ?? new Date(Date.UTC(2026, 0, 1));
  const root: DirNode = { kind: 'dir', name: '', children: new Map(), cluster: 0, entries: null };
  for (const f of options.files ?? []) addFile(root, f);

  // Cluster allocation, depth first, directories before their contents.
  let next = 2;
  const chains: { first: number; count: number }[] = [];
  const alloc = (bytes: number): number => {
    const count = Math.max(1, Math.ceil(bytes / clusterSize));
    if (next + count > g.clusters + 2) throw new RangeError('files do not fit the file system');
    const first = next;
    next += count;
    chains.push({ first, count });
    return first;
  };
  const dirBytes = (dir: DirNode, isRoot: boolean): number => {
    let n = isRoot ? 1 : 2; // label, or . and ..
    for (const child of dir.children.values()) n += entryCount(child.name);
    return n * DIR_ENTRY;
  };
  const place = (dir: DirNode, isRoot: boolean) => {
    if (!isRoot || g.type === 'FAT32') dir.cluster = alloc(dirBytes(dir, isRoot));
    for (const child of dir.children.values()) {
      if (child.kind === 'dir') place(child, false);
      else child.cluster = child.data.length > 0 ? alloc(child.data.length) : 0;
    }
  };
  place(root, true);
  if (g.type === 'FAT16' && dirBytes(root, true) > FAT16_ROOT_ENTRIES * DIR_ENTRY) {
    throw new RangeError('too many entries in a FAT16 root directory');
  }

  const used = next - 2;
  const dataRegion = Buffer.alloc(used * clusterSize);
  const clusterOffset = (c: number) => (c - 2) * clusterSize;
  const fill = (dir: DirNode, parent: DirNode | null) => {
    const isRoot = parent === null;
    const buf = Buffer.alloc(
      isRoot && g.type === 'FAT16'
        ? g.rootDirSectors * ss
        : Math.ceil(dirBytes(dir, isRoot) / clusterSize) * clusterSize,
    );
    let at = 0;
    const put = (entry: Buffer) => {
      entry.copy(buf, at);
      at += DIR_ENTRY;
    };
    if (isRoot) {
      put(shortEntry(padName(options.label), ATTR_LABEL, 0, 0, time));
    } else {
      put(shortEntry(Buffer.from('.          ', 'latin1'), ATTR_DIR, dir.cluster, 0, time));
      // `..` of a directory in the root names cluster 0, whatever the root's real cluster.
      const up = parent === root ? 0 : parent.cluster;
      put(shortEntry(Buffer.from('..         ', 'latin1'), ATTR_DIR, up, 0, time));
    }
    const taken = new Set<string>();
    for (const child of dir.children.values()) {
      const { short, long } = shortNameFor(child.name, taken);
      if (long) for (const e of lfnEntries(child.name, short)) put(e);
      const isDir = child.kind === 'dir';
      put(
        shortEntry(
          short,
          isDir ? ATTR_DIR : ATTR_ARCHIVE,
          child.cluster,
          isDir ? 0 : child.data.length,
          time,
        ),
      );
    }
    dir.entries = buf;
    if (!(isRoot && g.type === 'FAT16')) buf.copy(dataRegion, clusterOffset(dir.cluster));
    for (const child of dir.children.values()) {
      if (child.kind === 'dir') fill(child, dir);
      else if (child.cluster)
        Buffer.from(child.data).copy(dataRegion, clusterOffset(child.cluster));
    }
  };
  fill(root, null);

  const fat = Buffer.alloc(g.fatSectors * ss);
  const eoc = g.type === 'FAT32' ? 0x0fffffff : 0xffff;
  const setFat = (c: number, v: number) =>
    g.type === 'FAT32' ? fat.writeUInt32LE(v, c * 4) : fat.writeUInt16LE(v, c * 2);
  setFat(0, g.type === 'FAT32' ? 0x0ffffff8 : 0xfff8);
  setFat(1, eoc);
  for (const { first, count } of chains) {
    for (let i = 0; i < count - 1; i++) setFat(first + i, first + i + 1);
    setFat(first + count - 1, eoc);
  }

  const reserved = Buffer.alloc(g.reserved * ss);
  const boot = bootSector(g, ss, options, root.cluster);
  boot.copy(reserved, 0);
  if (g.type === 'FAT32') {
    const info = Buffer.alloc(ss);
    info.writeUInt32LE(0x41615252, 0);
    info.writeUInt32LE(0x61417272, 484);
    info.writeUInt32LE(g.clusters - used, 488);
    info.writeUInt32LE(next, 492);
    info.writeUInt32LE(0xaa550000, 508);
    info.copy(reserved, ss);
    boot.copy(reserved, 6 * ss);
    info.copy(reserved, 7 * ss);
  }
  const fatStart = g.reserved * ss;
  const rootStart = fatStart + 2 * g.fatSectors * ss;
  const dataStart = rootStart + g.rootDirSectors * ss;
  const writes: DiskWrite[] = [
    { offset: 0, data: reserved },
    { offset: fatStart, data: fat },
    { offset: fatStart + g.fatSectors * ss, data: fat },
  ];
  if (g.type === 'FAT16') writes.push({ offset: rootStart, data: root.entries! });
  if (dataRegion.length > 0) writes.push({ offset: dataStart, data: dataRegion });
  return { type: g.type, clusterSize, uuid: fatUuid(options.volumeId), writes };
}

export function fatUuid(volumeId: number): string {
  const hex = (volumeId >>> 0).toString(16).toUpperCase().padStart(8, '0');
  return `${hex.slice(0, 4)}-${hex.slice(4)}`;
}

function bootSector(g: Geometry, ss: number, o: FatOptions, rootCluster: number): Buffer {
  const b = Buffer.alloc(ss);
  const fat32 = g.type === 'FAT32';
  b.set(fat32 ? [0xeb, 0x58, 0x90] : [0xeb, 0x3c, 0x90], 0);
  b.write('LABIMAGE', 3, 8, 'latin1');
  b.writeUInt16LE(ss, 11);
  b[13] = g.sectorsPerCluster;
  b.writeUInt16LE(g.reserved, 14);
  b[16] = 2;
  b.writeUInt16LE(fat32 ? 0 : FAT16_ROOT_ENTRIES, 17);
  const small = !fat32 && g.totalSectors < 0x10000;
  b.writeUInt16LE(small ? g.totalSectors : 0, 19);
  b[21] = 0xf8;
  b.writeUInt16LE(fat32 ? 0 : g.fatSectors, 22);
  b.writeUInt16LE(63, 24);
  b.writeUInt16LE(255, 26);
  b.writeUInt32LE(o.hiddenSectors ?? 0, 28);
  b.writeUInt32LE(small ? 0 : g.totalSectors, 32);
  let ext = 36;
  if (fat32) {
    b.writeUInt32LE(g.fatSectors, 36);
    b.writeUInt16LE(0, 40);
    b.writeUInt16LE(0, 42);
    b.writeUInt32LE(rootCluster, 44);
    b.writeUInt16LE(1, 48);
    b.writeUInt16LE(6, 50);
    ext = 64;
  }
  b[ext] = 0x80;
  b[ext + 2] = 0x29;
  b.writeUInt32LE(o.volumeId >>> 0, ext + 3);
  padName(o.label).copy(b, ext + 7);
  b.write(fat32 ? 'FAT32   ' : 'FAT16   ', ext + 18, 8, 'latin1');
  b[510] = 0x55;
  b[511] = 0xaa;
  return b;
}

function addFile(root: DirNode, f: FatFile): void {
  const parts = f.path.split('/').filter((p) => p.length > 0);
  if (parts.length === 0) throw new RangeError(`empty FAT path: ${f.path}`);
  let dir = root;
  for (const part of parts.slice(0, -1)) {
    const key = part.toUpperCase();
    let next = dir.children.get(key);
    if (!next) {
      next = { kind: 'dir', name: part, children: new Map(), cluster: 0, entries: null };
      dir.children.set(key, next);
    }
    if (next.kind !== 'dir') throw new RangeError(`${part} is a file in ${f.path}`);
    dir = next;
  }
  const name = parts[parts.length - 1]!;
  if (dir.children.has(name.toUpperCase())) throw new RangeError(`duplicate path ${f.path}`);
  dir.children.set(name.toUpperCase(), { kind: 'file', name, data: f.data, cluster: 0 });
}

const SHORT_CHARS = /^[A-Z0-9!#$%&'()@^_`{}~-]+$/;

function isPlainShortName(name: string): boolean {
  const dot = name.lastIndexOf('.');
  const base = dot >= 0 ? name.slice(0, dot) : name;
  const ext = dot >= 0 ? name.slice(dot + 1) : '';
  return (
    base.length >= 1 &&
    base.length <= 8 &&
    ext.length <= 3 &&
    SHORT_CHARS.test(base) &&
    (ext === '' || SHORT_CHARS.test(ext)) &&
    (dot < 0 || ext.length > 0)
  );
}

function entryCount(name: string): number {
  return isPlainShortName(name) ? 1 : 1 + Math.ceil(name.length / 13);
}

function shortNameFor(name: string, taken: Set<string>): { short: Buffer; long: boolean } {
  if (isPlainShortName(name)) {
    const dot = name.lastIndexOf('.');
    const base = dot >= 0 ? name.slice(0, dot) : name;
    const ext = dot >= 0 ? name.slice(dot + 1) : '';
    const s = base.padEnd(8) + ext.padEnd(3);
    taken.add(s);
    return { short: Buffer.from(s, 'latin1'), long: false };
  }
  const clean = (s: string) =>
    s
      .toUpperCase()
      .replace(/[^A-Z0-9!#$%&'()@^_`{}~-]/g, '')
      .replace(/^\.+/, '');
  const dot = name.lastIndexOf('.');
  const base = clean(dot > 0 ? name.slice(0, dot) : name) || 'FILE';
  const ext = clean(dot > 0 ? name.slice(dot + 1) : '').slice(0, 3);
  for (let n = 1; n < 1_000_000; n++) {
    const tail = `~${n}`;
    const s = (base.slice(0, 8 - tail.length) + tail).padEnd(8) + ext.padEnd(3);
    if (!taken.has(s)) {
      taken.add(s);
      return { short: Buffer.from(s, 'latin1'), long: true };
    }
  }
  throw new RangeError(`no short name left for ${name}`);
}

function lfnChecksum(short: Buffer): number {
  let sum = 0;
  for (let i = 0; i < 11; i++) sum = (((sum & 1) << 7) + (sum >> 1) + short[i]!) & 0xff;
  return sum;
}

function lfnEntries(name: string, short: Buffer): Buffer[] {
  const units = [...Buffer.from(name, 'utf16le')];
  const chars: number[] = [];
  for (let i = 0; i < units.length; i += 2) chars.push(units[i]! | (units[i + 1]! << 8));
  const pieces = Math.ceil(chars.length / 13);
  const padded = [...chars];
  if (padded.length < pieces * 13) padded.push(0);
  while (padded.length < pieces * 13) padded.push(0xffff);
  const sum = lfnChecksum(short);
  const out: Buffer[] = [];
  for (let seq = pieces; seq >= 1; seq--) {
    const e = Buffer.alloc(DIR_ENTRY);
    e[0] = seq | (seq === pieces ? 0x40 : 0);
    e[11] = ATTR_LFN;
    e[13] = sum;
    const part = padded.slice((seq - 1) * 13, seq * 13);
    const slots = [1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30];
    part.forEach((c, i) => e.writeUInt16LE(c, slots[i] ?? 0));
    out.push(e);
  }
  return out;
}

function shortEntry(name: Buffer, attr: number, cluster: number, size: number, t: Date): Buffer {
  const e = Buffer.alloc(DIR_ENTRY);
  name.copy(e, 0, 0, 11);
  e[11] = attr;
  const date = ((t.getUTCFullYear() - 1980) << 9) | ((t.getUTCMonth() + 1) << 5) | t.getUTCDate();
  const time = (t.getUTCHours() << 11) | (t.getUTCMinutes() << 5) | (t.getUTCSeconds() >> 1);
  if (attr !== ATTR_LABEL) {
    e.writeUInt16LE(time, 14);
    e.writeUInt16LE(date, 16);
    e.writeUInt16LE(date, 18);
  }
  e.writeUInt16LE((cluster >>> 16) & 0xffff, 20);
  e.writeUInt16LE(time, 22);
  e.writeUInt16LE(date, 24);
  e.writeUInt16LE(cluster & 0xffff, 26);
  e.writeUInt32LE(size, 28);
  return e;
}

function padName(label: string): Buffer {
  const b = Buffer.alloc(11, 0x20);
  b.write(label.slice(0, 11), 0, 'latin1');
  return b;
}

// ---------------------------------------------------------------------------------------------
// Reading: enough to find a file (e.g. /etc/os-release of an installed image) by path.

interface FatVolume {
  type: 'FAT16' | 'FAT32';
  ss: number;
  clusterSize: number;
  fatOffset: number;
  rootOffset: number;
  rootBytes: number;
  rootCluster: number;
  dataOffset: number;
  clusters: number;
}

export async function openFat(read: ReadAt, offset: number): Promise<FatVolume | null> {
  const b = Buffer.from(await read(offset, 512));
  if (b.length < 512 || b[510] !== 0x55 || b[511] !== 0xaa) return null;
  const ss = b.readUInt16LE(11);
  const spc = b[13]!;
  if (![512, 1024, 2048, 4096].includes(ss) || spc === 0 || (spc & (spc - 1)) !== 0) return null;
  const reserved = b.readUInt16LE(14);
  const nfats = b[16]!;
  const rootEntries = b.readUInt16LE(17);
  const total = b.readUInt16LE(19) || b.readUInt32LE(32);
  const fatSz = b.readUInt16LE(22) || b.readUInt32LE(36);
  if (nfats === 0 || fatSz === 0 || total === 0) return null;
  const rootSectors = Math.ceil((rootEntries * DIR_ENTRY) / ss);
  const dataSector = reserved + nfats * fatSz + rootSectors;
  const clusters = Math.floor((total - dataSector) / spc);
  if (clusters < 4085) return null; // FAT12 is not read
  const type = clusters < 65525 ? 'FAT16' : 'FAT32';
  return {
    type,
    ss,
    clusterSize: spc * ss,
    fatOffset: offset + reserved * ss,
    rootOffset: offset + (reserved + nfats * fatSz) * ss,
    rootBytes: rootSectors * ss,
    rootCluster: type === 'FAT32' ? b.readUInt32LE(44) : 0,
    dataOffset: offset + dataSector * ss,
    clusters,
  };
}

async function chain(
  read: ReadAt,
  v: FatVolume,
  first: number,
  maxBytes: number,
): Promise<number[]> {
  const out: number[] = [];
  let c = first;
  const entry = v.type === 'FAT32' ? 4 : 2;
  while (c >= 2 && c < v.clusters + 2 && out.length * v.clusterSize < maxBytes) {
    out.push(c);
    const raw = Buffer.from(await read(v.fatOffset + c * entry, entry));
    c = v.type === 'FAT32' ? raw.readUInt32LE(0) & 0x0fffffff : raw.readUInt16LE(0);
    if (out.includes(c)) break; // a loop in a damaged FAT
  }
  return out;
}

async function readChain(
  read: ReadAt,
  v: FatVolume,
  first: number,
  maxBytes: number,
): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (const c of await chain(read, v, first, maxBytes)) {
    parts.push(Buffer.from(await read(v.dataOffset + (c - 2) * v.clusterSize, v.clusterSize)));
  }
  return Buffer.concat(parts);
}

interface DirEntry {
  name: string;
  isDir: boolean;
  cluster: number;
  size: number;
}

function parseDir(buf: Buffer): DirEntry[] {
  const out: DirEntry[] = [];
  let lfn: string[] = [];
  for (let at = 0; at + DIR_ENTRY <= buf.length; at += DIR_ENTRY) {
    const first = buf[at]!;
    if (first === 0) break;
    if (first === 0xe5) {
      lfn = [];
      continue;
    }
    const attr = buf[at + 11]!;
    if (attr === ATTR_LFN) {
      let s = '';
      for (const slot of [1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30]) {
        const c = buf.readUInt16LE(at + slot);
        if (c === 0 || c === 0xffff) break;
        s += String.fromCharCode(c);
      }
      lfn.unshift(s);
      continue;
    }
    if (attr & ATTR_LABEL) {
      lfn = [];
      continue;
    }
    const base = buf.toString('latin1', at, at + 8).trimEnd();
    const ext = buf.toString('latin1', at + 8, at + 11).trimEnd();
    const name = lfn.length > 0 ? lfn.join('') : ext ? `${base}.${ext}` : base;
    lfn = [];
    if (name === '.' || name === '..') continue;
    out.push({
      name,
      isDir: (attr & ATTR_DIR) !== 0,
      cluster: (buf.readUInt16LE(at + 20) << 16) | buf.readUInt16LE(at + 26),
      size: buf.readUInt32LE(at + 28),
    });
  }
  return out;
}

/** Contents of a file of a FAT file system at `offset`, or null when it is not there. */
export async function readFatFile(
  read: ReadAt,
  offset: number,
  path: string,
  maxBytes = 1024 * 1024,
): Promise<Uint8Array | null> {
  const v = await openFat(read, offset);
  if (!v) return null;
  let entries = await rootEntries(read, v);
  const parts = path.split('/').filter((p) => p.length > 0);
  for (const [i, part] of parts.entries()) {
    const hit = entries.find((e) => e.name.toLowerCase() === part.toLowerCase());
    if (!hit) return null;
    const last = i === parts.length - 1;
    if (last) {
      if (hit.isDir || hit.size > maxBytes) return null;
      if (hit.size === 0) return new Uint8Array(0);
      return (await readChain(read, v, hit.cluster, hit.size)).subarray(0, hit.size);
    }
    if (!hit.isDir) return null;
    entries = parseDir(await readChain(read, v, hit.cluster, 4 * 1024 * 1024));
  }
  return null;
}

async function rootEntries(read: ReadAt, v: FatVolume): Promise<DirEntry[]> {
  return parseDir(
    v.type === 'FAT16'
      ? Buffer.from(await read(v.rootOffset, v.rootBytes))
      : await readChain(read, v, v.rootCluster, 4 * 1024 * 1024),
  );
}

/**
 * Every file below directory `dir` of a FAT file system at `offset`, paths relative to `dir`;
 * empty when there is no such directory. Files past `maxBytes` in total are left out.
 */
export async function readFatTree(
  read: ReadAt,
  offset: number,
  dir: string,
  maxBytes = 64 * 1024 * 1024,
): Promise<FatFile[]> {
  const v = await openFat(read, offset);
  if (!v) return [];
  const subdir = (e: DirEntry): Promise<DirEntry[]> =>
    readChain(read, v, e.cluster, 4 * 1024 * 1024).then(parseDir);
  let entries: DirEntry[] | null = await rootEntries(read, v);
  for (const part of dir.split('/').filter((p) => p.length > 0)) {
    const hit: DirEntry | undefined = entries?.find(
      (e) => e.isDir && e.name.toLowerCase() === part.toLowerCase(),
    );
    entries = hit ? await subdir(hit) : null;
  }
  const out: FatFile[] = [];
  let total = 0;
  const walk = async (list: DirEntry[], prefix: string, depth: number): Promise<void> => {
    for (const e of list) {
      const path = `${prefix}${e.name}`;
      if (e.isDir) {
        if (depth < 16) await walk(await subdir(e), `${path}/`, depth + 1);
      } else if (total + e.size <= maxBytes) {
        total += e.size;
        const data = e.size === 0 ? new Uint8Array(0) : await readChain(read, v, e.cluster, e.size);
        out.push({ path, data: data.subarray(0, e.size) });
      }
    }
  };
  if (entries) await walk(entries, '', 0);
  return out;
}
