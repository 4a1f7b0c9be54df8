// Image deployment (research/ipa.md §8): what standby.prepare_image and the deploy step
// `write_image` run, and the disk readers the simulator uses to boot what was written.
export { type ExpectedChecksum, parseChecksumFile, resolveChecksum } from './checksum';
export { type ConfigDriveImage, MAX_CONFIG_DRIVE_BYTES, configDriveImage } from './config-drive';
export { type FatFile, type FatOptions, buildFat, readFatFile } from '../../lib/disk/fat';
export {
  type DiskWrite,
  GPT_TYPE,
  type PartitionInfo,
  type PartitionTable,
  type ReadAt,
  buildGpt,
  partitionPath,
  readPartitionTable,
} from '../../lib/disk/partition-table';
export { type FilesystemInfo, probeFilesystem } from './disk/probe';
export {
  ConfigDriveError,
  ImageChecksumError,
  ImageDownloadError,
  ImageDownloadTimeoutError,
  ImageWriteError,
  InvalidImageError,
} from './errors';
export { type ImageInfo, validateImageInfo } from './image-info';
export { DeviceNotFound, osInstallDevice } from './install-device';
export { type InstalledOs, parseOsRelease, readInstalledOs } from './installed-os';
export { type ImageWritePhase, type ImageWriteProgress } from './progress';
export { type Qcow2Header, Qcow2StreamConverter, parseQcow2Header } from './qcow2/stream-converter';
export {
  type PartitionUuids,
  type WriteImageOptions,
  type WriteImageResult,
  prepareImageMessage,
  writeImage,
} from './write-image';
