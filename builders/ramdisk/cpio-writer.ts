import { createReadStream } from 'node:fs';
import type { Writable } from 'node:stream';

/** One member of a `newc` archive; every field that varies between builds is fixed by the writer. */
export type CpioEntry =
  | { kind: 'dir'; path: string; mode: number }
  | { kind: 'file'; path: string; mode: number; data: Uint8Array }
  | { kind: 'file'; path: string; mode: number; source: string; size: number }
  | { kind: 'symlink'; path: string; target: string }
  | { kind: 'char' | 'block'; path: string; mode: number; major: number; minor: number };

export interface CpioWriteOptions {
  /** Seconds since the epoch stamped on every entry (SOURCE_DATE_EPOCH). */
  mtime: number;
}

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;
const TRAILER = 'TRAILER!!!';

/**
 * Writes entries as the kernel's initramfs format (cpio `newc`, "070701"). Entries are written
 * in the order given (callers sort them); uid/gid are 0, inodes are numbered in that order and
 * every mtime is the same, so the same inputs give the same bytes. Returns the bytes written.
 */
export async function writeCpio(
  entries: Iterable<CpioEntry>,
  out: Writable,
  options: CpioWriteOptions,
): Promise<number> {
  const sink = new Sink(out);
  let ino = 1;
  for (const entry of entries) {
    const name = archiveName(entry.path);
    switch (entry.kind) {
      case 'dir':
        await sink.write(header(name, ino++, S_IFDIR | perm(entry.mode), 2, 0, options.mtime));
        break;
      case 'symlink': {
        const target = Buffer.from(entry.target, 'utf8');
        await sink.write(header(name, ino++, S_IFLNK | 0o777, 1, target.length, options.mtime));
        await sink.write(target);
        await sink.pad();
        break;
      }
      case 'char':
      case 'block': {
        const type = entry.kind === 'char' ? S_IFCHR : S_IFBLK;
        const rdev = { major: entry.major, minor: entry.minor };
        await sink.write(header(name, ino++, type | perm(entry.mode), 1, 0, options.mtime, rdev));
        break;
      }
      case 'file': {
        const size = 'data' in entry ? entry.data.length : entry.size;
        await sink.write(header(name, ino++, S_IFREG | perm(entry.mode), 1, size, options.mtime));
        if ('data' in entry) await sink.write(entry.data);
        else await sink.copyFile(entry.source, size);
        await sink.pad();
        break;
      }
    }
  }
  await sink.write(header(TRAILER, 0, 0, 1, 0, 0));
  await sink.end();
  return sink.written;
}

/** `/usr/bin/node` → `usr/bin/node`; the root itself is `.`. */
function archiveName(path: string): string {
  const trimmed = path.replace(/^\/+/, '').replace(/\/+$/, '');
  if (trimmed.includes('\0')) throw new Error(`cpio: NUL in path ${JSON.stringify(path)}`);
  return trimmed === '' ? '.' : trimmed;
}

function perm(mode: number): number {
  return mode & 0o7777;
}

function header(
  name: string,
  ino: number,
  mode: number,
  nlink: number,
  size: number,
  mtime: number,
  rdev: { major: number; minor: number } = { major: 0, minor: 0 },
): Buffer {
  const nameBytes = Buffer.from(name + '\0', 'utf8');
  const fields = [ino, mode, 0, 0, nlink, mtime, size, 0, 0, rdev.major, rdev.minor];
  const text = '070701' + fields.map(hex8).join('') + hex8(nameBytes.length) + hex8(0);
  const head = Buffer.concat([Buffer.from(text, 'ascii'), nameBytes]);
  return Buffer.concat([head, Buffer.alloc(padding(head.length))]);
}

function hex8(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) {
    throw new Error(`cpio: field value ${n} does not fit the newc format`);
  }
  return n.toString(16).padStart(8, '0');
}

function padding(length: number): number {
  return (4 - (length % 4)) % 4;
}

/** Counts bytes and honours back-pressure, so a 100 MB Node binary never sits in memory twice. */
class Sink {
  written = 0;
  constructor(private readonly out: Writable) {}

  async write(chunk: Uint8Array): Promise<void> {
    if (chunk.length === 0) return;
    this.written += chunk.length;
    if (!this.out.write(chunk)) await this.drain();
  }

  async pad(): Promise<void> {
    const n = padding(this.written);
    if (n > 0) await this.write(Buffer.alloc(n));
  }

  async copyFile(path: string, size: number): Promise<void> {
    let copied = 0;
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
      await this.write(chunk as Buffer);
      copied += (chunk as Buffer).length;
    }
    if (copied !== size) {
      throw new Error(
        `cpio: ${path} changed while archiving (${size} bytes expected, ${copied} read)`,
      );
    }
  }

  end(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.out.once('error', reject);
      this.out.end(() => resolve());
    });
  }

  private drain(): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => {
        this.out.off('drain', onDrain);
        reject(err);
      };
      const onDrain = () => {
        this.out.off('error', onError);
        resolve();
      };
      this.out.once('drain', onDrain);
      this.out.once('error', onError);
    });
  }
}
