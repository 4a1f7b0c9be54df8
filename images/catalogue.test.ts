import { promises as fsp, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Catalogue } from './catalogue';
import type { ImageRecord } from './types';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'catalogue-'));
});
afterEach(() => {
  vi.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

function record(id: string): ImageRecord {
  return {
    id,
    name: id,
    disk_format: 'raw',
    image_type: 'whole-disk',
    size: 1,
    virtual_size: 1,
    md5: 'm',
    sha256: 's',
    sha512: 'S',
    source: 'upload',
    path: join(dir, 'files', id),
    origin: null,
    created_at: '2026-01-01T00:00:00.000Z',
  };
}

const onDisk = () =>
  (JSON.parse(readFileSync(join(dir, 'catalogue.json'), 'utf8')) as { images: ImageRecord[] })
    .images;

describe('Catalogue', () => {
  it('writes a temporary file, flushes it to the disk, then renames it over the catalogue', async () => {
    const probe = await fsp.open(join(dir, 'probe'), 'w');
    const handleProto = Object.getPrototypeOf(probe) as { sync: () => Promise<void> };
    await probe.close();
    const sync = vi.spyOn(handleProto, 'sync');
    const rename = vi.spyOn(fsp, 'rename');
    const c = new Catalogue(dir);
    await c.load();
    await c.put(record('a'));
    const renamed = rename.mock.calls.findIndex(
      ([from, to]) => String(to) === join(dir, 'catalogue.json') && String(from) !== String(to),
    );
    expect(renamed).toBeGreaterThanOrEqual(0);
    expect(String(rename.mock.calls[renamed]![0])).toMatch(/catalogue\.json\..*tmp$/);
    // The data reached the disk before the rename made it the catalogue, and the directory after.
    const renameOrder = rename.mock.invocationCallOrder[renamed]!;
    expect(sync.mock.invocationCallOrder.some((o) => o < renameOrder)).toBe(true);
    expect(sync.mock.invocationCallOrder.some((o) => o > renameOrder)).toBe(true);
    expect(onDisk().map((r) => r.id)).toEqual(['a']);
  });

  it('undoes a change it could not save, and saves later changes', async () => {
    const c = new Catalogue(dir);
    await c.load();
    await c.put(record('kept'));
    vi.spyOn(fsp, 'rename').mockRejectedValueOnce(
      Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' }),
    );
    await expect(c.put(record('lost'))).rejects.toThrow('ENOSPC');
    expect(c.has('lost')).toBe(false);
    vi.spyOn(fsp, 'rename').mockRejectedValueOnce(new Error('EIO'));
    await expect(c.remove('kept')).rejects.toThrow('EIO');
    expect(c.has('kept')).toBe(true);
    // One failed save does not poison the ones after it.
    await c.put(record('next'));
    expect(onDisk().map((r) => r.id)).toEqual(['kept', 'next']);
  });

  it('reserves ids synchronously, and numbers a taken name', () => {
    const c = new Catalogue(dir);
    expect(c.reserve('disk.raw')).toBe(true);
    expect(c.reserve('disk.raw')).toBe(false);
    expect(c.reserveLike('disk.raw')).toBe('disk-2.raw');
    expect(c.reserveLike('disk.raw')).toBe('disk-3.raw');
    c.release('disk.raw');
    expect(c.reserveLike('disk.raw')).toBe('disk.raw');
  });

  it('removes a leftover temporary file and sets aside a catalogue it cannot read', async () => {
    await fsp.writeFile(join(dir, 'catalogue.json.tmp'), '{"version":1,"ima');
    await fsp.writeFile(join(dir, 'catalogue.json'), '{"version":1,"images":[{"id":"a"');
    const c = new Catalogue(dir);
    const notes = await c.load();
    expect(c.list()).toEqual([]);
    expect(notes.removedTemp).toEqual([join(dir, 'catalogue.json.tmp')]);
    expect(notes.corruptMovedTo).toMatch(/catalogue\.json\.corrupt-/);
    const left = (await fsp.readdir(dir)).sort();
    expect(left).toEqual([notes.corruptMovedTo!.slice(dir.length + 1)]);
    expect(await fsp.readFile(notes.corruptMovedTo!, 'utf8')).toContain('"id":"a"');
  });
});
