import { realpathSync, statSync } from 'node:fs';
import { posix } from 'node:path';
import type { CpioEntry } from './cpio-writer';

/**
 * Debian's merged /usr: these top-level names are symlinks into /usr, so a library that ldd
 * reports as /lib/x86_64-linux-gnu/libc.so.6 is stored once, under /usr/lib.
 */
const USR_MERGED = ['bin', 'sbin', 'lib', 'lib64'] as const;

/** The ramdisk's file system as it is being assembled; written out sorted, as cpio entries. */
export class RootfsTree {
  private readonly nodes = new Map<string, CpioEntry>();

  constructor() {
    this.nodes.set('/', { kind: 'dir', path: '/', mode: 0o755 });
    this.addDir('/usr');
    for (const name of USR_MERGED) {
      this.addDir(`/usr/${name}`);
      this.nodes.set(`/${name}`, { kind: 'symlink', path: `/${name}`, target: `usr/${name}` });
    }
  }

  /** Where `path` lives once the /usr merge is applied (`/sbin/ip` → `/usr/sbin/ip`). */
  static canonical(path: string): string {
    if (!path.startsWith('/')) throw new Error(`rootfs: path must be absolute: ${path}`);
    const norm = posix.normalize(path).replace(/\/+$/, '') || '/';
    const parts = norm.split('/');
    // `/bin` itself is the merge symlink; only what lies below it moves into /usr.
    const merged = parts.length > 2 && (USR_MERGED as readonly string[]).includes(parts[1]!);
    return merged ? `/usr${norm}` : norm;
  }

  has(path: string): boolean {
    return this.nodes.has(RootfsTree.canonical(path));
  }

  get(path: string): CpioEntry | undefined {
    return this.nodes.get(RootfsTree.canonical(path));
  }

  addDir(path: string, mode = 0o755): void {
    const p = RootfsTree.canonical(path);
    const existing = this.nodes.get(p);
    if (existing) {
      if (existing.kind !== 'dir') throw conflict(p, existing.kind, 'directory');
      return;
    }
    this.addParents(p);
    this.nodes.set(p, { kind: 'dir', path: p, mode });
  }

  /** A file whose bytes the builder produced. Adding the same path twice is an error. */
  addFile(path: string, content: string | Uint8Array, mode = 0o644): void {
    const p = RootfsTree.canonical(path);
    const data = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    const existing = this.nodes.get(p);
    if (existing) {
      if (
        existing.kind === 'file' &&
        'data' in existing &&
        Buffer.from(existing.data).equals(data)
      ) {
        return;
      }
      throw conflict(p, existing.kind, 'file');
    }
    this.addParents(p);
    this.nodes.set(p, { kind: 'file', path: p, mode, data });
  }

  /**
   * A copy of a file of the build machine (symlinks followed). The same source added twice is
   * one entry; a different source at the same path is an error naming both.
   */
  addHostFile(path: string, hostPath: string, mode?: number): void {
    const p = RootfsTree.canonical(path);
    const source = realpathSync(hostPath);
    const st = statSync(source);
    if (!st.isFile()) throw new Error(`rootfs: ${hostPath} is not a regular file`);
    const existing = this.nodes.get(p);
    if (existing) {
      if (existing.kind === 'file' && 'source' in existing && existing.source === source) return;
      const was =
        existing.kind === 'file' && 'source' in existing ? existing.source : existing.kind;
      throw new Error(`rootfs: ${p} would be both ${was} and ${source}`);
    }
    this.addParents(p);
    this.nodes.set(p, {
      kind: 'file',
      path: p,
      mode: mode ?? st.mode & 0o7777,
      source,
      size: st.size,
    });
  }

  addSymlink(path: string, target: string): void {
    const p = RootfsTree.canonical(path);
    const existing = this.nodes.get(p);
    if (existing) {
      if (existing.kind === 'symlink' && existing.target === target) return;
      throw conflict(p, existing.kind, `symlink to ${target}`);
    }
    this.addParents(p);
    this.nodes.set(p, { kind: 'symlink', path: p, target });
  }

  addDevice(
    path: string,
    kind: 'char' | 'block',
    major: number,
    minor: number,
    mode = 0o600,
  ): void {
    const p = RootfsTree.canonical(path);
    if (this.nodes.has(p)) throw conflict(p, this.nodes.get(p)!.kind, `${kind} device`);
    this.addParents(p);
    this.nodes.set(p, { kind, path: p, mode, major, minor });
  }

  /** Copies an entry of another tree (same path, content and mode). */
  addEntry(entry: CpioEntry): void {
    switch (entry.kind) {
      case 'dir':
        if (entry.path !== '/') this.addDir(entry.path, entry.mode);
        break;
      case 'file':
        if ('data' in entry) this.addFile(entry.path, entry.data, entry.mode);
        else this.addHostFile(entry.path, entry.source, entry.mode);
        break;
      case 'symlink':
        this.addSymlink(entry.path, entry.target);
        break;
      case 'char':
      case 'block':
        this.addDevice(entry.path, entry.kind, entry.major, entry.minor, entry.mode);
        break;
    }
  }

  /** Every entry, parents before children, in byte order of the path: the archive's order. */
  entries(): CpioEntry[] {
    return [...this.nodes.values()].sort((a, b) => compareBytes(a.path, b.path));
  }

  /** Bytes of file contents (uncompressed), for the size report. */
  contentBytes(): number {
    let total = 0;
    for (const e of this.nodes.values()) {
      if (e.kind === 'file') total += 'data' in e ? e.data.length : e.size;
    }
    return total;
  }

  private addParents(p: string): void {
    const parent = posix.dirname(p);
    if (parent === p) return;
    const existing = this.nodes.get(parent);
    if (existing) {
      if (existing.kind !== 'dir') throw conflict(parent, existing.kind, 'directory');
      return;
    }
    this.addDir(parent);
  }
}

function conflict(path: string, was: string, wanted: string): Error {
  return new Error(`rootfs: ${path} is already a ${was}; cannot add it as a ${wanted}`);
}

/**
 * Byte order with `/` sorting before every other character, so a directory's whole subtree
 * follows it directly ("a", "a/b", "a-b") and parents always precede children.
 */
function compareBytes(a: string, b: string): number {
  const ka = Buffer.from(a.replace(/\//g, '\0'), 'utf8');
  const kb = Buffer.from(b.replace(/\//g, '\0'), 'utf8');
  return Buffer.compare(ka, kb);
}
