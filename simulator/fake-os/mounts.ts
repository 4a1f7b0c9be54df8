import { posix } from 'node:path';
import type { BlockNode } from './kernel-disks';
import { FatReader } from './fat-reader';
import type { Vfs } from './vfs';

interface Mount {
  device: string;
  dir: string;
  type: string;
  created: string[];
}

const MAX_DEPTH = 8;
const MAX_FILES = 10_000;

/**
 * Mounted file systems: a FAT partition's tree is laid into the file tree under the mount
 * point (read-only, contents read from the disk when asked); other Linux file systems mount
 * empty, since nothing in the ramdisk reads them.
 */
export class MountTable {
  private readonly mounts = new Map<string, Mount>();

  constructor(private readonly vfs: Vfs) {}

  mount(device: string, dir: string, node: BlockNode, fsType: string): void {
    const created: string[] = [];
    if (fsType === 'vfat') {
      const reader = new FatReader((offset, length) =>
        node.disk.data.read(
          node.offset + offset,
          Math.max(0, Math.min(length, node.size - offset)),
        ),
      );
      let files = 0;
      const walk = (fatPath: string, into: string, depth: number) => {
        if (depth > MAX_DEPTH) return;
        for (const entry of reader.list(fatPath)) {
          if (++files > MAX_FILES) return;
          const target = posix.join(into, entry.name);
          if (entry.directory) {
            this.vfs.dir(target);
            walk(`${fatPath}/${entry.name}`, target, depth + 1);
          } else {
            this.vfs.file(target, () => Buffer.from(reader.readFile(entry)).toString('latin1'));
          }
          if (depth === 0) created.push(target);
        }
      };
      walk('', dir, 0);
    }
    this.mounts.set(dir, { device, dir, type: fsType, created });
  }

  unmount(target: string): boolean {
    const mount =
      this.mounts.get(target) ?? [...this.mounts.values()].find((m) => m.device === target);
    if (!mount) return false;
    for (const path of mount.created) this.vfs.remove(path);
    this.mounts.delete(mount.dir);
    return true;
  }

  /** Where a device is mounted, if it is. */
  mountpointOf(device: string): string | null {
    return [...this.mounts.values()].find((m) => m.device === device)?.dir ?? null;
  }

  isMounted(dir: string): boolean {
    return this.mounts.has(dir);
  }

  /** /proc/mounts lines. */
  table(): string {
    return [...this.mounts.values()]
      .map(
        (m) => `${m.device} ${m.dir} ${m.type} ${m.type === 'vfat' ? 'ro' : 'rw'},relatime 0 0\n`,
      )
      .join('');
  }
}
