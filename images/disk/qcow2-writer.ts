/**
 * A qcow2 (version 3) file from a raw image held in memory, laid out the way a reader that
 * streams the file front to back wants it: header, refcount table, refcount blocks, L1 table,
 * every L2 table, then the data clusters in guest order. All-zero clusters are left
 * unallocated, so they cost nothing in the file and read back as zeros.
 */
export interface Qcow2Options {
  /** log2 of the cluster size; qemu's default is 16 (64 KiB). */
  clusterBits?: number;
}

const HEADER_LENGTH = 104;
const COPIED = 1n << 63n;

export function rawToQcow2(raw: Uint8Array, options: Qcow2Options = {}): Buffer {
  const bits = options.clusterBits ?? 16;
  if (bits < 9 || bits > 21) throw new RangeError(`cluster_bits ${bits} out of range`);
  const cs = 1 << bits;
  const l2Entries = cs / 8;
  const virtualSize = raw.length;
  const guestClusters = Math.ceil(virtualSize / cs);
  const l1Size = Math.ceil(guestClusters / l2Entries);

  // Guest clusters that carry data, and the L2 tables they need.
  const dataClusters: number[] = [];
  const l2Used = new Set<number>();
  for (let c = 0; c < guestClusters; c++) {
    if (!isZero(raw, c * cs, Math.min(cs, virtualSize - c * cs))) {
      dataClusters.push(c);
      l2Used.add(Math.floor(c / l2Entries));
    }
  }
  const l2Order = [...l2Used].sort((a, b) => a - b);
  const l1Clusters = Math.max(1, Math.ceil((l1Size * 8) / cs));
  const refcountPerBlock = cs / 2; // 16-bit refcounts (refcount_order 4)

  // The refcount blocks cover every cluster of the file, themselves included.
  let refBlocks = 1;
  let refTableClusters = 1;
  let total = 0;
  for (;;) {
    total = 1 + refTableClusters + refBlocks + l1Clusters + l2Order.length + dataClusters.length;
    const needBlocks = Math.ceil(total / refcountPerBlock);
    const needTable = Math.max(1, Math.ceil((needBlocks * 8) / cs));
    if (needBlocks <= refBlocks && needTable <= refTableClusters) break;
    refBlocks = Math.max(refBlocks, needBlocks);
    refTableClusters = Math.max(refTableClusters, needTable);
  }
  const refTableAt = 1;
  const refBlocksAt = refTableAt + refTableClusters;
  const l1At = refBlocksAt + refBlocks;
  const l2At = l1At + l1Clusters;
  const dataAt = l2At + l2Order.length;

  const file = Buffer.alloc(total * cs);
  const h = file;
  h.write('QFI\xfb', 0, 'latin1');
  h.writeUInt32BE(3, 4);
  h.writeUInt32BE(bits, 20);
  h.writeBigUInt64BE(BigInt(virtualSize), 24);
  h.writeUInt32BE(l1Size, 36);
  h.writeBigUInt64BE(BigInt(l1At * cs), 40);
  h.writeBigUInt64BE(BigInt(refTableAt * cs), 48);
  h.writeUInt32BE(refTableClusters, 56);
  h.writeUInt32BE(4, 96);
  h.writeUInt32BE(HEADER_LENGTH, 100);
  // Header extension area: a lone end marker (type 0, length 0) follows the header.

  for (let b = 0; b < refBlocks; b++) {
    file.writeBigUInt64BE(BigInt((refBlocksAt + b) * cs), refTableAt * cs + b * 8);
  }
  for (let c = 0; c < total; c++) {
    const block = Math.floor(c / refcountPerBlock);
    file.writeUInt16BE(1, (refBlocksAt + block) * cs + (c % refcountPerBlock) * 2);
  }
  l2Order.forEach((l1Index, i) => {
    file.writeBigUInt64BE(BigInt((l2At + i) * cs) | COPIED, l1At * cs + l1Index * 8);
  });
  const l2Slot = new Map(l2Order.map((l1Index, i) => [l1Index, l2At + i]));
  dataClusters.forEach((guest, i) => {
    const host = dataAt + i;
    const table = l2Slot.get(Math.floor(guest / l2Entries))!;
    file.writeBigUInt64BE(BigInt(host * cs) | COPIED, table * cs + (guest % l2Entries) * 8);
    const start = guest * cs;
    file.set(raw.subarray(start, Math.min(start + cs, virtualSize)), host * cs);
  });
  return file;
}

function isZero(buf: Uint8Array, start: number, length: number): boolean {
  const end = start + length;
  for (let i = start; i < end; i++) if (buf[i] !== 0) return false;
  return true;
}
