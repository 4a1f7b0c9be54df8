import { describe, expect, it } from 'vitest';
import { InvalidCommandParamsError } from '../commands/errors';
import { validateImageInfo } from './image-info';

const sha256 = 'a'.repeat(64);
const md5 = 'b'.repeat(32);

function reason(info: unknown, md5Enabled = true): string | null {
  try {
    validateImageInfo(info, { md5Enabled });
    return null;
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidCommandParamsError);
    const e = err as InvalidCommandParamsError;
    expect(e.code).toBe(400);
    expect(e.type).toBe('InvalidCommandParamsError');
    return e.details;
  }
}

describe('validateImageInfo (IPA _validate_image_info)', () => {
  it('accepts a sha256 checksum or an os_hash pair', () => {
    expect(reason({ id: 'x', urls: ['http://h/x'], checksum: sha256 })).toBeNull();
    expect(
      reason({
        id: 'x',
        urls: ['http://h/x'],
        os_hash_algo: 'sha512',
        os_hash_value: 'c'.repeat(128),
      }),
    ).toBeNull();
  });

  it('requires id and urls, and urls as a non-empty list', () => {
    expect(reason({ urls: ['u'], checksum: sha256 })).toContain("'id'");
    expect(reason({ id: 'x', checksum: sha256 })).toContain("'urls'");
    expect(reason({ id: 'x', urls: [], checksum: sha256 })).toContain('at least one');
    expect(reason({ id: 'x', urls: 'http://h/x', checksum: sha256 })).toContain('list');
    expect(reason(null)).toContain('object');
  });

  it('takes an MD5 only while MD5 is enabled, a URL or a longer hash always', () => {
    expect(reason({ id: 'x', urls: ['u'], checksum: md5 }, true)).toBeNull();
    expect(reason({ id: 'x', urls: ['u'], checksum: md5 }, false)).toContain('not available');
    expect(reason({ id: 'x', urls: ['u'], checksum: 'http://h/x.md5' }, false)).toBeNull();
    expect(reason({ id: 'x', urls: ['u'], checksum: sha256 }, false)).toBeNull();
  });

  it('rejects empty checksums and half os_hash pairs', () => {
    expect(reason({ id: 'x', urls: ['u'], checksum: '' })).toContain("'checksum'");
    expect(reason({ id: 'x', urls: ['u'], os_hash_algo: 'sha256' })).toContain("'os_hash_value'");
    expect(reason({ id: 'x', urls: ['u'], os_hash_value: sha256 })).toContain("'os_hash_algo'");
    expect(reason({ id: 'x', urls: ['u'] })).toContain('not available');
  });
});
