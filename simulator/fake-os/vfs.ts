import { posix } from 'node:path';
import { HostError } from '../../agent/host';

/**
 * A tiny in-memory file tree with symbolic links, enough for /proc, /sys, /dev and /etc as the
 * agent reads them. File contents are functions so they follow the machine's live state.
 */
export type FileContent = string | (() => string);

type VfsNode =
  | { kind: 'dir' }
  | { kind: 'file'; read: FileContent; write?: (data: string) => void }
  | { kind: 'link'; target: string }
  | { kind: 'device' };

const MAX_LINK_DEPTH = 40;

export class Vfs {
  private readonly nodes = new Map<string, VfsNode>([['/', { kind: 'dir' }]]);
  private readonly children = new Map<string, Set<string>>([['/', new Set()]]);

  dir(path: string): this {
    this.put(path, { kind: 'dir' });
    return this;
  }

  file(path: string, read: FileContent, write?: (data: string) => void): this {
    this.put(path, write ? { kind: 'file', read, write } : { kind: 'file', read });
    return this;
  }

  link(path: string, target: string): this {
    this.put(path, { kind: 'link', target });
    return this;
  }

  /** A device node (/dev/sda, /dev/ipmi0): it exists; opening it is the fake OS's business. */
  device(path: string): this {
    this.put(path, { kind: 'device' });
    return this;
  }

  /** Removes a node and everything below it. */
  remove(path: string): void {
    const normal = posix.normalize(path);
    const prefix = `${normal}/`;
    for (const key of [...this.nodes.keys()]) {
      if (key.startsWith(prefix)) this.nodes.delete(key);
    }
    for (const key of [...this.children.keys()]) {
      if (key === normal || key.startsWith(prefix)) this.children.delete(key);
    }
    this.nodes.delete(normal);
    this.children.get(posix.dirname(normal))?.delete(posix.basename(normal));
  }

  /** Follows every link; the canonical path, or undefined when some part does not exist. */
  realPath(path: string): string | undefined {
    return this.resolve(path, true)?.path;
  }

  exists(path: string): boolean {
    return this.resolve(path, true) !== undefined;
  }

  isDevice(path: string): boolean {
    return this.resolve(path, true)?.node.kind === 'device';
  }

  readFile(path: string): string {
    const found = this.resolve(path, true);
    if (!found) throw new HostError('ENOENT', `${path}: No such file or directory`, path);
    const { node } = found;
    if (node.kind === 'dir') throw new HostError('EINVAL', `${path}: Is a directory`, path);
    if (node.kind !== 'file') throw new HostError('EINVAL', `${path}: not a regular file`, path);
    return typeof node.read === 'string' ? node.read : node.read();
  }

  /** Writes a file: a writable node's handler, or a plain file where the parent directory exists. */
  writeFile(path: string, data: string): void {
    const found = this.resolve(path, true);
    if (found) {
      const { node } = found;
      if (node.kind === 'file' && node.write) {
        node.write(data);
        return;
      }
      if (node.kind === 'file' && typeof node.read === 'string' && !isPseudo(found.path)) {
        this.put(found.path, { kind: 'file', read: data });
        return;
      }
      throw new HostError('EACCES', `${path}: Permission denied`, path);
    }
    const parent = this.resolve(posix.dirname(posix.normalize(path)), true);
    if (!parent || parent.node.kind !== 'dir') {
      throw new HostError('ENOENT', `${path}: No such file or directory`, path);
    }
    const target = posix.join(parent.path, posix.basename(path));
    if (isPseudo(target)) throw new HostError('EACCES', `${path}: Permission denied`, path);
    this.put(target, { kind: 'file', read: data });
  }

  listDir(path: string): string[] {
    const found = this.resolve(path, true);
    if (!found) throw new HostError('ENOENT', `${path}: No such file or directory`, path);
    if (found.node.kind !== 'dir') throw new HostError('ENOTDIR', `${path}: Not a directory`, path);
    return [...(this.children.get(found.path) ?? [])].sort();
  }

  readLink(path: string): string {
    const normal = posix.normalize(path);
    const parent = this.resolve(posix.dirname(normal), true);
    if (!parent) throw new HostError('ENOENT', `${path}: No such file or directory`, path);
    const node = this.nodes.get(posix.join(parent.path, posix.basename(normal)));
    if (!node) throw new HostError('ENOENT', `${path}: No such file or directory`, path);
    if (node.kind !== 'link') throw new HostError('EINVAL', `${path}: Invalid argument`, path);
    return node.target;
  }

  private put(path: string, node: VfsNode): void {
    const normal = posix.normalize(path);
    this.ensureDir(posix.dirname(normal));
    this.nodes.set(normal, node);
    this.children.get(posix.dirname(normal))!.add(posix.basename(normal));
    if (node.kind === 'dir' && !this.children.has(normal)) this.children.set(normal, new Set());
  }

  private ensureDir(path: string): void {
    if (this.nodes.has(path)) return;
    this.ensureDir(posix.dirname(path));
    this.nodes.set(path, { kind: 'dir' });
    this.children.set(path, new Set());
    this.children.get(posix.dirname(path))!.add(posix.basename(path));
  }

  private resolve(
    path: string,
    followLast: boolean,
    depth = 0,
  ): { path: string; node: VfsNode } | undefined {
    if (depth > MAX_LINK_DEPTH || !path.startsWith('/')) return undefined;
    const parts = posix.normalize(path).split('/').filter(Boolean);
    let current = '/';
    for (let i = 0; i < parts.length; i++) {
      const next = posix.join(current, parts[i]!);
      const node = this.nodes.get(next);
      if (!node) return undefined;
      const last = i === parts.length - 1;
      if (node.kind === 'link' && (!last || followLast)) {
        const target = posix.resolve(current, node.target);
        const resolved = this.resolve(target, true, depth + 1);
        if (!resolved) return undefined;
        current = resolved.path;
        if (last) return resolved;
        if (resolved.node.kind !== 'dir') return undefined;
        continue;
      }
      if (!last && node.kind !== 'dir') return undefined;
      current = next;
      if (last) return { path: current, node };
    }
    return { path: current, node: this.nodes.get(current)! };
  }
}

function isPseudo(path: string): boolean {
  return path.startsWith('/proc/') || path.startsWith('/sys/');
}
