import { getHashes } from 'node:crypto';
import type { ImageInfo } from './image-info';
import { isUrl } from './image-info';
import { ImageDownloadError } from './errors';

export interface ExpectedChecksum {
  /** Node's name of the hash, e.g. `sha256`. */
  algorithm: string;
  /** Lower-case hex. */
  value: string;
  /** Where the value came from: `image_info` or the checksum file's URL. */
  location: string;
}

/** hashlib names Glance and Ironic use, as Node names them. */
const ALIASES: Readonly<Record<string, string>> = {
  sha3_224: 'sha3-224',
  sha3_256: 'sha3-256',
  sha3_384: 'sha3-384',
  sha3_512: 'sha3-512',
  blake2b: 'blake2b512',
  blake2s: 'blake2s256',
};

/** Node's hash name for an `os_hash_algo`, or null when this runtime cannot compute it. */
export function hashAlgorithm(name: string): string | null {
  const lower = name.toLowerCase();
  const node = ALIASES[lower] ?? lower;
  return getHashes().includes(node) ? node : null;
}

/** The algorithm a bare hex checksum implies by its length (IPA: 128, 64, or 32 with MD5 on). */
export function algorithmForLength(hex: string, md5Enabled: boolean, imageId: string): string {
  switch (hex.length) {
    case 128:
      return 'sha512';
    case 64:
      return 'sha256';
    case 32:
      if (md5Enabled) return 'md5';
      throw new ImageDownloadError(imageId, 'MD5 checksums are disabled (md5_enabled is false)');
    default:
      throw new ImageDownloadError(
        imageId,
        `cannot tell the algorithm of a checksum of ${hex.length} characters`,
      );
  }
}

/**
 * Resolves what the image must hash to (research/ipa.md §8.4): `os_hash_algo` when this runtime
 * knows it, else the legacy `checksum`; either value may be a URL of a checksum file.
 */
export async function resolveChecksum(
  info: ImageInfo,
  options: { md5Enabled: boolean; fetchText: (url: string) => Promise<string> },
): Promise<ExpectedChecksum> {
  const fileName = baseName(info.urls[0] ?? '');
  const fromFile = async (url: string): Promise<string> => {
    const text = await options.fetchText(url);
    const hash = parseChecksumFile(text, fileName);
    if (!hash) {
      throw new ImageDownloadError(info.id, `no checksum for ${fileName} found in ${url}`);
    }
    return hash.toLowerCase();
  };
  const algo = info.os_hash_algo ? hashAlgorithm(info.os_hash_algo) : null;
  if (algo && info.os_hash_value) {
    const raw = info.os_hash_value;
    const value = isUrl(raw) ? await fromFile(raw) : raw.trim().toLowerCase();
    return { algorithm: algo, value, location: isUrl(raw) ? raw : 'image_info' };
  }
  if (info.checksum) {
    const raw = info.checksum;
    const value = isUrl(raw) ? await fromFile(raw) : raw.trim().toLowerCase();
    return {
      algorithm: algorithmForLength(value, options.md5Enabled, info.id),
      value,
      location: isUrl(raw) ? raw : 'image_info',
    };
  }
  throw new ImageDownloadError(
    info.id,
    `hash algorithm ${String(info.os_hash_algo)} is not supported and no other checksum was given`,
  );
}

/**
 * The hash for `fileName` in a checksum file: a file holding a single hash is that hash;
 * otherwise a line naming the file, GNU style (`<hash>  [*]<file>`) or BSD style
 * (`SHA256 (<file>) = <hash>`). `#` comments are ignored.
 */
export function parseChecksumFile(text: string, fileName: string): string | null {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !l.startsWith('#'));
  if (lines.length === 1 && /^[0-9a-fA-F]+$/.test(lines[0]!)) return lines[0]!;
  for (const line of lines) {
    const gnu = /^([0-9a-fA-F]+)\s+\*?(.+)$/.exec(line);
    if (gnu && baseName(gnu[2]!.trim()) === fileName) return gnu[1]!;
    const bsd = /\(([^)]+)\)\s*=\s*([0-9a-fA-F]+)$/.exec(line);
    if (bsd && baseName(bsd[1]!) === fileName) return bsd[2]!;
    const trailing = /^(.+?)\s+([0-9a-fA-F]{32,})$/.exec(line);
    if (trailing && baseName(trailing[1]!.replace(/^\*/, '')) === fileName) return trailing[2]!;
  }
  return null;
}

/** Last path segment of a URL or path, without query. */
export function baseName(urlOrPath: string): string {
  let path = urlOrPath;
  try {
    if (isUrl(urlOrPath)) path = new URL(urlOrPath).pathname;
  } catch {
    // not a URL after all: take it as a path
  }
  const segments = path.split('/').filter((s) => s.length > 0);
  return segments[segments.length - 1] ?? '';
}
