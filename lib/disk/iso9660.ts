/**
 * An ISO 9660 image written from a list of files, as `genisoimage -r -l -allow-lowercase
 * -allow-multidot` lays one out: system area, primary volume descriptor, terminator, both path
 * tables, the directories (breadth first), then the file data. Rock Ridge (SUSP `SP`/`CE`/`ER`,
 * RRIP `RR`/`PX`/`NM`) carries the real names, so Linux, libisofs and cloud-init read
 * `meta_data.json` as written. No Joliet tree: Linux prefers Rock Ridge when both exist.
 */
export interface IsoFile {
  /** Slash-separated path below the root, e.g. `openstack/latest/meta_data.json`. */
  path: string;
  data: Uint8Array;
}

export interface IsoOptions {
  /** Volume identifier (the label blkid shows), at most 32 characters, e.g. `config-2`. */
  volumeId: string;
  publisher?: string;
  files: readonly IsoFile[];
  /** Timestamp of the volume and every entry (fixed for reproducible images). */
  time: Date;
}

const SECTOR = 2048;
const SYSTEM_AREA = 16;
const DIR_MODE = 0o40555;
const FILE_MODE = 0o100444;
const ER_ID = 'RRIP_1991A';
const ER_DESCRIPTOR =
  'THE ROCK RIDGE INTERCHANGE PROTOCOL PROVIDES SUPPORT FOR POSIX FILE SYSTEM SEMANTICS';
const ER_SOURCE =
  'PLEASE CONTACT DISC PUBLISHER FOR SPECIFICATION SOURCE.  SEE PUBLISHER IDENTIFIER IN PRIMARY VOLUME DESCRIPTOR FOR CONTACT INFORMATION.';

interface Dir {
  name: string;
  parent: Dir | null;
  dirs: Dir[];
  files: { name: string; data: Uint8Array; sector: number }[];
  number: number;
  sector: number;
  size: number;
}

/** The image's bytes. Throws on a path that is empty or names a file and a directory alike. */
export function buildIso9660(opts: IsoOptions): Buffer {
  if (opts.volumeId.length > 32) throw new Error('an ISO 9660 volume id has at most 32 characters');
  const root = tree(opts.files);
  const dirs = breadthFirst(root);
  dirs.forEach((d, i) => (d.number = i + 1));
  // Its length does not depend on where the directories go.
  const pathTableSize = pathTableBytes(dirs, 'le').length;
  const pathSectors = sectorsFor(pathTableSize);
  // 16: PVD, 17: terminator, then L and M path tables, the root's continuation area (ER).
  let next = SYSTEM_AREA + 2;
  const lTable = next;
  next += pathSectors;
  const mTable = next;
  next += pathSectors;
  const continuation = next++;
  for (const d of dirs) d.size = dirSize(d);
  for (const d of dirs) {
    d.sector = next;
    next += d.size / SECTOR;
  }
  for (const d of dirs) {
    for (const f of d.files) {
      f.sector = f.data.length ? next : 0;
      next += Math.ceil(f.data.length / SECTOR);
    }
  }
  const image = Buffer.alloc(next * SECTOR);
  const time = opts.time;
  image.set(
    primaryVolumeDescriptor(opts, root, {
      sectors: next,
      pathTableSize,
      lTable,
      mTable,
    }),
    SYSTEM_AREA * SECTOR,
  );
  image.set(Buffer.from([255, ...Buffer.from('CD001'), 1]), (SYSTEM_AREA + 1) * SECTOR);
  image.set(pathTableBytes(dirs, 'le'), lTable * SECTOR);
  image.set(pathTableBytes(dirs, 'be'), mTable * SECTOR);
  image.set(extensionsReference(), continuation * SECTOR);
  for (const d of dirs) {
    const records = dirRecords(d, time, continuation);
    let at = d.sector * SECTOR;
    const end = at + d.size;
    for (const r of records) {
      // A record never crosses a sector boundary: the rest of the sector stays zero.
      if (Math.floor(at / SECTOR) !== Math.floor((at + r.length - 1) / SECTOR)) {
        at = Math.ceil(at / SECTOR) * SECTOR;
      }
      if (at + r.length > end) throw new Error('BUG: directory overflow');
      image.set(r, at);
      at += r.length;
    }
    for (const f of d.files) image.set(f.data, f.sector * SECTOR);
  }
  return image;
}

function tree(files: readonly IsoFile[]): Dir {
  const root = newDir('', null);
  for (const f of files) {
    const parts = f.path.split('/').filter(Boolean);
    if (parts.length === 0) throw new Error(`empty ISO path "${f.path}"`);
    let dir = root;
    for (const part of parts.slice(0, -1)) {
      if (dir.files.some((x) => x.name === part)) throw new Error(`"${part}" is a file`);
      let sub = dir.dirs.find((x) => x.name === part);
      if (!sub) {
        sub = newDir(part, dir);
        dir.dirs.push(sub);
      }
      dir = sub;
    }
    const name = parts.at(-1)!;
    if (dir.dirs.some((x) => x.name === name) || dir.files.some((x) => x.name === name)) {
      throw new Error(`"${f.path}" given twice`);
    }
    dir.files.push({ name, data: f.data, sector: 0 });
  }
  return root;
}

function newDir(name: string, parent: Dir | null): Dir {
  return { name, parent, dirs: [], files: [], number: 0, sector: 0, size: 0 };
}

/** Directories in path-table order: by depth, then parent number, then identifier. */
function breadthFirst(root: Dir): Dir[] {
  const out = [root];
  for (let i = 0; i < out.length; i++) {
    out.push(...[...out[i]!.dirs].sort((a, b) => compare(isoName(a.name), isoName(b.name))));
  }
  return out;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The ISO identifier: relaxed d-characters (genisoimage's -l -allow-lowercase -allow-multidot). */
function isoName(name: string, file = false): string {
  const base = name.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, file ? 30 : 31);
  return file ? `${base};1` : base;
}

function pathTableBytes(dirs: Dir[], endian: 'le' | 'be'): Buffer {
  const parts: Buffer[] = [];
  for (const d of dirs) {
    const id = d.parent ? Buffer.from(isoName(d.name), 'latin1') : Buffer.from([0]);
    const rec = Buffer.alloc(8 + id.length + (id.length % 2));
    rec[0] = id.length;
    if (endian === 'le') {
      rec.writeUInt32LE(d.sector, 2);
      rec.writeUInt16LE(d.parent?.number ?? 1, 6);
    } else {
      rec.writeUInt32BE(d.sector, 2);
      rec.writeUInt16BE(d.parent?.number ?? 1, 6);
    }
    id.copy(rec, 8);
    parts.push(rec);
  }
  return Buffer.concat(parts);
}

/** Bytes of a directory's records, each sector filled only with whole records. */
function dirSize(d: Dir): number {
  let at = 0;
  for (const r of dirRecords(d, new Date(0), 0)) {
    if (Math.floor(at / SECTOR) !== Math.floor((at + r.length - 1) / SECTOR)) {
      at = Math.ceil(at / SECTOR) * SECTOR;
    }
    at += r.length;
  }
  return sectorsFor(at) * SECTOR;
}

function dirRecords(d: Dir, time: Date, continuation: number): Buffer[] {
  const parent = d.parent ?? d;
  const self: Buffer[] = [];
  if (!d.parent) {
    // SUSP: `SP` first in the root's "." record, `CE` pointing at the `ER` entry.
    self.push(Buffer.from([0x53, 0x50, 7, 1, 0xbe, 0xef, 0]));
    self.push(continuationEntry(continuation, extensionsReference().length));
  }
  self.push(rrEntry(1), posixEntry(DIR_MODE, 2 + d.dirs.length));
  const records = [
    record(Buffer.from([0]), d.sector, d.size, true, time, Buffer.concat(self)),
    record(
      Buffer.from([1]),
      parent.sector,
      parent.size,
      true,
      time,
      Buffer.concat([rrEntry(1), posixEntry(DIR_MODE, 2 + parent.dirs.length)]),
    ),
  ];
  const entries = [
    ...d.dirs.map((sub) => ({
      id: isoName(sub.name),
      make: () =>
        record(
          Buffer.from(isoName(sub.name), 'latin1'),
          sub.sector,
          sub.size,
          true,
          time,
          Buffer.concat([
            rrEntry(9),
            posixEntry(DIR_MODE, 2 + sub.dirs.length),
            nameEntry(sub.name),
          ]),
        ),
    })),
    ...d.files.map((f) => ({
      id: isoName(f.name, true),
      make: () =>
        record(
          Buffer.from(isoName(f.name, true), 'latin1'),
          f.sector,
          f.data.length,
          false,
          time,
          Buffer.concat([rrEntry(9), posixEntry(FILE_MODE, 1), nameEntry(f.name)]),
        ),
    })),
  ].sort((a, b) => compare(a.id, b.id));
  return [...records, ...entries.map((e) => e.make())];
}

function record(
  id: Buffer,
  sector: number,
  size: number,
  dir: boolean,
  time: Date,
  systemUse: Buffer,
): Buffer {
  const head = 33 + id.length + (id.length % 2 === 0 ? 1 : 0);
  const length = head + systemUse.length + ((head + systemUse.length) % 2);
  if (length > 255) throw new Error(`directory record for "${id.toString('latin1')}" too long`);
  const r = Buffer.alloc(length);
  r[0] = length;
  both32(r, 2, sector);
  both32(r, 10, size);
  recordingDate(time).copy(r, 18);
  r[25] = dir ? 2 : 0;
  both16(r, 28, 1);
  r[32] = id.length;
  id.copy(r, 33);
  systemUse.copy(r, head);
  return r;
}

function rrEntry(flags: number): Buffer {
  return Buffer.from([0x52, 0x52, 5, 1, flags]);
}

function posixEntry(mode: number, links: number): Buffer {
  const e = Buffer.alloc(36);
  e.write('PX', 0, 'latin1');
  e[2] = 36;
  e[3] = 1;
  both32(e, 4, mode);
  both32(e, 12, links);
  return e; // uid and gid 0, as genisoimage -r sets them
}

function nameEntry(name: string): Buffer {
  const bytes = Buffer.from(name, 'utf8');
  if (bytes.length > 250) throw new Error(`name "${name}" is too long for Rock Ridge`);
  return Buffer.concat([Buffer.from([0x4e, 0x4d, 5 + bytes.length, 1, 0]), bytes]);
}

function continuationEntry(sector: number, length: number): Buffer {
  const e = Buffer.alloc(28);
  e.write('CE', 0, 'latin1');
  e[2] = 28;
  e[3] = 1;
  both32(e, 4, sector);
  both32(e, 12, 0);
  both32(e, 20, length);
  return e;
}

function extensionsReference(): Buffer {
  const id = Buffer.from(ER_ID, 'latin1');
  const des = Buffer.from(ER_DESCRIPTOR, 'latin1');
  const src = Buffer.from(ER_SOURCE, 'latin1');
  const head = Buffer.from([0x45, 0x52, 8 + id.length + des.length + src.length, 1]);
  return Buffer.concat([head, Buffer.from([id.length, des.length, src.length, 1]), id, des, src]);
}

function primaryVolumeDescriptor(
  opts: IsoOptions,
  root: Dir,
  at: { sectors: number; pathTableSize: number; lTable: number; mTable: number },
): Buffer {
  const d = Buffer.alloc(SECTOR, 0);
  d[0] = 1;
  d.write('CD001', 1, 'latin1');
  d[6] = 1;
  padded(d, 8, 32, 'LINUX');
  padded(d, 40, 32, opts.volumeId);
  both32(d, 80, at.sectors);
  both16(d, 120, 1);
  both16(d, 124, 1);
  both16(d, 128, SECTOR);
  both32(d, 132, at.pathTableSize);
  d.writeUInt32LE(at.lTable, 140);
  d.writeUInt32BE(at.mTable, 148);
  record(Buffer.from([0]), root.sector, root.size, true, opts.time, Buffer.alloc(0)).copy(d, 156);
  padded(d, 190, 128, '');
  padded(d, 318, 128, opts.publisher ?? '');
  padded(d, 446, 128, '');
  padded(d, 574, 128, '');
  padded(d, 702, 37 * 3, '');
  const stamp = volumeDate(opts.time);
  stamp.copy(d, 813);
  stamp.copy(d, 830);
  volumeDate(null).copy(d, 847);
  volumeDate(null).copy(d, 864);
  d[881] = 1;
  return d;
}

function padded(buf: Buffer, at: number, length: number, text: string): void {
  buf.write(text.slice(0, length).padEnd(length, ' '), at, length, 'latin1');
}

function recordingDate(t: Date): Buffer {
  return Buffer.from([
    t.getUTCFullYear() - 1900,
    t.getUTCMonth() + 1,
    t.getUTCDate(),
    t.getUTCHours(),
    t.getUTCMinutes(),
    t.getUTCSeconds(),
    0,
  ]);
}

/** `YYYYMMDDHHMMSScc` and a zero GMT offset; all zeros for "not specified". */
function volumeDate(t: Date | null): Buffer {
  const out = Buffer.alloc(17, 0);
  if (!t) {
    out.write('0'.repeat(16), 0, 'latin1');
    return out;
  }
  const two = (n: number) => String(n).padStart(2, '0');
  const text =
    String(t.getUTCFullYear()).padStart(4, '0') +
    two(t.getUTCMonth() + 1) +
    two(t.getUTCDate()) +
    two(t.getUTCHours()) +
    two(t.getUTCMinutes()) +
    two(t.getUTCSeconds()) +
    two(Math.floor(t.getUTCMilliseconds() / 10));
  out.write(text, 0, 'latin1');
  return out;
}

function both16(buf: Buffer, at: number, v: number): void {
  buf.writeUInt16LE(v, at);
  buf.writeUInt16BE(v, at + 2);
}

function both32(buf: Buffer, at: number, v: number): void {
  buf.writeUInt32LE(v, at);
  buf.writeUInt32BE(v, at + 4);
}

function sectorsFor(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / SECTOR));
}
