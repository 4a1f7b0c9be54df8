import { constants as zlibConstants, inflateRawSync } from 'node:zlib';
import { InvalidImageError } from '../errors';

/** Where guest data goes: `write` at a guest (virtual disk) offset. */
export interface GuestSink {
  write(offset: number, data: Uint8Array): Promise<void>;
}

export interface Qcow2Header {
  version: 2 | 3;
  clusterBits: number;
  virtualSize: number;
  l1Size: number;
  l1TableOffset: number;
  refcountTableOffset: number;
  refcountTableClusters: number;
  headerLength: number;
}

export const QCOW2_MAGIC = 0x514649fb;

const OFFSET_MASK = 0x00fffffffffffe00n;
const COMPRESSED = 1n << 62n;
const ZERO_FLAG = 1n;

/**
 * Parses a qcow2 header, refusing what a deploy must not write (IPA's format-inspector safety
 * rules): backing files, external data files, encryption, and features this reader lacks.
 */
export function parseQcow2Header(b: Uint8Array): Qcow2Header {
  const h = Buffer.from(b.buffer, b.byteOffset, b.length);
  if (h.length < 72 || h.readUInt32BE(0) !== QCOW2_MAGIC)
    throw new InvalidImageError('not a qcow2 image');
  const version = h.readUInt32BE(4);
  if (version !== 2 && version !== 3)
    throw new InvalidImageError(`qcow2 version ${version} is not supported`);
  if (h.readBigUInt64BE(8) !== 0n)
    throw new InvalidImageError('qcow2 images with a backing file are not allowed');
  const clusterBits = h.readUInt32BE(20);
  if (clusterBits < 9 || clusterBits > 21)
    throw new InvalidImageError(`qcow2 cluster_bits ${clusterBits} is invalid`);
  if (h.readUInt32BE(32) !== 0)
    throw new InvalidImageError('encrypted qcow2 images are not supported');
  let headerLength = 72;
  if (version === 3) {
    if (h.length < 104) throw new InvalidImageError('truncated qcow2 header');
    const incompatible = h.readBigUInt64BE(72);
    if (incompatible & 2n) throw new InvalidImageError('qcow2 image is marked corrupt');
    if (incompatible & 4n)
      throw new InvalidImageError('qcow2 images with an external data file are not allowed');
    if (incompatible & 8n)
      throw new InvalidImageError('qcow2 compression types other than zlib are not supported');
    if (incompatible & 16n)
      throw new InvalidImageError('qcow2 extended L2 entries are not supported');
    if (incompatible & ~0x1fn)
      throw new InvalidImageError('qcow2 image uses unknown incompatible features');
    if (h.readUInt32BE(96) !== 4)
      throw new InvalidImageError('qcow2 refcount_order other than 4 is not supported');
    headerLength = h.readUInt32BE(100);
  }
  const virtualSize = Number(h.readBigUInt64BE(24));
  const l1Size = h.readUInt32BE(36);
  const cs = 2 ** clusterBits;
  if (l1Size * (cs / 8) * cs < virtualSize)
    throw new InvalidImageError('qcow2 L1 table too small for its size');
  return {
    version,
    clusterBits,
    virtualSize,
    l1Size,
    l1TableOffset: Number(h.readBigUInt64BE(40)),
    refcountTableOffset: Number(h.readBigUInt64BE(48)),
    refcountTableClusters: h.readUInt32BE(56),
    headerLength,
  };
}

interface CompressedExtent {
  host: number;
  length: number;
  guest: number;
}

/**
 * Converts a qcow2 file to raw guest data while it streams past, front to back, without a
 * temporary copy: the L1 and L2 tables are read as they pass and map the data clusters that
 * follow them. Files written by qemu-img and by our image service keep tables ahead of the
 * data they map; a cluster that passes before its table is kept in memory (up to
 * `maxBufferedBytes`) until the table shows where it goes. Unallocated and zero clusters are
 * not written here: `unwrittenRanges()` lists them so the caller can zero them (qemu-img -S 0).
 */
export class Qcow2StreamConverter {
  private header: Qcow2Header | null = null;
  private head: Buffer[] = [];
  private headLength = 0;
  private cs = 0;
  private pos = 0;
  private cluster: Buffer = Buffer.alloc(0);
  private fill = 0;
  /** Host cluster being filled. */
  private index = 0;
  /** Copy of the last completed cluster, kept while a compressed extent starts in it. */
  private previous: { index: number; data: Buffer } | null = null;
  private readonly l1Clusters = new Set<number>();
  private l1Data: Buffer | null = null;
  private l1Captured = 0;
  private readonly l2Tables = new Map<number, number>();
  private readonly refcountTableClusters = new Set<number>();
  private readonly refcountBlocks = new Set<number>();
  private readonly dataMap = new Map<number, number[]>();
  private readonly compressed = new Map<number, CompressedExtent[]>();
  private readonly stash = new Map<number, Buffer>();
  /** Unclaimed non-zero clusters dropped because the stash was full. */
  private readonly dropped = new Set<number>();
  private stashed = 0;
  private unresolved = 0;
  private written: Uint8Array = new Uint8Array(0);
  private guestClusters = 0;
  private readonly maxBuffered: number;
  private zero: Buffer = Buffer.alloc(0);

  constructor(
    private readonly sink: GuestSink,
    private readonly options: {
      maxBufferedBytes?: number;
      /** Called once the header is known; throw to refuse (e.g. larger than the disk). */
      onHeader?: (header: Qcow2Header) => void;
    } = {},
  ) {
    this.maxBuffered = options.maxBufferedBytes ?? 64 * 1024 * 1024;
  }

  get virtualSize(): number | null {
    return this.header?.virtualSize ?? null;
  }

  /** Bytes of the qcow2 file consumed. */
  get position(): number {
    return this.pos + this.headLength;
  }

  async push(chunk: Uint8Array): Promise<void> {
    const data = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    if (this.header) return this.consume(data);
    this.head.push(Buffer.from(data));
    this.headLength += data.length;
    if (this.headLength >= 112) await this.startFromHead();
  }

  /** Ends the stream: the last partial cluster is processed and every mapping must be met. */
  async end(): Promise<void> {
    if (!this.header) {
      if (this.headLength === 0) throw new InvalidImageError('empty image');
      await this.startFromHead();
    }
    if (this.fill > 0) {
      this.cluster.fill(0, this.fill);
      this.fill = this.cs;
      await this.completeCluster();
    }
    const last = this.index - 1;
    const list = this.compressed.get(last);
    if (list && this.previous?.index === last) {
      await this.inflateExtents(last, this.previous.data, list);
    }
    if (this.l1Data === null) throw new InvalidImageError('qcow2 file ends before its L1 table');
    if (this.unresolved > 0) {
      throw new InvalidImageError(
        `qcow2 file is truncated or not streamable: ${this.unresolved} mapped cluster(s) never arrived`,
      );
    }
  }

  /** Guest byte ranges no data was written to (unallocated or zero clusters). */
  unwrittenRanges(): { offset: number; length: number }[] {
    const out: { offset: number; length: number }[] = [];
    const size = this.header?.virtualSize ?? 0;
    let runStart = -1;
    for (let c = 0; c <= this.guestClusters; c++) {
      const gap = c < this.guestClusters && (this.written[c >> 3]! & (1 << (c & 7))) === 0;
      if (gap && runStart < 0) runStart = c;
      if (!gap && runStart >= 0) {
        const offset = runStart * this.cs;
        out.push({ offset, length: Math.min(c * this.cs, size) - offset });
        runStart = -1;
      }
    }
    return out;
  }

  private async startFromHead(): Promise<void> {
    const head = Buffer.concat(this.head);
    this.head = [];
    this.headLength = 0;
    const header = parseQcow2Header(head);
    this.options.onHeader?.(header);
    this.header = header;
    this.cs = 2 ** header.clusterBits;
    this.cluster = Buffer.alloc(this.cs);
    this.zero = Buffer.alloc(this.cs);
    this.guestClusters = Math.ceil(header.virtualSize / this.cs);
    this.written = new Uint8Array(Math.ceil(this.guestClusters / 8));
    if (header.l1TableOffset % this.cs !== 0) {
      throw new InvalidImageError('qcow2 L1 table is not cluster aligned');
    }
    const first = header.l1TableOffset / this.cs;
    const l1Clusters = Math.ceil((header.l1Size * 8) / this.cs);
    for (let c = first; c < first + l1Clusters; c++) this.l1Clusters.add(c);
    if (l1Clusters === 0) this.l1Data = Buffer.alloc(0);
    const rt = Math.floor(header.refcountTableOffset / this.cs);
    for (let c = rt; c < rt + header.refcountTableClusters; c++) this.refcountTableClusters.add(c);
    await this.consume(head);
  }

  private async consume(data: Buffer): Promise<void> {
    let at = 0;
    while (at < data.length) {
      const n = Math.min(this.cs - this.fill, data.length - at);
      data.copy(this.cluster, this.fill, at, at + n);
      this.fill += n;
      at += n;
      this.pos += n;
      if (this.fill === this.cs) await this.completeCluster();
    }
  }

  private async completeCluster(): Promise<void> {
    const k = this.index;
    await this.handleCluster(k, this.cluster);
    const spanning = this.compressed.get(k - 1);
    if (spanning && this.previous?.index === k - 1) {
      await this.inflateExtents(k - 1, Buffer.concat([this.previous.data, this.cluster]), spanning);
    }
    this.previous = this.compressed.has(k) ? { index: k, data: Buffer.from(this.cluster) } : null;
    this.index++;
    this.fill = 0;
  }

  private async handleCluster(k: number, data: Buffer): Promise<void> {
    if (k === 0) return; // the header
    if (this.l1Clusters.has(k)) {
      this.captureL1(k, data);
      if (this.l1Captured === this.l1Clusters.size) await this.parseL1();
      return;
    }
    const l1Index = this.l2Tables.get(k);
    if (l1Index !== undefined) return this.parseL2(l1Index, data);
    if (this.refcountTableClusters.has(k)) {
      for (let i = 0; i < this.cs; i += 8) {
        const off = Number(data.readBigUInt64BE(i) & OFFSET_MASK);
        if (off) this.refcountBlocks.add(Math.floor(off / this.cs));
      }
      return;
    }
    if (this.refcountBlocks.has(k)) return;
    const guests = this.dataMap.get(k);
    if (guests) {
      this.dataMap.delete(k);
      this.unresolved -= guests.length;
      for (const g of guests) await this.writeGuest(g, data);
      return;
    }
    if (this.compressed.has(k) || data.equals(this.zero)) return;
    // Not mapped (yet): keep it for a table that may still come.
    if (this.stashed + this.cs <= this.maxBuffered) {
      this.stash.set(k, Buffer.from(data));
      this.stashed += this.cs;
    } else {
      this.dropped.add(k);
    }
  }

  private captureL1(k: number, data: Buffer): void {
    const h = this.header!;
    this.l1Data ??= Buffer.alloc(h.l1Size * 8);
    const rel = k * this.cs - h.l1TableOffset;
    data.copy(this.l1Data, rel, 0, Math.min(this.cs, this.l1Data.length - rel));
    this.l1Captured++;
  }

  /** Data of a host cluster that already passed, if it was kept. */
  private passed(k: number): Buffer | null {
    if (this.previous?.index === k) return this.previous.data;
    const kept = this.stash.get(k);
    if (kept) return kept;
    if (this.dropped.has(k)) {
      throw new InvalidImageError(
        `qcow2 cluster at ${k * this.cs} precedes the table that maps it and was not kept`,
      );
    }
    return null; // an all-zero cluster
  }

  private async parseL1(): Promise<void> {
    const l1 = this.l1Data!;
    for (let i = 0; i < this.header!.l1Size; i++) {
      const off = Number(l1.readBigUInt64BE(i * 8) & OFFSET_MASK);
      if (!off) continue;
      if (off % this.cs !== 0) throw new InvalidImageError('qcow2 L2 table is not cluster aligned');
      const k = off / this.cs;
      if (k < this.index) {
        const early = this.passed(k);
        if (early) await this.parseL2(i, early);
        continue;
      }
      this.l2Tables.set(k, i);
    }
  }

  private async parseL2(l1Index: number, table: Buffer): Promise<void> {
    const perTable = this.cs / 8;
    const bits = this.header!.clusterBits;
    const x = BigInt(62 - (bits - 8));
    const offMask = (1n << x) - 1n;
    const sectorMask = (1n << BigInt(bits - 8)) - 1n;
    for (let i = 0; i < perTable; i++) {
      const guest = l1Index * perTable + i;
      if (guest >= this.guestClusters) break;
      const e = table.readBigUInt64BE(i * 8);
      if (e === 0n) continue;
      if (e & COMPRESSED) {
        const host = Number(e & offMask);
        const sectors = Number((e >> x) & sectorMask) + 1;
        const ext = { host, length: sectors * 512 - (host & 511), guest };
        const k = Math.floor(host / this.cs);
        if (k < this.index) {
          const first = this.passed(k) ?? Buffer.alloc(this.cs);
          const second =
            k + 1 < this.index ? (this.passed(k + 1) ?? Buffer.alloc(this.cs)) : this.cluster;
          await this.inflateExtents(k, Buffer.concat([first, second]), [ext], false);
          continue;
        }
        const list = this.compressed.get(k);
        if (list) list.push(ext);
        else this.compressed.set(k, [ext]);
        this.unresolved++;
        continue;
      }
      if (e & ZERO_FLAG) continue;
      const off = Number(e & OFFSET_MASK);
      if (!off) continue;
      if (off % this.cs !== 0) throw new InvalidImageError('qcow2 data cluster is not aligned');
      const k = off / this.cs;
      if (k < this.index) {
        const early = this.passed(k);
        if (early) await this.writeGuest(guest, early);
        continue;
      }
      const list = this.dataMap.get(k);
      if (list) list.push(guest);
      else this.dataMap.set(k, [guest]);
      this.unresolved++;
    }
  }

  private async inflateExtents(
    k: number,
    window: Buffer,
    list: CompressedExtent[],
    registered = true,
  ): Promise<void> {
    const base = k * this.cs;
    for (const ext of list) {
      const rel = ext.host - base;
      const raw = window.subarray(rel, Math.min(window.length, rel + ext.length));
      let out: Buffer;
      try {
        out = inflateRawSync(raw, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
      } catch (err) {
        throw new InvalidImageError(`qcow2 compressed cluster cannot be inflated: ${String(err)}`);
      }
      if (out.length < this.cs) out = Buffer.concat([out, Buffer.alloc(this.cs - out.length)]);
      await this.writeGuest(ext.guest, out);
      if (registered) this.unresolved--;
    }
    if (registered) this.compressed.delete(k);
  }

  private async writeGuest(guest: number, data: Buffer): Promise<void> {
    const size = this.header!.virtualSize;
    const offset = guest * this.cs;
    const length = Math.min(this.cs, size - offset);
    await this.sink.write(offset, data.subarray(0, length));
    this.written[guest >> 3]! |= 1 << (guest & 7);
  }
}
