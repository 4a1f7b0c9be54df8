import { randomBytes } from 'node:crypto';
import { guidFromSeed, randomGuid } from '../../lib/disk/guid';
import {
  type DiskWrite,
  GPT_TYPE,
  type GptPartition,
  MBR_TYPE,
  type MbrPartition,
  buildGpt,
  buildMbr,
  gptUsableRange,
  partitionPath,
} from '../../lib/disk/partition-table';
import { InvalidImageError } from './errors';

const MiB = 1024 * 1024;

export type PartitionRole =
  'efi system partition' | 'BIOS Boot partition' | 'ephemeral' | 'swap' | 'configdrive' | 'root';

export interface PlannedPartition {
  role: PartitionRole;
  number: number;
  /** Byte offset on the disk. */
  start: number;
  size: number;
  path: string;
  /** PARTUUID. */
  uuid: string;
}

export interface LayoutRequest {
  device: string;
  deviceSize: number;
  sectorSize: number;
  bootMode: 'uefi' | 'bios';
  /** `gpt` for UEFI; otherwise the node's `disk_label` capability, msdos by default. */
  label: 'gpt' | 'msdos';
  /** 0 = the rest of the disk. */
  rootMb: number;
  swapMb?: number;
  ephemeralMb?: number;
  configdriveMb?: number;
  espMb?: number;
  biosBootMb?: number;
}

export interface Layout {
  label: 'gpt' | 'msdos';
  partitions: PlannedPartition[];
  /** The partition table itself. */
  writes: DiskWrite[];
}

/**
 * IPA's partition layout for partition images (research/ipa.md §8.5, `make_partitions`):
 * from 1 MiB on, an ESP (UEFI) or a BIOS boot partition (BIOS on GPT) first, then
 * ephemeral, swap and config drive, and the root partition last; every partition on a MiB
 * boundary. On msdos labels the root partition carries the boot flag.
 */
export function planLayout(req: LayoutRequest): Layout {
  const ss = req.sectorSize;
  const roles: { role: PartitionRole; mb: number }[] = [];
  if (req.bootMode === 'uefi') roles.push({ role: 'efi system partition', mb: req.espMb ?? 550 });
  else if (req.label === 'gpt')
    roles.push({ role: 'BIOS Boot partition', mb: req.biosBootMb ?? 1 });
  if (req.ephemeralMb) roles.push({ role: 'ephemeral', mb: req.ephemeralMb });
  if (req.swapMb) roles.push({ role: 'swap', mb: req.swapMb });
  if (req.configdriveMb) roles.push({ role: 'configdrive', mb: req.configdriveMb });
  roles.push({ role: 'root', mb: req.rootMb });
  if (req.label === 'msdos' && roles.length > 4) {
    throw new InvalidImageError('an msdos disk label holds at most four partitions');
  }

  const totalSectors = Math.floor(req.deviceSize / ss);
  const lastUsable =
    req.label === 'gpt'
      ? gptUsableRange(ss, totalSectors).last
      : Math.min(totalSectors - 1, 0xffffffff);
  const endBytes = (lastUsable + 1) * ss;
  let cursor = MiB;
  const partitions: PlannedPartition[] = [];
  roles.forEach(({ role, mb }, i) => {
    let size = mb * MiB;
    if (role === 'root' && mb === 0) size = Math.floor((endBytes - cursor) / MiB) * MiB;
    if (size <= 0 || cursor + size > endBytes) {
      throw new InvalidImageError(
        `the disk ${req.device} (${Math.floor(req.deviceSize / MiB)} MiB) is too small for the requested partitions`,
      );
    }
    const number = i + 1;
    partitions.push({
      role,
      number,
      start: cursor,
      size,
      path: partitionPath(req.device, number),
      uuid: '',
    });
    cursor += size;
  });

  if (req.label === 'gpt') {
    const specs: GptPartition[] = partitions.map((p) => {
      const guid = randomGuid();
      p.uuid = guid;
      return {
        type:
          p.role === 'efi system partition'
            ? GPT_TYPE.efiSystem
            : p.role === 'BIOS Boot partition'
              ? GPT_TYPE.biosBoot
              : p.role === 'swap'
                ? GPT_TYPE.linuxSwap
                : GPT_TYPE.linuxFilesystem,
        guid,
        firstLba: p.start / ss,
        lastLba: (p.start + p.size) / ss - 1,
        name: p.role === 'efi system partition' ? 'efi-part' : p.role,
        // ESP: legacy-BIOS-bootable is not wanted; parted's "boot" flag on GPT is the ESP type.
        attributes: 0n,
      };
    });
    const gpt = buildGpt({
      sectorSize: ss,
      totalSectors,
      diskGuid: randomGuid(),
      partitions: specs,
    });
    return { label: 'gpt', partitions, writes: [gpt.protectiveMbr, gpt.primary, gpt.backup] };
  }
  const signature = randomBytes(4).readUInt32LE(0) || 1;
  const entries: MbrPartition[] = partitions.map((p) => ({
    bootable: p.role === 'root' && req.bootMode === 'bios',
    type:
      p.role === 'swap'
        ? MBR_TYPE.swap
        : p.role === 'efi system partition'
          ? MBR_TYPE.efi
          : MBR_TYPE.linux,
    firstLba: p.start / ss,
    sectors: p.size / ss,
  }));
  partitions.forEach((p) => {
    p.uuid = `${signature.toString(16).padStart(8, '0')}-${String(p.number).padStart(2, '0')}`;
  });
  return { label: 'msdos', partitions, writes: [buildMbr(ss, signature, entries)] };
}

/** A Linux swap signature (what `mkswap -L <label>` writes in the first page). */
export function swapHeader(sizeBytes: number, label: string, uuid = randomGuid()): DiskWrite {
  const page = 4096;
  const b = Buffer.alloc(page);
  b.writeUInt32LE(1, 1024);
  b.writeUInt32LE(Math.floor(sizeBytes / page) - 1, 1028);
  b.writeUInt32LE(0, 1032);
  Buffer.from(uuid.replace(/-/g, ''), 'hex').copy(b, 1036);
  b.write(label.slice(0, 16), 1052, 'utf8');
  b.write('SWAPSPACE2', page - 10, 'latin1');
  return { offset: 0, data: b };
}

/** A FAT volume id from a GUID-ish seed, so a fresh ESP gets a fresh `XXXX-XXXX`. */
export function randomVolumeId(): number {
  return Buffer.from(guidFromSeed(randomBytes(16)).replace(/-/g, ''), 'hex').readUInt32LE(0);
}
