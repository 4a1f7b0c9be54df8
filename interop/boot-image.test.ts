import { describe, expect, it } from 'vitest';
import { readFatFile, readPartitionTable } from '../lib/disk';
import { SparseDisk, readDiskLayout } from '../simulator/machine';
import { bootableRawImage } from './boot-image';

const MiB = 1024 * 1024;

describe('the interop boot image', () => {
  const image = bootableRawImage();

  it('is a GPT disk with an EFI system partition holding the fallback loader', async () => {
    const read = (offset: number, length: number) =>
      Promise.resolve(image.subarray(offset, offset + length));
    const table = await readPartitionTable(read, 512, image.length);
    expect(table?.gpt).toBeTruthy();
    expect(table?.partitions).toHaveLength(2);
    const esp = table!.partitions[0]!;
    const loader = await readFatFile(read, esp.start, 'EFI/BOOT/BOOTX64.EFI');
    expect(Buffer.from(loader!).toString()).toContain('stand-in');
  });

  it('reads, once written to a simulated disk, as ESP (vfat) and an ext4 root', () => {
    const disk = new SparseDisk(20 * 1024 * MiB);
    disk.write(0, image);
    const layout = readDiskLayout(disk, 512);
    expect(layout.table).toBe('gpt');
    expect(layout.partitions.map((p) => p.fs?.type)).toEqual(['vfat', 'ext4']);
    expect(layout.partitions[1]!.fs).toMatchObject({
      uuid: '9e8d7c6b-5a49-4382-a1b0-c9d8e7f6a5b4',
      label: 'interop-root',
    });
    expect(bootableRawImage().equals(image)).toBe(true);
  });
});
