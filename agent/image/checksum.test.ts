import { describe, expect, it } from 'vitest';
import { algorithmForLength, parseChecksumFile, resolveChecksum } from './checksum';
import { ImageDownloadError } from './errors';
import type { ImageInfo } from './image-info';

const h64 = 'ab'.repeat(32);
const h128 = 'cd'.repeat(64);
const h32 = 'ef'.repeat(16);

describe('checksum algorithm selection (IPA §8.4)', () => {
  it('tells sha512, sha256 and md5 apart by length', () => {
    expect(algorithmForLength(h128, true, 'i')).toBe('sha512');
    expect(algorithmForLength(h64, true, 'i')).toBe('sha256');
    expect(algorithmForLength(h32, true, 'i')).toBe('md5');
    expect(() => algorithmForLength(h32, false, 'i')).toThrow(ImageDownloadError);
    expect(() => algorithmForLength('abc', true, 'i')).toThrow(
      expect.objectContaining({ details: expect.stringMatching(/3 characters/) as unknown }),
    );
  });

  it('prefers os_hash_algo, and falls back to checksum when the algorithm is unknown', async () => {
    const fetchText = () => Promise.reject(new Error('no fetch expected'));
    const info: ImageInfo = {
      id: 'i',
      urls: ['http://h/img'],
      checksum: h32,
      os_hash_algo: 'sha512',
      os_hash_value: h128.toUpperCase(),
    };
    expect(await resolveChecksum(info, { md5Enabled: true, fetchText })).toEqual({
      algorithm: 'sha512',
      value: h128,
      location: 'image_info',
    });
    const unknown: ImageInfo = { ...info, os_hash_algo: 'whirlpool-9000' };
    expect((await resolveChecksum(unknown, { md5Enabled: true, fetchText })).algorithm).toBe('md5');
    const sha3: ImageInfo = { id: 'i', urls: ['u'], os_hash_algo: 'sha3_256', os_hash_value: h64 };
    expect((await resolveChecksum(sha3, { md5Enabled: true, fetchText })).algorithm).toBe(
      'sha3-256',
    );
  });

  it('fetches a checksum URL and finds the line for the image file', async () => {
    const files: Record<string, string> = {
      'http://h/SHA256SUMS': `# comment\n${'00'.repeat(32)}  other.img\n${h64} *disk.qcow2\n`,
    };
    const info: ImageInfo = {
      id: 'i',
      urls: ['http://h/path/disk.qcow2?x=1'],
      checksum: 'http://h/SHA256SUMS',
    };
    const got = await resolveChecksum(info, {
      md5Enabled: false,
      fetchText: (u) => Promise.resolve(files[u]!),
    });
    expect(got).toEqual({ algorithm: 'sha256', value: h64, location: 'http://h/SHA256SUMS' });
    const missing: ImageInfo = { ...info, urls: ['http://h/none.img'] };
    await expect(
      resolveChecksum(missing, { md5Enabled: false, fetchText: (u) => Promise.resolve(files[u]!) }),
    ).rejects.toMatchObject({
      details: expect.stringMatching(/no checksum for none.img/) as unknown,
    });
  });

  it('parses single-hash, GNU and BSD checksum files', () => {
    expect(parseChecksumFile(`${h64}\n`, 'x')).toBe(h64);
    expect(parseChecksumFile(`${h64}  a.img\n${h128}  b.img\n`, 'b.img')).toBe(h128);
    expect(parseChecksumFile(`SHA256 (b.img) = ${h64}\n`, 'b.img')).toBe(h64);
    expect(parseChecksumFile(`${h64}  ./dir/b.img\n`, 'b.img')).toBe(h64);
    expect(parseChecksumFile(`${h64}  a.img\n`, 'b.img')).toBeNull();
  });
});
