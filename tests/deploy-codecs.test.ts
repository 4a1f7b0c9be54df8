import { describe, expect, it } from 'vitest';
import {
  GPT_TYPE,
  buildFat,
  buildGpt,
  readFatFile,
  readFatTree,
  readPartitionTable,
} from '../lib/disk';

// The image service writes sample images with these codecs and the agent and simulator read
// them back with the same ones; this round trip keeps writer and reader honest with each other.
describe('disk codecs (lib/disk)', () => {
  it('reads back the GPT and FAT it writes', async () => {
    const sectorSize = 512;
    const totalSectors = 65536;
    const disk = new Uint8Array(sectorSize * totalSectors);
    const gpt = buildGpt({
      sectorSize,
      totalSectors,
      diskGuid: '01234567-89ab-4cde-8f01-23456789abcd',
      partitions: [
        {
          type: GPT_TYPE.efiSystem,
          guid: '11111111-2222-4333-8444-555555555555',
          firstLba: 2048,
          lastLba: 65000,
        },
      ],
    });
    for (const w of [gpt.primary, gpt.backup]) disk.set(w.data, w.offset);
    const fat = buildFat({
      sizeBytes: (65000 - 2048 + 1) * sectorSize,
      label: 'X',
      volumeId: 7,
      files: [{ path: 'a/b.txt', data: Buffer.from('hi') }],
    });
    for (const w of fat.writes) disk.set(w.data, 2048 * sectorSize + w.offset);

    const read = (offset: number, length: number) =>
      Promise.resolve(disk.subarray(offset, offset + length));
    const table = await readPartitionTable(read, sectorSize, disk.length);
    expect(table?.kind).toBe('gpt');
    expect(table?.partitions[0]?.uuid).toBe('11111111-2222-4333-8444-555555555555');
    expect(table?.partitions[0]?.start).toBe(2048 * sectorSize);
    const file = await readFatFile(read, 2048 * sectorSize, 'a/b.txt');
    expect(Buffer.from(file ?? []).toString()).toBe('hi');
  });

  it('reads a FAT directory tree back, long names and empty files included', async () => {
    const files = [
      { path: 'boot/efi/EFI/BOOT/BOOTX64.EFI', data: Buffer.from('MZ loader') },
      { path: 'boot/efi/EFI/labos/grub.cfg', data: Buffer.alloc(70_000, 0x61) },
      { path: 'boot/efi/EFI/labos/empty', data: Buffer.alloc(0) },
      { path: 'boot/vmlinuz', data: Buffer.from('kernel') },
    ];
    const fs = new Uint8Array(40 * 1024 * 1024);
    const fat = buildFat({ sizeBytes: fs.length, label: 'R', volumeId: 9, files });
    for (const w of fat.writes) fs.set(w.data, w.offset);
    const read = (offset: number, length: number) =>
      Promise.resolve(fs.subarray(offset, offset + length));
    const tree = await readFatTree(read, 0, '/boot/efi/');
    expect(tree.map((f) => [f.path, Buffer.from(f.data).toString('hex')]).sort()).toEqual(
      files
        .filter((f) => f.path.startsWith('boot/efi/'))
        .map((f) => [f.path.slice('boot/efi/'.length), Buffer.from(f.data).toString('hex')])
        .sort(),
    );
    expect(await readFatTree(read, 0, 'no/such/dir')).toEqual([]);
    // Past the byte budget, files are left out rather than read.
    expect((await readFatTree(read, 0, 'boot', 100)).map((f) => f.path).sort()).toEqual([
      'efi/EFI/BOOT/BOOTX64.EFI',
      'efi/EFI/labos/empty',
      'vmlinuz',
    ]);
  });
});
