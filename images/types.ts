export type DiskFormat = 'raw' | 'qcow2';
export type ImageType = 'whole-disk' | 'partition';
export type ImageSource = 'sample' | 'upload' | 'path' | 'url';

/** One image in the catalogue (`catalogue.json` in the data directory). */
export interface ImageRecord {
  /** Also the last segment of the image's URL, so Ironic's `image_info.id` equals it. */
  id: string;
  name: string;
  disk_format: DiskFormat;
  image_type: ImageType;
  /** Bytes of the file as served. */
  size: number;
  /** Bytes of the disk it describes (the qcow2 virtual size; `size` for raw). */
  virtual_size: number;
  md5: string;
  sha256: string;
  sha512: string;
  source: ImageSource;
  /** Absolute path of the file served. */
  path: string;
  /** Where a registered image came from (its URL or the path given). */
  origin: string | null;
  created_at: string;
}

/** An image as the HTTP API shows it: the record without its local path, plus URLs. */
export interface ImageView extends Omit<ImageRecord, 'path'> {
  file_url: string;
  checksum_urls: { md5: string; sha256: string; sha512: string };
}

/**
 * The image fields of an Ironic node's `instance_info` for this image (what a user sets before
 * `deploy`), from which the conductor builds `image_info` as Ironic's agent.py does.
 */
export interface InstanceImageInfo {
  image_source: string;
  image_disk_format: DiskFormat;
  image_type: ImageType;
  image_os_hash_algo: 'sha256';
  image_os_hash_value: string;
  /** Legacy field: a URL of a checksum file (IPA fetches and parses it). */
  image_checksum: string;
  image_size: number;
}

export interface RegisterImageRequest {
  /** Catalogue id; derived from the name or file name when absent. */
  id?: string;
  name?: string;
  disk_format?: DiskFormat;
  image_type?: ImageType;
}

/** A download by URL in progress (`ImageService.pending()`), for a console to poll. */
export interface PendingDownload {
  /** The id reserved for the image; it joins the catalogue under it once stored and checked. */
  id: string;
  url: string;
  receivedBytes: number;
  /** The origin's Content-Length; null when it sent none (chunked). */
  totalBytes: number | null;
  /** ISO 8601, on the service's clock. */
  startedAt: string;
}
