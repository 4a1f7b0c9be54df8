import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { type FatFile, buildFat } from '../../lib/disk/fat';
import type { DiskWrite } from '../../lib/disk/partition-table';
import { ConfigDriveError } from './errors';
import { isUrl } from './image-info';

/** IPA's limit on a config drive after decompression. */
export const MAX_CONFIG_DRIVE_BYTES = 64 * 1024 * 1024;

export interface ConfigDriveImage {
  /** Writes relative to the start of the config drive partition. */
  writes: DiskWrite[];
  /** Bytes the partition must hold. */
  size: number;
  kind: 'image' | 'built';
}

/**
 * The config drive as partition contents (research/ipa.md §8.6): a URL is fetched; base64 of a
 * gzipped image (Ironic's usual form) is unpacked; text that is not base64 is taken as the
 * image itself. Our extension: a JSON object in Ironic's configdrive dict shape
 * (`meta_data`, `network_data`, `user_data`, `vendor_data`) is built into a `config-2` vfat
 * file system, as IPA does when it rebuilds a drive.
 */
export async function configDriveImage(
  input: unknown,
  fetchBytes: (url: string) => Promise<Uint8Array>,
  sectorSize = 512,
): Promise<ConfigDriveImage> {
  if (typeof input === 'object' && input !== null && !Array.isArray(input)) {
    return buildConfigDrive(input as Record<string, unknown>, sectorSize);
  }
  if (typeof input !== 'string' || input.length === 0) {
    throw new ConfigDriveError('config drive must be a URL, base64 gzip data or a JSON object');
  }
  let raw: Buffer;
  if (isUrl(input)) {
    raw = Buffer.from(await fetchBytes(input));
  } else if (input.trimStart().startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(input);
    } catch (err) {
      throw new ConfigDriveError(`config drive JSON is invalid: ${String(err)}`);
    }
    return configDriveImage(parsed, fetchBytes, sectorSize);
  } else {
    raw = Buffer.from(input, 'utf8');
  }
  const data = unpack(raw);
  if (data.length > MAX_CONFIG_DRIVE_BYTES) {
    throw new ConfigDriveError(
      `Config drive size exceeds maximum limit of 64MiB. Size of the given config drive is ${Math.ceil(data.length / 2 ** 20)} MiB`,
    );
  }
  return { writes: [{ offset: 0, data }], size: data.length, kind: 'image' };
}

function unpack(raw: Buffer): Buffer {
  const text = raw.toString('latin1').replace(/\s+/g, '');
  const decoded =
    /^[A-Za-z0-9+/]+={0,2}$/.test(text) && text.length % 4 === 0
      ? Buffer.from(text, 'base64')
      : null;
  const candidate = decoded ?? raw;
  if (candidate[0] === 0x1f && candidate[1] === 0x8b) {
    try {
      return gunzipSync(candidate, { maxOutputLength: MAX_CONFIG_DRIVE_BYTES + 1 });
    } catch (err) {
      throw new ConfigDriveError(`config drive cannot be decompressed: ${String(err)}`);
    }
  }
  return candidate;
}

function buildConfigDrive(dict: Record<string, unknown>, sectorSize: number): ConfigDriveImage {
  const files: FatFile[] = [];
  const put = (path: string, content: unknown, json: boolean) => {
    if (content === undefined || content === null) return;
    const text = json || typeof content !== 'string' ? JSON.stringify(content) : content;
    files.push({ path: `openstack/latest/${path}`, data: Buffer.from(text, 'utf8') });
  };
  put('meta_data.json', dict.meta_data ?? {}, true);
  put('network_data.json', dict.network_data, true);
  put('vendor_data.json', dict.vendor_data, true);
  put('vendor_data2.json', dict.vendor_data2, true);
  put('user_data', dict.user_data, false);
  const fat = buildFat({
    sizeBytes: MAX_CONFIG_DRIVE_BYTES,
    sectorSize,
    label: 'CONFIG-2',
    volumeId: randomBytes(4).readUInt32LE(0),
    files,
  });
  return { writes: fat.writes, size: MAX_CONFIG_DRIVE_BYTES, kind: 'built' };
}
