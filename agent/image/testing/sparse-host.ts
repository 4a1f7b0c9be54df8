import type { BlockDevice } from '../../host';
import { HostError } from '../../host';
import { FakeHost } from '../../testing/fake-host';

const CHUNK = 1024 * 1024;

/** A disk of any size in memory: only written MiB chunks cost memory. */
export class SparseDevice implements BlockDevice {
  private readonly chunks = new Map<number, Buffer>();
  writes = 0;
  largestWrite = 0;

  constructor(
    readonly path: string,
    readonly size: number,
  ) {}

  read(offset: number, length: number): Promise<Uint8Array> {
    const end = Math.min(this.size, offset + length);
    const out = Buffer.alloc(Math.max(0, end - offset));
    for (let pos = offset; pos < end;) {
      const index = Math.floor(pos / CHUNK);
      const within = pos - index * CHUNK;
      const n = Math.min(CHUNK - within, end - pos);
      this.chunks.get(index)?.copy(out, pos - offset, within, within + n);
      pos += n;
    }
    return Promise.resolve(out);
  }

  write(offset: number, data: Uint8Array): Promise<void> {
    if (offset + data.length > this.size) {
      return Promise.reject(new HostError('EIO', `write beyond end of ${this.path}`, this.path));
    }
    this.writes++;
    this.largestWrite = Math.max(this.largestWrite, data.length);
    for (let src = 0; src < data.length;) {
      const pos = offset + src;
      const index = Math.floor(pos / CHUNK);
      const within = pos - index * CHUNK;
      const n = Math.min(CHUNK - within, data.length - src);
      let chunk = this.chunks.get(index);
      if (!chunk) {
        chunk = Buffer.alloc(CHUNK);
        this.chunks.set(index, chunk);
      }
      chunk.set(data.subarray(src, src + n), within);
      src += n;
    }
    return Promise.resolve();
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** FakeHost whose block devices are sparse and survive being opened more than once. */
export class SparseHost extends FakeHost {
  readonly disks = new Map<string, SparseDevice>();

  disk(path: string, size: number): SparseDevice {
    const d = new SparseDevice(path, size);
    this.disks.set(path, d);
    return d;
  }

  override openBlockDevice(path: string, mode: 'r' | 'rw'): Promise<BlockDevice> {
    const d = this.disks.get(path);
    return d ? Promise.resolve(d) : super.openBlockDevice(path, mode);
  }
}
