/** One member of a `newc` archive as read back, for tests. */
export interface ReadEntry {
  name: string;
  ino: number;
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  mtime: number;
  rdevMajor: number;
  rdevMinor: number;
  data: Buffer;
}

/** Reads a whole uncompressed `newc` archive; stops at the trailer and insists on it. */
export function readCpio(archive: Buffer): ReadEntry[] {
  return readCpioAt(archive, 0).entries;
}

/** Reads one archive starting at `start`; `end` is where the next concatenated one begins. */
export function readCpioAt(archive: Buffer, start: number): { entries: ReadEntry[]; end: number } {
  const out: ReadEntry[] = [];
  let at = start;
  const align = (n: number) => (n + 3) & ~3;
  for (;;) {
    const magic = archive.toString('ascii', at, at + 6);
    if (magic !== '070701') throw new Error(`bad cpio magic ${JSON.stringify(magic)} at ${at}`);
    const field = (i: number) =>
      parseInt(archive.toString('ascii', at + 6 + i * 8, at + 14 + i * 8), 16);
    const nameSize = field(11);
    const size = field(6);
    const nameStart = at + 110;
    const name = archive.toString('utf8', nameStart, nameStart + nameSize - 1);
    const dataStart = align(nameStart + nameSize);
    const entry: ReadEntry = {
      name,
      ino: field(0),
      mode: field(1),
      uid: field(2),
      gid: field(3),
      nlink: field(4),
      mtime: field(5),
      rdevMajor: field(9),
      rdevMinor: field(10),
      data: archive.subarray(dataStart, dataStart + size),
    };
    at = align(dataStart + size);
    if (name === 'TRAILER!!!') return { entries: out, end: at };
    out.push(entry);
    if (at >= archive.length) throw new Error('cpio archive ends without a trailer');
  }
}
