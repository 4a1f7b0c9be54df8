/**
 * Builds a small FAT32 file system image (an EFI system partition) for tests, as mkfs.vfat and
 * mcopy would lay it out: 512-byte clusters, one cluster per directory or file.
 */
export interface FatFile {
  path: string;
  content: string;
  /** Store the name as a VFAT long name instead of an 8.3 name with case flags. */
  longName?: boolean;
}

const SECTOR = 512;
const CLUSTERS = 70_000;

export function buildFat32(files: FatFile[], serial = 0xabcd1234): Map<number, Uint8Array> {
  const reserved = 32;
  const fatSectors = Math.ceil(((CLUSTERS + 2) * 4) / SECTOR);
  const total = reserved + 2 * fatSectors + CLUSTERS;
  const dataStart = (reserved + 2 * fatSectors) * SECTOR;
  const writes = new Map<number, Uint8Array>();
  const bpb = Buffer.alloc(SECTOR);
  bpb.set([0xeb, 0x58, 0x90], 0);
  bpb.write('mkfs.fat', 3, 'latin1');
  bpb.writeUInt16LE(SECTOR, 11);
  bpb[13] = 1;
  bpb.writeUInt16LE(reserved, 14);
  bpb[16] = 2;
  bpb[21] = 0xf8;
  bpb.writeUInt32LE(total, 32);
  bpb.writeUInt32LE(fatSectors, 36);
  bpb.writeUInt32LE(2, 44);
  bpb.writeUInt32LE(serial, 67);
  bpb.write('EFI        ', 71, 'latin1');
  bpb.write('FAT32   ', 82, 'latin1');
  bpb[510] = 0x55;
  bpb[511] = 0xaa;
  writes.set(0, bpb);

  let nextCluster = 3;
  const fat = new Map<number, number>([
    [0, 0x0ffffff8],
    [1, 0x0fffffff],
    [2, 0x0fffffff],
  ]);
  const dirs = new Map<string, { cluster: number; entries: Buffer[] }>([
    ['', { cluster: 2, entries: [] }],
  ]);
  const ensureDir = (path: string): { cluster: number; entries: Buffer[] } => {
    const existing = dirs.get(path);
    if (existing) return existing;
    const parent = ensureDir(path.split('/').slice(0, -1).join('/'));
    const cluster = nextCluster++;
    fat.set(cluster, 0x0fffffff);
    const dir = { cluster, entries: [] as Buffer[] };
    dirs.set(path, dir);
    parent.entries.push(entry(path.split('/').pop()!, 0x10, cluster, 0));
    return dir;
  };
  for (const file of files) {
    const parts = file.path.split('/').filter(Boolean);
    const dir = ensureDir(parts.slice(0, -1).join('/'));
    const cluster = nextCluster++;
    fat.set(cluster, 0x0fffffff);
    const data = Buffer.from(file.content, 'latin1');
    if (data.length > SECTOR) throw new Error('test files fit in one cluster');
    writes.set(dataStart + (cluster - 2) * SECTOR, data);
    const name = parts[parts.length - 1]!;
    if (file.longName) dir.entries.push(...longNameEntries(name, shortAlias(name)));
    dir.entries.push(entry(file.longName ? shortAlias(name) : name, 0x20, cluster, data.length));
  }
  for (const dir of dirs.values())
    writes.set(dataStart + (dir.cluster - 2) * SECTOR, Buffer.concat(dir.entries));
  const table = Buffer.alloc(nextCluster * 4);
  for (const [n, v] of fat) table.writeUInt32LE(v, n * 4);
  writes.set(reserved * SECTOR, table);
  writes.set((reserved + fatSectors) * SECTOR, table);
  return writes;
}

/** An 8.3 entry; an all-lower-case name is stored upper case with the NT case flags. */
function entry(name: string, attr: number, cluster: number, size: number): Buffer {
  const e = Buffer.alloc(32);
  const [base, ext = ''] = name.split('.');
  e.write(base!.toUpperCase().padEnd(8).slice(0, 8), 0, 'latin1');
  e.write(ext.toUpperCase().padEnd(3).slice(0, 3), 8, 'latin1');
  e[11] = attr;
  if (base === base!.toLowerCase() && /[a-z]/.test(base)) e[12] = e[12]! | 0x08;
  if (ext === ext.toLowerCase() && /[a-z]/.test(ext)) e[12] = e[12]! | 0x10;
  e.writeUInt16LE(cluster >> 16, 20);
  e.writeUInt16LE(cluster & 0xffff, 26);
  e.writeUInt32LE(size, 28);
  return e;
}

function shortAlias(name: string): string {
  const [base, ext = ''] = name.toUpperCase().split('.');
  return `${base!.replace(/[^A-Z0-9]/g, '').slice(0, 6)}~1.${ext.slice(0, 3)}`;
}

function longNameEntries(name: string, alias: string): Buffer[] {
  const short = Buffer.alloc(11);
  const [base, ext = ''] = alias.split('.');
  short.write(base!.padEnd(8), 0, 'latin1');
  short.write(ext.padEnd(3), 8, 'latin1');
  let sum = 0;
  for (const c of short) sum = (((sum & 1) << 7) + (sum >> 1) + c) & 0xff;
  const units = [...name].map((c) => c.charCodeAt(0));
  units.push(0);
  while (units.length % 13 !== 0) units.push(0xffff);
  const out: Buffer[] = [];
  const count = units.length / 13;
  for (let i = 0; i < count; i++) {
    const e = Buffer.alloc(32);
    e[0] = (i + 1) | (i === count - 1 ? 0x40 : 0);
    e[11] = 0x0f;
    e[13] = sum;
    const chunk = units.slice(i * 13, i * 13 + 13);
    chunk.forEach((u, j) => {
      const at = j < 5 ? 1 + j * 2 : j < 11 ? 14 + (j - 5) * 2 : 28 + (j - 11) * 2;
      e.writeUInt16LE(u, at);
    });
    out.unshift(e);
  }
  return out;
}
