import { describe, expect, it } from 'vitest';
import { ESP_TYPE, LINUX_TYPE, writeGptImage } from '../testing/disk-images';
import { partitionName, readDiskLayout } from './disk-layout';
import { SparseDisk } from './sparse-disk';

describe('readDiskLayout', () => {
  it('reads a GPT with its partitions and their file systems', () => {
    const disk = new SparseDisk(20 * 1024 ** 3);
    writeGptImage((o, d) => disk.write(o, d), '5b3f1c9e-8d1a-4c2b-9e7f-0a1b2c3d4e5f', [
      {
        startLba: 2048,
        sizeLba: 204800,
        type: ESP_TYPE,
        uuid: '11111111-2222-4333-8444-555555555555',
        name: 'EFI System',
        fs: { type: 'vfat', uuid: 'ABCD-1234', label: 'EFI' },
      },
      {
        startLba: 206848,
        sizeLba: 4_000_000,
        type: LINUX_TYPE,
        uuid: '66666666-7777-4888-9999-aaaaaaaaaaaa',
        name: 'root',
        fs: {
          type: 'ext4',
          uuid: '0d9c7a4e-3b2f-4a1c-8e6d-5f4e3d2c1b0a',
          label: 'cloudimg-rootfs',
        },
      },
    ]);
    const layout = readDiskLayout(disk, 512);
    expect(layout.table).toBe('gpt');
    expect(layout.tableUuid).toBe('5b3f1c9e-8d1a-4c2b-9e7f-0a1b2c3d4e5f');
    expect(layout.partitions).toEqual([
      {
        number: 1,
        startBytes: 2048 * 512,
        sizeBytes: 204800 * 512,
        type: ESP_TYPE,
        uuid: '11111111-2222-4333-8444-555555555555',
        name: 'EFI System',
        fs: { type: 'vfat', uuid: 'ABCD-1234', label: 'EFI' },
      },
      {
        number: 2,
        startBytes: 206848 * 512,
        sizeBytes: 4_000_000 * 512,
        type: LINUX_TYPE,
        uuid: '66666666-7777-4888-9999-aaaaaaaaaaaa',
        name: 'root',
        fs: {
          type: 'ext4',
          uuid: '0d9c7a4e-3b2f-4a1c-8e6d-5f4e3d2c1b0a',
          label: 'cloudimg-rootfs',
        },
      },
    ]);
  });

  it('reads an MBR table and a bare disk', () => {
    const disk = new SparseDisk(1024 ** 3);
    expect(readDiskLayout(disk, 512)).toEqual({
      table: null,
      tableUuid: null,
      partitions: [],
      fs: null,
    });
    const mbr = Buffer.alloc(512);
    mbr.writeUInt32LE(0xdeadbeef, 440);
    mbr[446 + 4] = 0x83;
    mbr.writeUInt32LE(2048, 446 + 8);
    mbr.writeUInt32LE(100_000, 446 + 12);
    mbr[510] = 0x55;
    mbr[511] = 0xaa;
    disk.write(0, mbr);
    const layout = readDiskLayout(disk, 512);
    expect(layout).toMatchObject({ table: 'dos', tableUuid: 'deadbeef' });
    expect(layout.partitions[0]).toMatchObject({
      number: 1,
      type: '0x83',
      uuid: 'deadbeef-01',
      startBytes: 2048 * 512,
    });
  });

  it('names partitions as the kernel does', () => {
    expect(partitionName('sda', 2)).toBe('sda2');
    expect(partitionName('nvme0n1', 1)).toBe('nvme0n1p1');
  });
});
