import { describe, expect, it } from 'vitest';
import { CHUNK_SIZE, SparseDisk } from './sparse-disk';

describe('SparseDisk', () => {
  it('holds many terabytes without allocating, and reads zeros where nothing was written', () => {
    const disk = new SparseDisk(100 * 1024 ** 4);
    expect(disk.read(50 * 1024 ** 4, 8)).toEqual(new Uint8Array(8));
    expect(disk.stats()).toMatchObject({ storedBytes: 0, nonZeroChunks: 0 });
  });

  it('reads back writes that straddle chunks, keeps uniform chunks as one byte and drops zeros', () => {
    const disk = new SparseDisk(10 * CHUNK_SIZE);
    const data = Uint8Array.from({ length: 3 * CHUNK_SIZE }, (_, i) => i % 251);
    disk.write(CHUNK_SIZE / 2, data);
    expect(disk.read(CHUNK_SIZE / 2, data.length)).toEqual(data);
    expect(disk.extents()).toEqual([[0, 4 * CHUNK_SIZE]]);
    disk.write(0, new Uint8Array(10 * CHUNK_SIZE));
    expect(disk.stats()).toMatchObject({
      storedBytes: 0,
      nonZeroChunks: 0,
      bytesWritten: 13 * CHUNK_SIZE,
    });
    disk.write(0, new Uint8Array(CHUNK_SIZE).fill(0xff));
    expect(disk.stats()).toMatchObject({ storedBytes: 0, nonZeroChunks: 1 });
    expect(disk.read(100, 2)).toEqual(Uint8Array.from([0xff, 0xff]));
  });

  it('keeps only chunk heads once the memory budget is spent', () => {
    const disk = new SparseDisk(8 * CHUNK_SIZE, CHUNK_SIZE);
    const random = Uint8Array.from({ length: 2 * CHUNK_SIZE }, (_, i) => (i * 7919) % 256);
    disk.write(0, random);
    const stats = disk.stats();
    expect(stats.lossy).toBe(true);
    expect(stats.storedBytes).toBeLessThanOrEqual(CHUNK_SIZE + 4096);
    expect(disk.read(CHUNK_SIZE, 16)).toEqual(random.subarray(CHUNK_SIZE, CHUNK_SIZE + 16));
  });

  it('rejects I/O outside the disk', () => {
    const disk = new SparseDisk(1024);
    expect(() => disk.write(1020, new Uint8Array(8))).toThrow(RangeError);
    expect(() => disk.read(-1, 1)).toThrow(RangeError);
  });
});
