import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { findProgram } from '../support/find-program';
import { type CpioEntry, writeCpio } from './cpio-writer';
import { readCpio } from './testing/cpio-reader';

async function archive(entries: CpioEntry[], mtime = 1234): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const written = await writeCpio(entries, out, { mtime });
  const bytes = Buffer.concat(chunks);
  expect(written).toBe(bytes.length);
  return bytes;
}

describe('writeCpio', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cpio-writer-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes newc entries the kernel and cpio tools read back, with fixed owners and times', async () => {
    const hostFile = join(dir, 'host.bin');
    writeFileSync(hostFile, Buffer.from([1, 2, 3, 4, 5]));
    const bytes = await archive([
      { kind: 'dir', path: '/', mode: 0o755 },
      { kind: 'dir', path: '/etc', mode: 0o755 },
      { kind: 'file', path: '/etc/hostname', mode: 0o644, data: Buffer.from('ipa\n') },
      { kind: 'file', path: '/bin.dat', mode: 0o600, source: hostFile, size: 5 },
      { kind: 'symlink', path: '/bin', target: 'usr/bin' },
      { kind: 'char', path: '/dev/console', mode: 0o600, major: 5, minor: 1 },
    ]);
    expect(bytes.length % 4).toBe(0);
    const read = readCpio(bytes);
    expect(read.map((e) => e.name)).toEqual([
      '.',
      'etc',
      'etc/hostname',
      'bin.dat',
      'bin',
      'dev/console',
    ]);
    expect(read.map((e) => e.ino)).toEqual([1, 2, 3, 4, 5, 6]);
    for (const e of read) {
      expect([e.uid, e.gid, e.mtime]).toEqual([0, 0, 1234]);
    }
    const [root, , hostname, hostCopy, link, console] = read;
    expect(root!.mode).toBe(0o040755);
    expect(root!.nlink).toBe(2);
    expect(hostname!.mode).toBe(0o100644);
    expect(hostname!.data.toString()).toBe('ipa\n');
    expect([...hostCopy!.data]).toEqual([1, 2, 3, 4, 5]);
    expect(hostCopy!.mode).toBe(0o100600);
    expect(link!.mode).toBe(0o120777);
    expect(link!.data.toString()).toBe('usr/bin');
    expect(console!.mode).toBe(0o020600);
    expect([console!.rdevMajor, console!.rdevMinor]).toEqual([5, 1]);

    // An independent reader agrees: BusyBox's cpio (busybox-static, which the ramdisk needs anyway).
    const busybox = findProgram('busybox');
    if (!busybox) throw new Error('busybox is not installed: apt-get install busybox-static');
    const listing = spawnSync(busybox, ['cpio', '-t'], { input: bytes, encoding: 'utf8' });
    expect(listing.status).toBe(0);
    expect(listing.stdout.trim().split('\n')).toEqual([
      '.',
      'etc',
      'etc/hostname',
      'bin.dat',
      'bin',
      'dev/console',
    ]);
  });

  it('is byte-for-byte deterministic and stamps the given time', async () => {
    const entries: CpioEntry[] = [
      { kind: 'dir', path: '/a', mode: 0o755 },
      { kind: 'file', path: '/a/x', mode: 0o644, data: Buffer.from('same') },
    ];
    const one = await archive(entries, 99);
    const two = await archive(entries, 99);
    expect(one.equals(two)).toBe(true);
    const other = await archive(entries, 100);
    expect(one.equals(other)).toBe(false);
    expect(readCpio(other).map((e) => e.mtime)).toEqual([100, 100]);
  });

  it('refuses a host file that changed size between listing and writing', async () => {
    const hostFile = join(dir, 'grows.bin');
    writeFileSync(hostFile, 'longer than announced');
    await expect(
      archive([{ kind: 'file', path: '/g', mode: 0o644, source: hostFile, size: 3 }]),
    ).rejects.toThrow(/changed while archiving/);
  });
});
