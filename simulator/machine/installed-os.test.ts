import { describe, expect, it } from 'vitest';
import { GPT_TYPE, buildFat, buildGpt } from '../../lib/disk';
import { readDiskLayout } from './disk-layout';
import { findInstalledOs } from './installed-os';
import { SparseDisk } from './sparse-disk';

const MiB = 1024 * 1024;

/** A GPT disk of FAT partitions (ESP first), each holding `files`, 40 MiB apiece. */
function fatDisk(parts: { type: string; label: string; files: Record<string, string> }[]) {
  const disk = new SparseDisk(256 * MiB);
  const size = 40 * MiB;
  const gpt = buildGpt({
    sectorSize: 512,
    totalSectors: disk.sizeBytes / 512,
    diskGuid: '01234567-89ab-4cde-8f01-23456789abcd',
    partitions: parts.map((p, i) => ({
      type: p.type,
      guid: `11111111-2222-4333-8444-55555555555${i}`,
      firstLba: (MiB + i * size) / 512,
      lastLba: (MiB + (i + 1) * size) / 512 - 1,
    })),
  });
  for (const w of [gpt.protectiveMbr, gpt.primary, gpt.backup]) disk.write(w.offset, w.data);
  parts.forEach((p, i) => {
    const files = Object.entries(p.files).map(([path, text]) => ({
      path,
      data: Buffer.from(text),
    }));
    const fat = buildFat({ sizeBytes: size, label: p.label, volumeId: 0x1000 + i, files });
    for (const w of fat.writes) disk.write(MiB + i * size + w.offset, w.data);
  });
  return disk;
}

describe('findInstalledOs', () => {
  it('boots a FAT root that holds /etc/os-release, not the ESP or a config drive', () => {
    const disk = fatDisk([
      { type: GPT_TYPE.efiSystem, label: 'EFI', files: { 'etc/os-release': 'NAME=esp\n' } },
      { type: GPT_TYPE.linuxFilesystem, label: 'config-2', files: { 'openstack/x': '{}' } },
      {
        type: GPT_TYPE.linuxFilesystem,
        label: 'root',
        files: { 'etc/os-release': 'NAME=Other\nPRETTY_NAME="Other OS 2"\n' },
      },
    ]);
    const os = findInstalledOs(disk, readDiskLayout(disk, 512));
    expect(os?.root.number).toBe(3);
    expect(os?.prettyName).toBe('Other OS 2');
  });

  it('finds nothing on FAT partitions without an OS', () => {
    const disk = fatDisk([
      { type: GPT_TYPE.efiSystem, label: 'EFI', files: { 'EFI/BOOT/BOOTX64.EFI': 'MZ' } },
      { type: GPT_TYPE.linuxFilesystem, label: 'data', files: { 'etc/motd': 'hi' } },
    ]);
    expect(findInstalledOs(disk, readDiskLayout(disk, 512))).toBeNull();
  });
});
