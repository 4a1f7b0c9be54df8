import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findRealRamdisk } from './real-ramdisk';

describe('findRealRamdisk', () => {
  const dirs: string[] = [];
  const folder = (...files: string[]) => {
    const dir = mkdtempSync(join(tmpdir(), 'real-ramdisk-'));
    dirs.push(dir);
    for (const f of files) writeFileSync(join(dir, f), '');
    return dir;
  };
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('finds the builder pair, ipa.* first', () => {
    const dir = folder('a.kernel', 'a.initramfs', 'ipa.kernel', 'ipa.initramfs', 'b.kernel');
    expect(findRealRamdisk(dir)).toEqual({
      kernel: join(dir, 'ipa.kernel'),
      initramfs: join(dir, 'ipa.initramfs'),
    });
    const other = folder('x.kernel', 'x.initramfs');
    expect(findRealRamdisk(other).initramfs).toBe(join(other, 'x.initramfs'));
  });

  it('says how to build one when the folder or the pair is missing', () => {
    expect(() => findRealRamdisk(folder('ipa.kernel'))).toThrow(
      /no PREFIX.kernel \+ PREFIX.initramfs pair .*npm run build:ramdisk -- -o /,
    );
    expect(() => findRealRamdisk('/nonexistent/ramdisk')).toThrow(/does not exist; build one/);
  });
});
