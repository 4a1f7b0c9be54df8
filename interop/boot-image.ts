import { GPT_TYPE, buildFat, buildGpt } from '../lib/disk';

const MiB = 1024 * 1024;
const SECTOR = 512;

export interface BootImageOptions {
  /** Image size; default 32 MiB (ESP 8 MiB, root the rest). */
  sizeBytes?: number;
  /** Root file system UUID and label, as blkid and the booted kernel will show them. */
  rootUuid?: string;
  rootLabel?: string;
}

/**
 * A raw whole-disk image that a UEFI machine of the simulator boots: GPT, an EFI system
 * partition (FAT with `\EFI\BOOT\BOOTX64.EFI`, the loader the agent's install_bootloader
 * registers), and a root partition whose ext4 superblock (signature, UUID, label; no content)
 * is what the firmware-and-GRUB model looks for. Deterministic for a given option set.
 */
export function bootableRawImage(options: BootImageOptions = {}): Buffer {
  const size = options.sizeBytes ?? 32 * MiB;
  if (size % MiB !== 0 || size < 16 * MiB) throw new RangeError('size must be whole MiB ≥ 16');
  const image = Buffer.alloc(size);
  const totalSectors = size / SECTOR;
  const espFirst = MiB / SECTOR;
  const espLast = espFirst + (8 * MiB) / SECTOR - 1;
  const rootFirst = espLast + 1;
  const rootLast = totalSectors - MiB / SECTOR - 1;
  const gpt = buildGpt({
    sectorSize: SECTOR,
    totalSectors,
    diskGuid: '3b8f5c1e-7a2d-4e6f-9c0b-1d2e3f4a5b6c',
    partitions: [
      {
        type: GPT_TYPE.efiSystem,
        guid: 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d',
        firstLba: espFirst,
        lastLba: espLast,
        name: 'EFI System Partition',
      },
      {
        type: GPT_TYPE.linuxFilesystem,
        guid: '5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a',
        firstLba: rootFirst,
        lastLba: rootLast,
        name: 'root',
      },
    ],
  });
  for (const w of [gpt.protectiveMbr, gpt.primary, gpt.backup]) image.set(w.data, w.offset);

  const esp = buildFat({
    sizeBytes: (espLast - espFirst + 1) * SECTOR,
    label: 'EFI',
    volumeId: 0x1a2b3c4d,
    hiddenSectors: espFirst,
    time: new Date(Date.UTC(2026, 0, 1)),
    files: [
      {
        path: 'EFI/BOOT/BOOTX64.EFI',
        data: Buffer.from('interop test image: stand-in for shim/GRUB\n'),
      },
    ],
  });
  for (const w of esp.writes) image.set(w.data, espFirst * SECTOR + w.offset);

  // The ext4 superblock lives 1024 bytes into the partition: magic, feature flags, UUID, label.
  const sb = Buffer.alloc(256);
  sb.writeUInt16LE(0xef53, 56);
  sb.writeUInt32LE(0x4, 92); // compat: has_journal
  sb.writeUInt32LE(0x40, 96); // incompat: extents (ext4)
  uuidBytes(options.rootUuid ?? '9e8d7c6b-5a49-4382-a1b0-c9d8e7f6a5b4').copy(sb, 104);
  Buffer.from((options.rootLabel ?? 'interop-root').slice(0, 16), 'latin1').copy(sb, 120);
  image.set(sb, rootFirst * SECTOR + 1024);
  return image;
}

/** A UUID's 16 bytes in the order file systems store them (big-endian, as written). */
function uuidBytes(uuid: string): Buffer {
  const hex = uuid.replace(/-/g, '');
  if (!/^[0-9a-f]{32}$/i.test(hex)) throw new RangeError(`not a UUID: ${uuid}`);
  return Buffer.from(hex, 'hex');
}
