import { createHash } from 'node:crypto';
import { buildFat } from '../lib/disk/fat';
import { guidFromSeed } from '../lib/disk/guid';
import { GPT_TYPE, buildGpt } from '../lib/disk/partition-table';
import { rawToQcow2 } from './disk/qcow2-writer';
import type { DiskFormat, ImageType } from './types';

const MiB = 1024 * 1024;
const SECTOR = 512;

export interface SampleImage {
  id: string;
  name: string;
  disk_format: DiskFormat;
  image_type: ImageType;
  data: Buffer;
}

/**
 * The samples' `origin` in the catalogue: which generation of this generator wrote them, so a
 * data directory holding older samples gets them rewritten (r2: EFI assets in the partition
 * image).
 */
export const SAMPLE_ORIGIN = 'generated: LabOS samples r2';

/** The OS the samples carry; the simulator shows PRETTY_NAME when it boots one. */
export const SAMPLE_OS = { name: 'LabOS', id: 'labos', version: '1.0' } as const;

function seed(label: string): Buffer {
  return createHash('sha256').update(`baremetal-lab sample ${label}`).digest();
}

function osRelease(variant: string): string {
  return [
    `NAME="${SAMPLE_OS.name}"`,
    `ID=${SAMPLE_OS.id}`,
    `VERSION="${SAMPLE_OS.version} (${variant})"`,
    `VERSION_ID="${SAMPLE_OS.version}"`,
    `PRETTY_NAME="${SAMPLE_OS.name} ${SAMPLE_OS.version} (${variant})"`,
    `IMAGE_ID=${SAMPLE_OS.id}-${variant}`,
    `IMAGE_VERSION=${SAMPLE_OS.version}`,
    'HOME_URL="https://example.invalid/labos"',
    '',
  ].join('\n');
}

/** The root file system: enough of a Linux tree for a reader (or a person with mtools) to see. */
function rootFiles(variant: string) {
  const text = (s: string) => Buffer.from(s, 'utf8');
  return [
    { path: 'etc/os-release', data: text(osRelease(variant)) },
    { path: 'etc/hostname', data: text('labos\n') },
    { path: 'etc/fstab', data: text('LABEL=labos-root / vfat defaults 0 1\n') },
    { path: 'boot/vmlinuz-6.1.0-labos', data: text('LabOS kernel stand-in (not executable)\n') },
    { path: 'boot/initrd.img-6.1.0-labos', data: text('LabOS initramfs stand-in\n') },
    {
      path: 'boot/grub/grub.cfg',
      data: text('menuentry "LabOS" { linux /boot/vmlinuz-6.1.0-labos root=LABEL=labos-root }\n'),
    },
  ];
}

/** The loader files an ESP holds; the disk image has them on its ESP. */
function efiFiles() {
  return [
    {
      path: 'EFI/BOOT/BOOTX64.EFI',
      data: Buffer.from('MZ LabOS removable-media loader stand-in\n'),
    },
    {
      path: 'EFI/labos/grub.cfg',
      data: Buffer.from('search --label labos-root --set root\nconfigfile /boot/grub/grub.cfg\n'),
    },
  ];
}

/**
 * A FAT32 root file system of `size` bytes (the partition image, or partition 2 of the disk).
 * The partition image also carries its loaders under /boot/efi, which the agent copies to the
 * ESP it creates (a partition image brings no ESP of its own).
 */
function rootFilesystem(size: number, variant: string, hiddenSectors: number): Buffer {
  const fs = Buffer.alloc(size);
  const efi =
    variant === 'partition' ? efiFiles().map((f) => ({ ...f, path: `boot/efi/${f.path}` })) : [];
  const fat = buildFat({
    sizeBytes: size,
    label: 'labos-root',
    volumeId: seed(`${variant} root`).readUInt32LE(0),
    files: [...rootFiles(variant), ...efi],
    hiddenSectors,
  });
  for (const w of fat.writes) fs.set(w.data, w.offset);
  return fs;
}

/**
 * A whole-disk image as cloud images are built: GPT (protective MBR, both headers, CRC32s), a
 * 16 MiB EFI system partition with a removable-media loader path, and a FAT32 root file
 * system holding /etc/os-release.
 */
export function wholeDiskImage(sizeBytes = 64 * MiB): Buffer {
  const disk = Buffer.alloc(sizeBytes);
  const totalSectors = sizeBytes / SECTOR;
  const espFirst = MiB / SECTOR;
  const espLast = espFirst + (16 * MiB) / SECTOR - 1;
  const rootFirst = espLast + 1;
  // The root partition ends on a MiB boundary below the backup GPT.
  const rootLast = Math.floor((totalSectors - 34) / (MiB / SECTOR)) * (MiB / SECTOR) - 1;
  const gpt = buildGpt({
    sectorSize: SECTOR,
    totalSectors,
    diskGuid: guidFromSeed(seed('disk guid')),
    partitions: [
      {
        type: GPT_TYPE.efiSystem,
        guid: guidFromSeed(seed('esp guid')),
        firstLba: espFirst,
        lastLba: espLast,
        name: 'EFI System Partition',
      },
      {
        type: GPT_TYPE.linuxFilesystem,
        guid: guidFromSeed(seed('root guid')),
        firstLba: rootFirst,
        lastLba: rootLast,
        name: 'labos-root',
      },
    ],
  });
  for (const w of [gpt.protectiveMbr, gpt.primary, gpt.backup]) disk.set(w.data, w.offset);
  const esp = buildFat({
    sizeBytes: (espLast - espFirst + 1) * SECTOR,
    label: 'EFI',
    volumeId: seed('esp volume').readUInt32LE(0),
    hiddenSectors: espFirst,
    files: efiFiles(),
  });
  for (const w of esp.writes) disk.set(w.data, espFirst * SECTOR + w.offset);
  rootFilesystem((rootLast - rootFirst + 1) * SECTOR, 'disk', rootFirst).copy(
    disk,
    rootFirst * SECTOR,
  );
  return disk;
}

/** The samples written into a fresh image service's data directory. */
export function sampleImages(): SampleImage[] {
  const raw = wholeDiskImage();
  return [
    {
      id: 'labos-1.0-disk.raw',
      name: 'LabOS 1.0 whole-disk (raw)',
      disk_format: 'raw',
      image_type: 'whole-disk',
      data: raw,
    },
    {
      id: 'labos-1.0-disk.qcow2',
      name: 'LabOS 1.0 whole-disk (qcow2)',
      disk_format: 'qcow2',
      image_type: 'whole-disk',
      data: rawToQcow2(raw),
    },
    {
      id: 'labos-1.0-root.img',
      name: 'LabOS 1.0 partition image (root file system)',
      disk_format: 'raw',
      image_type: 'partition',
      data: rootFilesystem(40 * MiB, 'partition', 0),
    },
  ];
}
