import { describe, expect, it } from 'vitest';
import { SparseDisk } from './sparse-disk';

const MiB = 1024 * 1024;

/** Byte-for-byte comparison (deep equality of megabyte arrays is far too slow). */
function same(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.length).equals(
    Buffer.from(b.buffer, b.byteOffset, b.length),
  );
}

function pattern(length: number, f: (i: number) => number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = f(i);
  return out;
}

describe('SparseDisk', () => {
  it('holds many terabytes without allocating, and reads zeros where nothing was written', () => {
    const disk = new SparseDisk(100 * 1024 ** 4);
    expect(disk.read(50 * 1024 ** 4, 8)).toEqual(new Uint8Array(8));
    expect(disk.stats()).toMatchObject({ storedBytes: 0, extents: 0 });
  });

  it('reads back overlapping writes exactly and keeps uniform runs as one extent', () => {
    const disk = new SparseDisk(64 * MiB);
    const data = pattern(3 * MiB, (i) => i % 251);
    disk.write(MiB / 2, data);
    expect(same(disk.read(MiB / 2, data.length), data)).toBe(true);
    disk.write(MiB, new Uint8Array(4096).fill(7));
    const back = disk.read(MiB - 2, 4100);
    expect([...back.subarray(0, 2)]).toEqual([...data.subarray(MiB / 2 - 2, MiB / 2)]);
    expect(back.subarray(2, 4098).every((b) => b === 7)).toBe(true);
    expect(disk.extents()).toEqual([[MiB / 2, MiB / 2 + 3 * MiB]]);
    // Eight 8 MiB writes of 0xFF over 64 MiB: one extent, no data memory.
    for (let i = 0; i < 8; i++) disk.write(i * 8 * MiB, new Uint8Array(8 * MiB).fill(0xff));
    expect(disk.stats()).toMatchObject({ storedBytes: 0, extents: 1 });
    disk.write(0, new Uint8Array(64 * MiB));
    expect(disk.extents()).toEqual([]);
    expect(disk.stats().bytesWritten).toBe(3 * MiB + 4096 + 128 * MiB);
  });

  it('turns random data past the budget into noise but keeps the metadata zones and partition heads', () => {
    const disk = new SparseDisk(1024 * 1024 * MiB, 4 * MiB);
    disk.pinnedOffsets = () => [300 * MiB];
    const random = pattern(8 * MiB, (i) => (i * 7919 + (i >> 13)) % 256);
    for (let at = 0; at < 512 * MiB; at += 8 * MiB) disk.write(at, random);
    const stats = disk.stats();
    expect(stats.lossy).toBe(true);
    // 4 MiB of budget plus the pinned zones, not 512 MiB.
    expect(stats.storedBytes).toBeLessThan(8 * MiB);
    expect(same(disk.read(0, 4096), random.subarray(0, 4096))).toBe(true);
    expect(disk.read(300 * MiB, 1024)).toEqual(
      random.subarray((300 * MiB) % (8 * MiB), ((300 * MiB) % (8 * MiB)) + 1024),
    );
    const noise = disk.read(400 * MiB, 4096);
    expect(noise.some((b) => b !== 0)).toBe(true);
    expect(disk.read(400 * MiB, 4096)).toEqual(noise);
    disk.clear();
    expect(disk.stats()).toMatchObject({ storedBytes: 0, extents: 0, lossy: false });
  });

  it('survives many small interleaved writes with correct contents', () => {
    const disk = new SparseDisk(4 * MiB);
    const model = new Uint8Array(4 * MiB);
    let seed = 1;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let i = 0; i < 300; i++) {
      const at = rand() % (4 * MiB - 10_000);
      const len = 1 + (rand() % 9_000);
      const kind = rand() % 3;
      const chunk = new Uint8Array(len);
      if (kind === 1) chunk.fill(rand() % 256);
      if (kind === 2) for (let j = 0; j < len; j++) chunk[j] = rand() % 256;
      disk.write(at, chunk);
      model.set(chunk, at);
    }
    expect(same(disk.read(0, 4 * MiB), model)).toBe(true);
  });

  it('keeps what was written when the writer reuses its Buffer (Buffer.slice is a view)', () => {
    const disk = new SparseDisk(64 * MiB, 4 * MiB);
    const buffer = Buffer.alloc(MiB);
    buffer.write('EFI PART', 512, 'latin1');
    buffer[MiB - 1] = 7;
    disk.write(0, buffer.subarray(0, MiB));
    // Past the budget only the pinned first MiB stays exact: a copy of it, too.
    const big = Buffer.alloc(8 * MiB, 1);
    big.write('EFI PART', 512, 'latin1');
    big[2] = 9;
    disk.write(32 * MiB, buffer);
    disk.write(0, big);
    buffer.fill(0);
    big.fill(0);
    expect(Buffer.from(disk.read(512, 8)).toString('latin1')).toBe('EFI PART');
    expect(disk.read(2, 1)[0]).toBe(9);
    expect(disk.read(32 * MiB + MiB - 1, 1)[0]).toBe(7);
  });

  it('rejects I/O outside the disk', () => {
    const disk = new SparseDisk(1024);
    expect(() => disk.write(1020, new Uint8Array(8))).toThrow(RangeError);
    expect(() => disk.read(-1, 1)).toThrow(RangeError);
  });
});
