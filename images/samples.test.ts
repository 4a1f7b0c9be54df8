import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readPartitionTable } from '../lib/disk/partition-table';
import { GPT_TYPE } from '../lib/disk/partition-table';
import { sampleImages } from './samples';

const dir = mkdtempSync(join(tmpdir(), 'samples-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const samples = sampleImages();
const byId = (id: string) => samples.find((s) => s.id === id)!;

/** Runs a tool if this machine has it; `null` when it is not installed (CI installs them). */
function tool(cmd: string, args: string[]): { status: number; out: string } | null {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') return null;
  return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

describe('sample images', () => {
  it('whole-disk raw: a valid GPT with an ESP and the LabOS root', async () => {
    const raw = byId('labos-1.0-disk.raw').data;
    expect(raw.length).toBe(64 * 1024 * 1024);
    const table = await readPartitionTable(
      (o, l) => Promise.resolve(raw.subarray(o, o + l)),
      512,
      raw.length,
    );
    expect(table?.kind).toBe('gpt');
    expect(table?.partitions.map((p) => p.type)).toEqual([
      GPT_TYPE.efiSystem,
      GPT_TYPE.linuxFilesystem,
    ]);
    expect(table?.gpt?.backupLba).toBe(raw.length / 512 - 1);
    expect(raw.includes(Buffer.from('PRETTY_NAME="LabOS 1.0 (disk)"'))).toBe(true);
    const file = join(dir, 'disk.raw');
    writeFileSync(file, raw);
    const sgdisk = tool('sgdisk', ['-v', file]);
    if (sgdisk) expect(sgdisk.out).toContain('No problems found');
    const blkid = tool('blkid', ['-p', '-o', 'export', file]);
    if (blkid) expect(blkid.out).toContain('PTTYPE=gpt');
  });

  it('is the same bytes every time (stable checksums for the catalogue)', () => {
    const again = sampleImages();
    for (const s of again) expect(s.data.equals(byId(s.id).data)).toBe(true);
  });

  it('partition image: a FAT32 file system blkid and fsck.fat accept', () => {
    const fs = byId('labos-1.0-root.img').data;
    expect(fs.toString('latin1', 82, 90)).toBe('FAT32   ');
    const file = join(dir, 'root.img');
    writeFileSync(file, fs);
    const blkid = tool('blkid', ['-p', '-o', 'export', file]);
    if (blkid) {
      expect(blkid.out).toContain('TYPE=vfat');
      expect(blkid.out).toContain('LABEL=labos-root');
    }
    const fsck = tool('fsck.fat', ['-n', file]);
    if (fsck) expect(fsck.status).toBe(0);
  });

  it('qcow2: qemu-img reads it as the raw disk', () => {
    const q = byId('labos-1.0-disk.qcow2').data;
    expect(q.readUInt32BE(0)).toBe(0x514649fb);
    expect(q.readUInt32BE(4)).toBe(3);
    expect(Number(q.readBigUInt64BE(24))).toBe(64 * 1024 * 1024);
    expect(q.length).toBeLessThan(2 * 1024 * 1024); // zero clusters left out
    const qf = join(dir, 'disk.qcow2');
    const rf = join(dir, 'disk2.raw');
    writeFileSync(qf, q);
    writeFileSync(rf, byId('labos-1.0-disk.raw').data);
    const check = tool('qemu-img', ['check', qf]);
    if (check) {
      expect(check.out).toContain('No errors were found');
      expect(tool('qemu-img', ['compare', '-f', 'qcow2', '-F', 'raw', qf, rf])?.out).toContain(
        'Images are identical',
      );
    }
  });
});
