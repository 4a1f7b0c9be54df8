import { InvalidCommandParamsError } from '../commands/errors';

/**
 * What Ironic sends as `image_info` (research/ipa.md §8.1). Only `id` and `urls` are required;
 * the rest is read defensively because it crosses the wire from any conductor.
 */
export interface ImageInfo {
  id: string;
  urls: string[];
  disk_format?: string | null;
  container_format?: string | null;
  stream_raw_images?: boolean;
  checksum?: string | null;
  os_hash_algo?: string | null;
  os_hash_value?: string | null;
  image_type?: string | null;
  image_server_auth_strategy?: string | null;
  image_server_user?: string | null;
  image_server_password?: string | null;
  image_request_authorization?: string | null;
  proxies?: { http?: string; https?: string } | null;
  no_proxy?: string | null;
  node_uuid?: string | null;
  root_gb?: number | string | null;
  root_mb?: number | string | null;
  swap_mb?: number | string | null;
  ephemeral_mb?: number | string | null;
  ephemeral_format?: string | null;
  preserve_ephemeral?: boolean | null;
  configdrive?: unknown;
  deploy_boot_mode?: string | null;
  boot_option?: string | null;
  disk_label?: string | null;
  [extra: string]: unknown;
}

/**
 * IPA's `_validate_image_info` (§8.2), run before prepare_image starts so that bad input is an
 * HTTP 400 rather than a failed command. A checksum is usable when it is a URL, longer than
 * an MD5, or an MD5 while MD5 is allowed; an os_hash pair is always usable.
 */
export function validateImageInfo(
  imageInfo: unknown,
  options: { md5Enabled?: boolean } = {},
): asserts imageInfo is ImageInfo {
  const md5Enabled = options.md5Enabled ?? true;
  if (typeof imageInfo !== 'object' || imageInfo === null || Array.isArray(imageInfo)) {
    throw new InvalidCommandParamsError('image_info must be an object');
  }
  const info = imageInfo as Record<string, unknown>;
  for (const field of ['id', 'urls']) {
    if (!(field in info) || info[field] === undefined) {
      throw new InvalidCommandParamsError(`Image is missing '${field}' field.`);
    }
  }
  if (typeof info.id !== 'string' || info.id.length === 0) {
    throw new InvalidCommandParamsError("Image 'id' must be a non-empty string.");
  }
  const urls = info.urls;
  if (!Array.isArray(urls) || urls.length === 0) {
    throw new InvalidCommandParamsError("Image 'urls' must be a list with at least one element.");
  }
  if (!urls.every((u) => typeof u === 'string' && u.length > 0)) {
    throw new InvalidCommandParamsError("Image 'urls' must hold non-empty strings.");
  }
  let usable = false;
  const checksum = info.checksum;
  if (checksum !== undefined && checksum !== null) {
    if (typeof checksum !== 'string' || checksum.length === 0) {
      throw new InvalidCommandParamsError("Image 'checksum' must be a non-empty string.");
    }
    if (md5Enabled || isUrl(checksum) || checksum.length > 32) usable = true;
  }
  const algo = info.os_hash_algo;
  const value = info.os_hash_value;
  if (algo || value) {
    if (typeof algo !== 'string' || algo.length === 0) {
      throw new InvalidCommandParamsError("Image 'os_hash_algo' must be a non-empty string.");
    }
    if (typeof value !== 'string' || value.length === 0) {
      throw new InvalidCommandParamsError("Image 'os_hash_value' must be a non-empty string.");
    }
    usable = true;
  }
  if (!usable) {
    throw new InvalidCommandParamsError(
      "Image checksum is not available: set 'checksum', or both 'os_hash_algo' and 'os_hash_value', so the image can be verified.",
    );
  }
}

export function isUrl(s: string): boolean {
  return /^https?:\/\//i.test(s);
}

/** A size field in MiB that Ironic may send as a number or a numeric string. */
export function mib(value: unknown): number {
  if (value === undefined || value === null || value === '') return 0;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n) || n < 0)
    throw new InvalidCommandParamsError(`invalid size ${JSON.stringify(value)}`);
  return Math.floor(n);
}
