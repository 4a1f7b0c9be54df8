import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock, createLogger } from '../lib';
import { ImageService } from './image-service';
import type { ImageView } from './types';

const logger = createLogger({ name: 'test', level: 'silent' });
let dir: string;
let service: ImageService;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'images-'));
  service = new ImageService({ dataDir: dir, clock: new FakeClock(), logger });
  await service.start();
});
afterEach(async () => {
  await service.stop();
  rmSync(dir, { recursive: true, force: true });
});

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('ImageService', () => {
  it('lists the generated samples with URLs, sizes and checksums', async () => {
    const res = await fetch(`${service.url}/v1/images`);
    const { images } = (await res.json()) as { images: ImageView[] };
    expect(images.map((i) => [i.id, i.disk_format, i.image_type])).toEqual([
      ['labos-1.0-disk.raw', 'raw', 'whole-disk'],
      ['labos-1.0-disk.qcow2', 'qcow2', 'whole-disk'],
      ['labos-1.0-root.img', 'raw', 'partition'],
    ]);
    const qcow = images[1]!;
    expect(qcow.virtual_size).toBe(64 * 1024 * 1024);
    expect(qcow.file_url).toBe(`${service.url}/images/labos-1.0-disk.qcow2`);
    expect(qcow.created_at).toBe('2026-01-01T00:00:00.000Z');
    expect(service.instanceInfo('labos-1.0-disk.raw')).toMatchObject({
      image_source: `${service.url}/images/labos-1.0-disk.raw`,
      image_disk_format: 'raw',
      image_type: 'whole-disk',
      image_os_hash_algo: 'sha256',
      image_checksum: `${service.url}/images/labos-1.0-disk.raw.sha256`,
    });
  });

  it('serves whole files, single ranges, HEAD, 304 and 416', async () => {
    const url = `${service.url}/images/labos-1.0-disk.raw`;
    const meta = service.get('labos-1.0-disk.raw')!;
    const full = Buffer.from(await (await fetch(url)).arrayBuffer());
    expect(full.length).toBe(meta.size);
    expect(sha256(full)).toBe(meta.sha256);

    const part = await fetch(url, { headers: { range: 'bytes=512-1023' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 512-1023/${meta.size}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(full.subarray(512, 1024))).toBe(true);

    const head = await fetch(url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(meta.size));
    expect(head.headers.get('accept-ranges')).toBe('bytes');
    const etag = head.headers.get('etag')!;
    expect(etag).toMatch(/^".+"$/);

    expect((await fetch(url, { headers: { 'if-none-match': etag } })).status).toBe(304);
    const stale = await fetch(url, { headers: { range: 'bytes=10-', 'if-range': '"old"' } });
    expect(stale.status).toBe(200);
    await stale.arrayBuffer();
    const fresh = await fetch(url, { headers: { range: 'bytes=10-', 'if-range': etag } });
    expect(fresh.status).toBe(206);
    await fresh.arrayBuffer();
    const past = await fetch(url, { headers: { range: `bytes=${meta.size}-` } });
    expect(past.status).toBe(416);
    expect(past.headers.get('content-range')).toBe(`bytes */${meta.size}`);
  });

  it('serves checksum files naming the image as its URL does', async () => {
    const meta = service.get('labos-1.0-root.img')!;
    const text = await (await fetch(`${service.url}/images/labos-1.0-root.img.sha512`)).text();
    expect(text).toBe(`${meta.sha512}  labos-1.0-root.img\n`);
    const missing = await fetch(`${service.url}/images/nope.sha256`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({
      error: { code: 404, message: 'image nope.sha256 not found' },
    });
  });

  it('accepts uploads, local paths and URLs, and deletes what it owns', async () => {
    const data = Buffer.alloc(3 * 1024 * 1024, 9);
    const up = await fetch(`${service.url}/v1/images?name=my%20disk&image_type=partition`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: data,
    });
    expect(up.status).toBe(201);
    const uploaded = (await up.json()) as ImageView;
    expect(uploaded).toMatchObject({
      id: 'my-disk',
      size: data.length,
      sha256: sha256(data),
      source: 'upload',
      disk_format: 'raw',
    });

    const local = join(dir, 'outside.img');
    writeFileSync(local, data.subarray(0, 1024 * 1024));
    const reg = await fetch(`${service.url}/v1/images`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ path: local, id: 'local.img' }),
    });
    expect(reg.status).toBe(201);
    expect(await reg.json()).toMatchObject({
      id: 'local.img',
      source: 'path',
      origin: local,
      size: 1024 * 1024,
    });

    const fromUrl = await service.addUrl(`${service.url}/images/labos-1.0-disk.qcow2`, {
      id: 'copy.qcow2',
    });
    expect(fromUrl).toMatchObject({
      disk_format: 'qcow2',
      image_type: 'whole-disk',
      source: 'url',
    });
    expect(fromUrl.sha256).toBe(service.get('labos-1.0-disk.qcow2')!.sha256);

    const dup = await fetch(`${service.url}/v1/images`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ path: local, id: 'local.img' }),
    });
    expect(dup.status).toBe(409);
    const bad = await fetch(`${service.url}/v1/images`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ path: 'relative.img' }),
    });
    expect(bad.status).toBe(400);

    expect((await fetch(`${service.url}/v1/images/my-disk`, { method: 'DELETE' })).status).toBe(
      204,
    );
    expect((await fetch(`${service.url}/images/my-disk`)).status).toBe(404);
    expect((await fetch(`${service.url}/v1/images/my-disk`, { method: 'DELETE' })).status).toBe(
      404,
    );
  });

  it('keeps its catalogue across restarts without regenerating samples', async () => {
    const before = service.get('labos-1.0-disk.raw')!;
    await service.stop();
    service = new ImageService({
      dataDir: dir,
      clock: new FakeClock(Date.UTC(2027, 0, 1)),
      logger,
    });
    await service.start();
    expect(service.get('labos-1.0-disk.raw')).toMatchObject({
      created_at: before.created_at,
      sha256: before.sha256,
    });
  });

  it('rewrites samples an older generator wrote', async () => {
    const current = service.get('labos-1.0-root.img')!;
    await service.stop();
    // As an earlier release left it: another origin and other bytes.
    const file = join(dir, 'catalogue.json');
    const catalogue = JSON.parse(readFileSync(file, 'utf8')) as {
      images: { id: string; origin: string | null; sha256: string }[];
    };
    for (const r of catalogue.images) r.origin = null;
    writeFileSync(file, JSON.stringify(catalogue));
    writeFileSync(join(dir, 'files', 'labos-1.0-root.img'), 'stale');
    service = new ImageService({
      dataDir: dir,
      clock: new FakeClock(Date.UTC(2027, 0, 1)),
      logger,
    });
    await service.start();
    expect(service.get('labos-1.0-root.img')).toMatchObject({
      sha256: current.sha256,
      origin: current.origin,
      created_at: '2027-01-01T00:00:00.000Z',
    });
    const res = await fetch(service.fileUrl('labos-1.0-root.img'));
    expect(sha256(Buffer.from(await res.arrayBuffer()))).toBe(current.sha256);
  });
});
