/**
 * A disk of any size that costs memory only for what was written, kept as a sorted list of
 * extents: runs of one repeated byte (zeros are simply absent), exact data, and "noise" for
 * random data written after the memory budget ran out. Noise reads back as deterministic
 * pseudo-random bytes: the disk was overwritten, its old contents are gone, nobody can tell
 * what exactly is there now - which is what a shredded disk looks like.
 *
 * Some bytes are always kept exactly, budget or not: the first and last MiB (partition tables
 * and their backups) and the head of each partition (superblocks), so "which image was
 * written?" stays answerable for images far larger than the budget.
 */
export const CHUNK_SIZE = 64 * 1024;
const METADATA_ZONE = 1024 * 1024;
const PARTITION_HEAD = 64 * 1024;

type Content =
  { kind: 'fill'; byte: number } | { kind: 'noise' } | { kind: 'data'; bytes: Uint8Array };

interface Extent {
  start: number;
  end: number;
  content: Content;
}

export interface SparseDiskStats {
  sizeBytes: number;
  bytesWritten: number;
  /** Bytes of memory holding exact data. */
  storedBytes: number;
  /** Extents that are not zeros. */
  extents: number;
  /** Some random data was kept only as noise after the budget ran out. */
  lossy: boolean;
}

/** Offsets where file systems keep their signatures, asked for when the budget runs out. */
export type PinnedOffsets = () => number[];

const NOISE = (() => {
  // A fixed pseudo-random pattern (xorshift), tiled by absolute offset.
  const out = new Uint8Array(CHUNK_SIZE);
  let x = 0x9e3779b9;
  for (let i = 0; i < out.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
})();

export class SparseDisk {
  private list: Extent[] = [];
  private stored = 0;
  private written = 0;
  private noisy = false;
  /** Partition starts, supplied by whoever can read the table (the machine). */
  pinnedOffsets: PinnedOffsets = () => [];

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
    for (let i = this.firstOverlap(offset); i < this.list.length; i++) {
      const e = this.list[i]!;
      if (e.start >= end) break;
      const from = Math.max(e.start, offset);
      const to = Math.min(e.end, end);
      const c = e.content;
      if (c.kind === 'fill') out.fill(c.byte, from - offset, to - offset);
      else if (c.kind === 'data')
        out.set(c.bytes.subarray(from - e.start, to - e.start), from - offset);
      else fillNoise(out, from - offset, from, to - from);
    }
    return out;
  }

  write(offset: number, data: Uint8Array): void {
    this.checkRange(offset, data.length);
    if (data.length === 0) return;
    const end = offset + data.length;
    this.written += data.length;
    const fill = uniformByte(data);
    if (fill !== undefined) {
      this.replace(
        offset,
        end,
        fill === 0 ? [] : [{ start: offset, end, content: { kind: 'fill', byte: fill } }],
      );
      return;
    }
    const freed = this.dataBytesIn(offset, end);
    if (this.stored - freed + data.length <= this.budgetBytes) {
      this.replace(offset, end, [
        { start: offset, end, content: { kind: 'data', bytes: copyOf(data) } },
      ]);
      return;
    }
    // Over budget: exact bytes only where metadata lives, noise elsewhere.
    const keep = this.pinnedRanges(offset, end);
    const pieces: Extent[] = [];
    let at = offset;
    for (const [from, to] of keep) {
      if (from > at) pieces.push({ start: at, end: from, content: { kind: 'noise' } });
      pieces.push({
        start: from,
        end: to,
        content: { kind: 'data', bytes: copyOf(data.subarray(from - offset, to - offset)) },
      });
      at = to;
    }
    if (at < end) pieces.push({ start: at, end, content: { kind: 'noise' } });
    this.noisy ||= pieces.some((p) => p.content.kind === 'noise');
    this.replace(offset, end, pieces);
  }

  /** Forgets everything, as a secure erase does. */
  clear(): void {
    this.list = [];
    this.stored = 0;
    this.noisy = false;
  }

  /** Byte ranges [start, end) that hold anything but zeros. */
  extents(): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    for (const e of this.list) {
      const last = out[out.length - 1];
      if (last && last[1] === e.start) last[1] = e.end;
      else out.push([e.start, e.end]);
    }
    return out;
  }

  stats(): SparseDiskStats {
    return {
      sizeBytes: this.sizeBytes,
      bytesWritten: this.written,
      storedBytes: this.stored,
      extents: this.list.length,
      lossy: this.noisy,
    };
  }

  private pinnedRanges(start: number, end: number): Array<[number, number]> {
    const zones: Array<[number, number]> = [
      [0, METADATA_ZONE],
      [this.sizeBytes - METADATA_ZONE, this.sizeBytes],
      ...this.pinnedOffsets().map((o): [number, number] => [o, o + PARTITION_HEAD]),
    ];
    const hits = zones
      .map(([a, b]): [number, number] => [Math.max(a, start), Math.min(b, end)])
      .filter(([a, b]) => a < b)
      .sort((x, y) => x[0] - y[0]);
    const merged: Array<[number, number]> = [];
    for (const [a, b] of hits) {
      const last = merged[merged.length - 1];
      if (last && a <= last[1]) last[1] = Math.max(last[1], b);
      else merged.push([a, b]);
    }
    return merged;
  }

  /** Index of the first extent that ends after `offset`. */
  private firstOverlap(offset: number): number {
    let lo = 0;
    let hi = this.list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.list[mid]!.end <= offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private dataBytesIn(start: number, end: number): number {
    let total = 0;
    for (let i = this.firstOverlap(start); i < this.list.length; i++) {
      const e = this.list[i]!;
      if (e.start >= end) break;
      if (e.content.kind === 'data') total += Math.min(e.end, end) - Math.max(e.start, start);
    }
    return total;
  }

  /** Replaces [start, end) with `pieces` (sorted, inside the range), merging like neighbours. */
  private replace(start: number, end: number, pieces: Extent[]): void {
    const first = this.firstOverlap(start);
    let last = first;
    const kept: Extent[] = [];
    while (last < this.list.length && this.list[last]!.start < end) {
      const e = this.list[last]!;
      if (e.start < start) kept.push(slice(e, e.start, start));
      if (e.end > end) kept.push(slice(e, end, e.end));
      if (e.content.kind === 'data') this.stored -= e.content.bytes.length;
      last++;
    }
    const before = kept.filter((e) => e.end <= start);
    const after = kept.filter((e) => e.start >= end);
    const inserted = [...before, ...pieces, ...after];
    for (const e of inserted) if (e.content.kind === 'data') this.stored += e.content.bytes.length;
    // Merge with the neighbours outside the replaced span too.
    const lo = Math.max(0, first - 1);
    const hi = Math.min(this.list.length, last + 1);
    const window = [...this.list.slice(lo, first), ...inserted, ...this.list.slice(last, hi)];
    const merged: Extent[] = [];
    for (const e of window) {
      const prev = merged[merged.length - 1];
      if (prev && prev.end === e.start && mergeable(prev.content, e.content)) prev.end = e.end;
      else merged.push({ ...e });
    }
    this.list.splice(lo, hi - lo, ...merged);
  }

  private checkRange(offset: number, length: number): void {
    if (!Number.isSafeInteger(offset) || offset < 0 || offset + length > this.sizeBytes) {
      throw new RangeError(
        `I/O at ${offset}+${length} is outside the disk (size ${this.sizeBytes})`,
      );
    }
  }
}

function slice(e: Extent, start: number, end: number): Extent {
  const c = e.content;
  if (c.kind === 'data') {
    return {
      start,
      end,
      content: { kind: 'data', bytes: c.bytes.slice(start - e.start, end - e.start) },
    };
  }
  return { start, end, content: c };
}

function mergeable(a: Content, b: Content): boolean {
  if (a.kind === 'fill' && b.kind === 'fill') return a.byte === b.byte;
  return a.kind === 'noise' && b.kind === 'noise';
}

function fillNoise(out: Uint8Array, at: number, diskOffset: number, length: number): void {
  let done = 0;
  while (done < length) {
    const phase = (diskOffset + done) % CHUNK_SIZE;
    const n = Math.min(CHUNK_SIZE - phase, length - done);
    out.set(NOISE.subarray(phase, phase + n), at + done);
    done += n;
  }
}

/** The byte a buffer consists of, if it is one repeated byte (native memcmp of shifted views). */
function uniformByte(data: Uint8Array): number | undefined {
  const first = data[0]!;
  if (data.length === 1) return first;
  const b = Buffer.from(data.buffer, data.byteOffset, data.length);
  return b.subarray(1).equals(b.subarray(0, b.length - 1)) ? first : undefined;
}

/**
 * A private copy of written bytes. `data.slice()` would not do: on a Node Buffer it returns a
 * view, and writers reuse their buffers (the agent's double-buffered image writer does).
 */
function copyOf(data: Uint8Array): Uint8Array {
  return new Uint8Array(data);
}
