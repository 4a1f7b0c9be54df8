/**
 * A disk of any size that costs memory only for what was written. Storage is a Map of fixed-size
 * chunks; a chunk written with one repeated byte (zeros from an erase, 0xFF patterns) is kept as
 * that byte alone, and an all-zero chunk is dropped. Past a memory budget, further chunks keep
 * only their head: enough to recognise partition tables and image headers ("which image was
 * written?") without holding gigabytes.
 */
export const CHUNK_SIZE = 64 * 1024;
const KEPT_HEAD_BYTES = 4096;

type Chunk = Uint8Array | { fill: number } | { head: Uint8Array };

export interface SparseDiskStats {
  sizeBytes: number;
  bytesWritten: number;
  /** Bytes of memory holding chunk data. */
  storedBytes: number;
  /** Chunks that are not all zeros. */
  nonZeroChunks: number;
  /** Some chunks were stored truncated after the budget ran out. */
  lossy: boolean;
}

export class SparseDisk {
  private readonly chunks = new Map<number, Chunk>();
  private stored = 0;
  private written = 0;
  private truncated = false;

  constructor(
    readonly sizeBytes: number,
    private readonly budgetBytes = 64 * 1024 * 1024,
  ) {
    if (!Number.isSafeInteger(sizeBytes) || sizeBytes < 0) {
      throw new RangeError(`disk size must be a non-negative safe integer, got ${sizeBytes}`);
    }
  }

  read(offset: number, length: number): Uint8Array {
    this.checkRange(offset, 0);
    const end = Math.min(this.sizeBytes, offset + Math.max(0, length));
    const out = new Uint8Array(end - offset);
    let pos = offset;
    while (pos < end) {
      const index = Math.floor(pos / CHUNK_SIZE);
      const inChunk = pos - index * CHUNK_SIZE;
      const n = Math.min(CHUNK_SIZE - inChunk, end - pos);
      const chunk = this.chunks.get(index);
      if (chunk) copyOut(chunk, inChunk, n, out, pos - offset);
      pos += n;
    }
    return out;
  }

  write(offset: number, data: Uint8Array): void {
    this.checkRange(offset, data.length);
    let pos = offset;
    let src = 0;
    while (src < data.length) {
      const index = Math.floor(pos / CHUNK_SIZE);
      const inChunk = pos - index * CHUNK_SIZE;
      const n = Math.min(CHUNK_SIZE - inChunk, data.length - src);
      this.writeChunk(index, inChunk, data.subarray(src, src + n));
      pos += n;
      src += n;
    }
    this.written += data.length;
  }

  /** Forgets everything, as a secure erase or a new disk would. */
  clear(): void {
    this.chunks.clear();
    this.stored = 0;
    this.truncated = false;
  }

  /** Byte ranges [start, end) that hold anything but zeros, at chunk granularity. */
  extents(): Array<[number, number]> {
    const indexes = [...this.chunks.keys()].sort((a, b) => a - b);
    const out: Array<[number, number]> = [];
    for (const i of indexes) {
      const start = i * CHUNK_SIZE;
      const end = Math.min(this.sizeBytes, start + CHUNK_SIZE);
      const last = out[out.length - 1];
      if (last && last[1] === start) last[1] = end;
      else out.push([start, end]);
    }
    return out;
  }

  stats(): SparseDiskStats {
    return {
      sizeBytes: this.sizeBytes,
      bytesWritten: this.written,
      storedBytes: this.stored,
      nonZeroChunks: this.chunks.size,
      lossy: this.truncated,
    };
  }

  private writeChunk(index: number, inChunk: number, part: Uint8Array): void {
    const chunkLen = Math.min(CHUNK_SIZE, this.sizeBytes - index * CHUNK_SIZE);
    const existing = this.chunks.get(index);
    const whole = inChunk === 0 && part.length === chunkLen;
    let next: Uint8Array;
    if (whole) {
      const fill = uniformByte(part);
      if (fill !== undefined) {
        this.replace(index, fill === 0 ? undefined : { fill });
        return;
      }
      next = part.slice();
    } else {
      const fill = uniformByte(part);
      if (fill !== undefined && existing && 'fill' in existing && existing.fill === fill) return;
      if (fill === 0 && !existing) return;
      next = new Uint8Array(chunkLen);
      if (existing) copyOut(existing, 0, chunkLen, next, 0);
      next.set(part, inChunk);
      const merged = uniformByte(next);
      if (merged !== undefined) {
        this.replace(index, merged === 0 ? undefined : { fill: merged });
        return;
      }
    }
    const previous = existing ? chunkBytes(existing) : 0;
    if (this.stored - previous + next.length > this.budgetBytes) {
      this.truncated = true;
      this.replace(index, { head: next.slice(0, KEPT_HEAD_BYTES) });
    } else {
      this.replace(index, next);
    }
  }

  private replace(index: number, chunk: Chunk | undefined): void {
    const old = this.chunks.get(index);
    if (old) this.stored -= chunkBytes(old);
    if (chunk) {
      this.chunks.set(index, chunk);
      this.stored += chunkBytes(chunk);
    } else {
      this.chunks.delete(index);
    }
  }

  private checkRange(offset: number, length: number): void {
    if (!Number.isSafeInteger(offset) || offset < 0 || offset + length > this.sizeBytes) {
      throw new RangeError(
        `I/O at ${offset}+${length} is outside the disk (size ${this.sizeBytes})`,
      );
    }
  }
}

function chunkBytes(chunk: Chunk): number {
  if (chunk instanceof Uint8Array) return chunk.length;
  return 'head' in chunk ? chunk.head.length : 0;
}

function copyOut(chunk: Chunk, from: number, n: number, out: Uint8Array, at: number): void {
  if (chunk instanceof Uint8Array) {
    out.set(chunk.subarray(from, from + n), at);
  } else if ('fill' in chunk) {
    out.fill(chunk.fill, at, at + n);
  } else if (from < chunk.head.length) {
    out.set(chunk.head.subarray(from, Math.min(chunk.head.length, from + n)), at);
  }
}

function uniformByte(data: Uint8Array): number | undefined {
  if (data.length === 0) return undefined;
  const first = data[0]!;
  for (let i = 1; i < data.length; i++) if (data[i] !== first) return undefined;
  return first;
}
