import { buildFat } from '../../../lib/disk/fat';
import { GPT_TYPE, buildGpt } from '../../../lib/disk/partition-table';

const MiB = 1024 * 1024;

export const TEST_OS_RELEASE = 'NAME="TestOS"\nID=testos\nVERSION_ID="9"\nPRETTY_NAME="TestOS 9"\n';

/** A FAT file system with /etc/os-release, the size of a partition. */
export function testFilesystem(size: number, volumeId = 0x12345678): Buffer {
  const fs = Buffer.alloc(size);
  const fat = buildFat({
    sizeBytes: size,
    label: 'testroot',
    volumeId,
    files: [{ path: 'etc/os-release', data: Buffer.from(TEST_OS_RELEASE) }],
  });
  for (const w of fat.writes) fs.set(w.data, w.offset);
  return fs;
}

/** A GPT whole-disk image: an 8 MiB ESP and a root file system, like a cloud image. */
export function testDiskImage(sizeMiB = 16): Buffer {
  const ss = 512;
  const disk = Buffer.alloc(sizeMiB * MiB);
  const total = disk.length / ss;
  const esp = { first: 2048, last: 2048 + 8 * 2048 - 1 };
  const root = { first: esp.last + 1, last: total - 2048 - 1 };
  const gpt = buildGpt({
    sectorSize: ss,
    totalSectors: total,
    diskGuid: '6a3c1f8e-1d2b-4c3d-8e4f-5a6b7c8d9e0f',
    partitions: [
      {
        type: GPT_TYPE.efiSystem,
        guid: '0b1c2d3e-4f50-4a6b-8c7d-8e9fa0b1c2d3',
        firstLba: esp.first,
        lastLba: esp.last,
        name: 'EFI',
      },
      {
        type: GPT_TYPE.linuxFilesystem,
        guid: '1c2d3e4f-5061-4b7c-9d8e-9fa0b1c2d3e4',
        firstLba: root.first,
        lastLba: root.last,
        name: 'root',
      },
    ],
  });
  for (const w of [gpt.protectiveMbr, gpt.primary, gpt.backup]) disk.set(w.data, w.offset);
  const espFs = buildFat({
    sizeBytes: 8 * MiB,
    label: 'EFI',
    volumeId: 0xabcd0123,
    files: [{ path: 'EFI/BOOT/BOOTX64.EFI', data: Buffer.from('MZ') }],
  });
  for (const w of espFs.writes) disk.set(w.data, esp.first * ss + w.offset);
  testFilesystem((root.last - root.first + 1) * ss).copy(disk, root.first * ss);
  return disk;
}
