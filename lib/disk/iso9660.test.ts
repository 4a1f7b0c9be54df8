import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildIso9660 } from './iso9660';

// Read back by libisofs (xorriso), an implementation independent of ours; .ci/run installs it.
const dir = mkdtempSync(join(tmpdir(), 'iso9660-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function xorriso(image: Buffer, ...args: string[]): string {
  const file = join(dir, 'image.iso');
  writeFileSync(file, image);
  const r = spawnSync('xorriso', ['-indev', file, ...args], { encoding: 'utf8' });
  expect(r.error, 'xorriso is needed to read the image back').toBeUndefined();
  expect(r.status, r.stderr).toBe(0);
  return r.stdout + r.stderr;
}

function extract(image: Buffer, path: string): Buffer {
  const out = join(dir, 'out');
  rmSync(out, { force: true });
  xorriso(image, '-osirrox', 'on', '-extract', path, out);
  return readFileSync(out);
}

describe('buildIso9660', () => {
  const time = new Date('2026-01-02T03:04:05Z');

  it('writes a labelled volume whose Rock Ridge names and contents read back', () => {
    const big = Buffer.alloc(5000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff;
    const image = buildIso9660({
      volumeId: 'config-2',
      publisher: 'lab',
      time,
      files: [
        { path: 'openstack/latest/meta_data.json', data: Buffer.from('{"uuid":"u1"}') },
        { path: 'openstack/latest/user_data', data: Buffer.from('#cloud-config\n') },
        { path: 'openstack/latest/vendor_data2.json', data: big },
        { path: 'openstack/2012-08-10/meta_data.json', data: Buffer.from('{"v":1}') },
        { path: 'empty', data: Buffer.alloc(0) },
      ],
    });
    expect(image.length % 2048).toBe(0);
    expect(image.subarray(32769, 32774).toString('latin1')).toBe('CD001');
    expect(image.subarray(32808, 32840).toString('latin1').trimEnd()).toBe('config-2');
    const listing = xorriso(image, '-find', '/');
    for (const p of [
      '/openstack/latest/meta_data.json',
      '/openstack/latest/user_data',
      '/openstack/latest/vendor_data2.json',
      '/openstack/2012-08-10/meta_data.json',
      '/empty',
    ]) {
      expect(listing).toContain(`'${p}'`);
    }
    expect(listing).toContain("Volume id    : 'config-2'");
    expect(extract(image, '/openstack/latest/meta_data.json').toString()).toBe('{"uuid":"u1"}');
    expect(extract(image, '/openstack/latest/vendor_data2.json').equals(big)).toBe(true);
    expect(extract(image, '/empty').length).toBe(0);
  });

  it('spreads a large directory over several sectors without splitting records', () => {
    const files = Array.from({ length: 120 }, (_, i) => ({
      path: `many/file-with-a-long-name-${String(i).padStart(3, '0')}.json`,
      data: Buffer.from(`file ${i}`),
    }));
    const image = buildIso9660({ volumeId: 'many', time, files });
    const listing = xorriso(image, '-find', '/many');
    expect(listing.match(/'\/many\/file-with-a-long-name-\d{3}\.json'/g)).toHaveLength(120);
    expect(extract(image, '/many/file-with-a-long-name-119.json').toString()).toBe('file 119');
  });

  it('refuses what an ISO cannot hold', () => {
    expect(() => buildIso9660({ volumeId: 'x'.repeat(33), time, files: [] })).toThrow(/32/);
    expect(() =>
      buildIso9660({
        volumeId: 'v',
        time,
        files: [
          { path: 'a', data: Buffer.alloc(1) },
          { path: 'a/b', data: Buffer.alloc(1) },
        ],
      }),
    ).toThrow(/is a file/);
  });
});
