import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidImageError, Qcow2StreamConverter } from '../agent/image';
import { rawToQcow2, wholeDiskImage } from '../images';

const raw = wholeDiskImage();
const qcow2 = rawToQcow2(raw);
const dir = mkdtempSync(join(tmpdir(), 'qcow2-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Streams a qcow2 through the converter in `step`-byte pieces; returns the guest disk. */
async function convert(file: Buffer, step: number, maxBufferedBytes?: number): Promise<Buffer> {
  const out = Buffer.alloc(raw.length, 0xee);
  const conv = new Qcow2StreamConverter(
    {
      write: (offset, data) => {
        out.set(data, offset);
        return Promise.resolve();
      },
    },
    maxBufferedBytes === undefined ? {} : { maxBufferedBytes },
  );
  for (let i = 0; i < file.length; i += step) await conv.push(file.subarray(i, i + step));
  await conv.end();
  for (const gap of conv.unwrittenRanges()) out.fill(0, gap.offset, gap.offset + gap.length);
  return out;
}

function qemuImg(args: string[]): boolean {
  const r = spawnSync('qemu-img', args, { encoding: 'utf8' });
  if (r.error) return false; // not installed: .ci/run installs qemu-utils
  expect(r.status, r.stderr).toBe(0);
  return true;
}

/** Moves the L2 table behind the last data cluster, so data arrives before the table mapping it. */
function tablesLast(file: Buffer): Buffer {
  const f = Buffer.from(file);
  const cs = 1 << f.readUInt32BE(20);
  const l1 = Number(f.readBigUInt64BE(40));
  const mask = 0x00fffffffffffe00n;
  const l2 = Number(f.readBigUInt64BE(l1) & mask);
  let lastSlot = -1;
  let lastHost = 0;
  for (let i = 0; i < cs / 8; i++) {
    const host = Number(f.readBigUInt64BE(l2 + i * 8) & mask);
    if (host > lastHost) [lastHost, lastSlot] = [host, i];
  }
  const tmp = Buffer.from(f.subarray(l2, l2 + cs));
  f.copy(f, l2, lastHost, lastHost + cs);
  tmp.copy(f, lastHost);
  f.writeBigUInt64BE(BigInt(lastHost) | (1n << 63n), l1);
  f.writeBigUInt64BE(BigInt(l2) | (1n << 63n), lastHost + lastSlot * 8);
  return f;
}

describe('qcow2 streaming converter', () => {
  it('turns the generated qcow2 back into the raw disk, whatever the chunking', async () => {
    for (const step of [4096 - 7, 65536, 1 << 20]) {
      expect((await convert(qcow2, step)).equals(raw), `step ${step}`).toBe(true);
    }
  });

  it('keeps data that arrives before its L2 table, within the buffer budget', async () => {
    const reordered = tablesLast(qcow2);
    const file = join(dir, 'reordered.qcow2');
    writeFileSync(file, reordered);
    if (qemuImg(['check', file]))
      qemuImg(['compare', '-f', 'qcow2', '-F', 'raw', file, writeRaw()]);
    expect((await convert(reordered, 65536)).equals(raw)).toBe(true);
    await expect(convert(reordered, 65536, 0)).rejects.toBeInstanceOf(InvalidImageError);
  });

  it('reads what qemu-img writes: zlib-compressed clusters, 4 KiB clusters, version 2', async () => {
    const src = writeRaw();
    const variants: [string, string[]][] = [
      ['compressed', ['-c']],
      ['small-clusters', ['-o', 'cluster_size=4096']],
      ['v2', ['-o', 'compat=0.10']],
    ];
    for (const [name, opts] of variants) {
      const out = join(dir, `${name}.qcow2`);
      if (!qemuImg(['convert', '-f', 'raw', '-O', 'qcow2', ...opts, src, out])) return;
      expect((await convert(readFileSync(out), 100_000)).equals(raw), name).toBe(true);
    }
  });

  it('refuses backing files, truncated files and non-qcow2 data', async () => {
    const backed = Buffer.from(qcow2);
    backed.writeBigUInt64BE(512n, 8);
    backed.writeUInt32BE(8, 16);
    await expect(convert(backed, 65536)).rejects.toMatchObject({
      details: expect.stringMatching(/backing file/) as unknown,
    });
    await expect(convert(qcow2.subarray(0, qcow2.length - 65536), 65536)).rejects.toMatchObject({
      details: expect.stringMatching(/truncated|never arrived/) as unknown,
    });
    await expect(convert(raw.subarray(0, 1 << 20), 65536)).rejects.toMatchObject({
      details: 'not a qcow2 image',
    });
  });
});

let rawFile: string | null = null;
function writeRaw(): string {
  if (!rawFile) {
    rawFile = join(dir, 'disk.raw');
    writeFileSync(rawFile, raw);
  }
  return rawFile;
}
