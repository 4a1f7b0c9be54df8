import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { sha256Crypt } from './sha256-crypt';

describe('sha256Crypt', () => {
  it('matches a known hash (computed with glibc/openssl)', () => {
    expect(sha256Crypt('Hello world!', 'saltstring')).toBe(
      '$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5',
    );
  });

  it('matches openssl passwd -5 for various lengths', () => {
    for (const [pw, salt] of [
      ['x', 'ab'],
      ['a'.repeat(40), 'sixteencharsalt!'],
      ['pässwörd', 'Zz9./'],
    ] as const) {
      const expected = execFileSync('openssl', ['passwd', '-5', '-salt', salt, '-stdin'], {
        input: pw,
      })
        .toString()
        .trim();
      expect(sha256Crypt(pw, salt)).toBe(expected);
    }
  });

  it('draws a random 16-character salt', () => {
    const h = sha256Crypt('pw');
    expect(h).toMatch(/^\$5\$[./0-9A-Za-z]{16}\$[./0-9A-Za-z]{43}$/);
    expect(sha256Crypt('pw')).not.toBe(h);
  });
});
