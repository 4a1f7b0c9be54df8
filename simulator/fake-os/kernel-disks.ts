import type { DiskLayout, Machine, MachineDisk, PartitionInfo } from '../machine';
import { partitionName } from '../machine';
import type { Vfs } from './vfs';

/** A block device node as the kernel exposes it: a whole disk or a window onto one. */
export interface BlockNode {
  kname: string;
  disk: MachineDisk;
  offset: number;
  size: number;
  partition: PartitionInfo | null;
}

/**
 * The kernel's idea of each disk's partitions. As on Linux it is read when the OS boots and
 * again only when asked (partprobe, `blockdev --rereadpt`, udev after a writer closes the
 * whole disk), so a freshly written table is invisible until someone rescans.
 */
export class KernelDisks {
  private readonly layouts = new Map<string, DiskLayout>();
  private readonly nodes = new Map<string, string[]>();

  constructor(
    private readonly machine: Machine,
    private readonly vfs: Vfs,
  ) {
    for (const disk of machine.disks) this.rescan(disk.spec.name);
  }

  layout(disk: string): DiskLayout {
    return this.layouts.get(disk) ?? { table: null, tableUuid: null, partitions: [], fs: null };
  }

  /** Re-reads the partition table of one disk (or all) and updates /dev and /sys. */
  rescan(diskName?: string): void {
    for (const disk of this.machine.disks) {
      if (diskName !== undefined && disk.spec.name !== diskName) continue;
      for (const path of this.nodes.get(disk.spec.name) ?? []) this.vfs.remove(path);
      const layout = this.machine.diskLayout(disk.spec.name);
      this.layouts.set(disk.spec.name, layout);
      const created: string[] = [];
      const blockDir = this.vfs.realPath(`/sys/block/${disk.spec.name}`);
      for (const part of layout.partitions) {
        const kname = partitionName(disk.spec.name, part.number);
        if (blockDir) {
          const dir = `${blockDir}/${kname}`;
          this.vfs.file(`${dir}/partition`, `${part.number}\n`);
          this.vfs.file(`${dir}/start`, `${part.startBytes / 512}\n`);
          this.vfs.file(`${dir}/size`, `${part.sizeBytes / 512}\n`);
          this.vfs.file(`${dir}/ro`, '0\n');
          this.vfs.link(`/sys/class/block/${kname}`, `../../${dir.slice('/sys/'.length)}`);
          created.push(dir, `/sys/class/block/${kname}`);
        }
        this.vfs.device(`/dev/${kname}`);
        created.push(`/dev/${kname}`);
        if (part.fs?.uuid) {
          this.vfs.link(`/dev/disk/by-uuid/${part.fs.uuid}`, `../../${kname}`);
          created.push(`/dev/disk/by-uuid/${part.fs.uuid}`);
        }
        this.vfs.link(`/dev/disk/by-partuuid/${part.uuid}`, `../../${kname}`);
        created.push(`/dev/disk/by-partuuid/${part.uuid}`);
      }
      this.nodes.set(disk.spec.name, created);
    }
  }

  /** The node behind a /dev path the kernel knows, whole disk or partition. */
  node(kname: string): BlockNode | undefined {
    for (const disk of this.machine.disks) {
      if (disk.spec.name === kname) {
        return { kname, disk, offset: 0, size: disk.spec.sizeBytes, partition: null };
      }
      for (const part of this.layout(disk.spec.name).partitions) {
        if (partitionName(disk.spec.name, part.number) === kname) {
          return { kname, disk, offset: part.startBytes, size: part.sizeBytes, partition: part };
        }
      }
    }
    return undefined;
  }
}
