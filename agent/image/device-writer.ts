import type { BlockDevice } from '../host';
import { ImageWriteError } from './errors';

export interface DeviceWriterOptions {
  /** Byte offset of the target region on the device (a partition's start; 0 for the disk). */
  base?: number;
  /** Size of the target region; writes beyond it fail. Defaults to the rest of the device. */
  limit?: number;
  /** Size of each device write; the stream is cut into aligned pieces of this size. */
  bufferSize?: number;
}

/**
 * Turns a stream of small chunks into large aligned device writes: chunks are copied into one
 * of two buffers; while one buffer is being written, the other fills, so hashing and receiving
 * overlap the disk I/O and memory stays at two buffers whatever the image size. Writes at
 * non-contiguous offsets (qcow2 clusters) start a new buffer.
 */
export class DeviceWriter {
  readonly base: number;
  readonly limit: number;
  private readonly buffers: [Buffer, Buffer];
  private current = 0;
  private fill = 0;
  /** Region offset of the first byte in the current buffer. */
  private start = 0;
  private inflight: Promise<void> | null = null;
  private failure: Error | null = null;
  private written = 0;
  private highWater = 0;

  constructor(
    private readonly device: BlockDevice,
    options: DeviceWriterOptions = {},
  ) {
    this.base = options.base ?? 0;
    this.limit = options.limit ?? device.size - this.base;
    const size = options.bufferSize ?? 8 * 1024 * 1024;
    this.buffers = [Buffer.allocUnsafe(size), Buffer.allocUnsafe(size)];
  }

  /** Bytes handed to the device so far. */
  get bytesWritten(): number {
    return this.written;
  }

  /** End of the furthest byte written (region offset). */
  get extent(): number {
    return this.highWater;
  }

  async write(offset: number, data: Uint8Array): Promise<void> {
    if (this.failure) throw this.failure;
    if (offset + data.length > this.limit) {
      throw new ImageWriteError(
        this.device.path,
        `image does not fit: ${offset + data.length} bytes needed, ${this.limit} available`,
      );
    }
    if (this.fill > 0 && offset !== this.start + this.fill) await this.submit();
    if (this.fill === 0) this.start = offset;
    let src = 0;
    while (src < data.length) {
      const buf = this.buffers[this.current]!;
      const n = Math.min(buf.length - this.fill, data.length - src);
      buf.set(data.subarray(src, src + n), this.fill);
      this.fill += n;
      src += n;
      if (this.fill === buf.length) {
        await this.submit();
        this.start = offset + src;
      }
    }
  }

  /** Writes what is buffered and waits for every write to land. */
  async flush(): Promise<void> {
    await this.submit();
    await this.settle();
  }

  /** Forgets buffered bytes (a restarted download rewrites them). */
  async discard(): Promise<void> {
    this.fill = 0;
    await this.settle();
  }

  private async submit(): Promise<void> {
    if (this.fill === 0) return;
    await this.settle();
    const buf = this.buffers[this.current]!;
    const data = buf.subarray(0, this.fill);
    const at = this.base + this.start;
    const length = this.fill;
    this.current = this.current === 0 ? 1 : 0;
    this.fill = 0;
    this.highWater = Math.max(this.highWater, this.start + length);
    this.inflight = this.device.write(at, data).then(
      () => {
        this.written += length;
      },
      (err: unknown) => {
        // Reported as IPA does (a write error, not an unexpected exception), never retried.
        this.failure =
          err instanceof ImageWriteError
            ? err
            : new ImageWriteError(
                this.device.path,
                err instanceof Error ? err.message : String(err),
              );
      },
    );
  }

  private async settle(): Promise<void> {
    const pending = this.inflight;
    this.inflight = null;
    if (pending) await pending;
    if (this.failure) throw this.failure;
  }
}
