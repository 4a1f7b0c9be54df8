// The image service (DESIGN.md: images/): deployable disk images over HTTP(S) for the agent.
export { ImageService, ImageServiceError, type ImageServiceOptions } from './image-service';
export { SAMPLE_OS, type SampleImage, sampleImages, wholeDiskImage } from './samples';
export { rawToQcow2, type Qcow2Options } from './disk/qcow2-writer';
export { parseRange, type ByteRange } from './range';
export type {
  DiskFormat,
  ImageRecord,
  ImageSource,
  ImageType,
  ImageView,
  InstanceImageInfo,
  PendingDownload,
  RegisterImageRequest,
} from './types';
