import type { BlockDevice } from '../../agent/host';
import { HostError } from '../../agent/host';
import type { Clock } from '../../lib';
import type { Machine } from '../machine';
import type { BlockNode } from './kernel-disks';

/**
 * A block device backed by the machine's sparse disk. I/O costs simulated time at the disk's
 * throughput (slowed by an injected slow-disk factor); a failed disk answers EIO. Time below a
 * millisecond is carried over, so many small writes cost what one large write costs.
 */
export class SimulatedBlockDevice implements BlockDevice {
  private debtMs = 0;
  private closed = false;

  constructor(
    readonly path: string,
    private readonly machine: Machine,
    private readonly node: BlockNode,
    private readonly clock: Clock,
    private readonly writable: boolean,
    /** Called when a writer closes the device (udev then re-reads the partition table). */
    private readonly onWriterClosed: () => void = () => undefined,
  ) {}

  private get disk() {
    return this.node.disk;
  }

  get size(): number {
    return this.node.size;
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    this.check(offset);
    if (offset > this.size)
      throw new HostError('EINVAL', `read beyond end of ${this.path}`, this.path);
    const data = this.disk.data.read(
      this.node.offset + offset,
      Math.min(length, this.size - offset),
    );
    await this.spend(data.length);
    this.check(offset);
    return data;
  }

  async write(offset: number, data: Uint8Array): Promise<void> {
    this.check(offset);
    if (!this.writable) throw new HostError('EACCES', `${this.path} is open read-only`, this.path);
    if (offset + data.length > this.size) {
      throw new HostError(
        'EIO',
        `write beyond end of ${this.path} (No space left on device)`,
        this.path,
      );
    }
    await this.spend(data.length);
    this.check(offset);
    this.disk.data.write(this.node.offset + offset, data);
  }

  async flush(): Promise<void> {
    this.check(0);
    await Promise.resolve();
    this.machine.touch();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.resolve();
    if (this.writable) {
      this.onWriterClosed();
      this.machine.touch();
    }
  }

  private check(offset: number): void {
    if (this.closed) throw new HostError('EINVAL', `${this.path} is closed`, this.path);
    if (!this.machine.poweredOn)
      throw new HostError('EIO', `${this.path}: device lost power`, this.path);
    if (this.machine.faults.failedDisks.has(this.disk.spec.name)) {
      this.machine.serial.line(
        `[${this.machine.kernelTime()}] blk_update_request: I/O error, dev ${this.disk.spec.name}, sector ${Math.floor((this.node.offset + offset) / 512)}`,
      );
      throw new HostError('EIO', `${this.path}: Input/output error`, this.path);
    }
  }

  private async spend(bytes: number): Promise<void> {
    const slow = this.machine.faults.slowDisks.get(this.disk.spec.name) ?? 1;
    this.debtMs += (bytes / this.disk.spec.throughputBps) * 1000 * slow;
    if (this.debtMs < 1) return;
    const ms = Math.floor(this.debtMs);
    this.debtMs -= ms;
    await this.clock.sleep(ms);
  }
}
