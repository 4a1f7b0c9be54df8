import type { Logger } from '../../lib';
import { type FatFile, buildFat, readFatTree } from '../../lib/disk/fat';
import type { BlockDevice } from '../host';
import { readerOf } from './disk-finish';
import { type PlannedPartition, randomVolumeId } from './partition-layout';

/**
 * A partition image that carries its boot loaders under /boot/efi gets them on the ESP created
 * for it, as IPA preserves an image's EFI assets: install_bootloader then finds a loader there
 * and registers it in NVRAM. Only FAT roots can be read without mounting; other roots keep an
 * empty ESP. Returns how many files were copied.
 */
export async function preserveEfiAssets(
  dev: BlockDevice,
  root: PlannedPartition,
  esp: PlannedPartition,
  sectorSize: number,
  logger: Logger,
): Promise<number> {
  const files = await readFatTree(readerOf(dev), root.start, 'boot/efi', esp.size / 2).catch(
    () => [],
  );
  if (files.length === 0) return 0;
  await formatEsp(dev, esp, sectorSize, files);
  logger.info({ esp: esp.path, files: files.map((f) => f.path) }, 'EFI assets copied to the ESP');
  return files.length;
}

/** A fresh FAT file system on the ESP (what `mkfs.vfat -n EFI-PART` makes), holding `files`. */
export async function formatEsp(
  dev: BlockDevice,
  esp: PlannedPartition,
  sectorSize: number,
  files: FatFile[],
): Promise<void> {
  const fat = buildFat({
    sizeBytes: esp.size,
    sectorSize,
    label: 'EFI-PART',
    volumeId: randomVolumeId(),
    hiddenSectors: esp.start / sectorSize,
    files,
  });
  for (const w of fat.writes) await dev.write(esp.start + w.offset, w.data);
}
