import { createHash, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ServiceFixture, expectRefusal } from './testing/service-fixture';

let fx: ServiceFixture;
let origin: Server;
let originUrl: string;
/** Each request's handler, so a test decides when and how the origin answers. */
let handle: (res: ServerResponse, path: string) => void;

beforeEach(async () => {
  fx = new ServiceFixture();
  await fx.service.start();
  origin = createServer((req, res) => handle(res, req.url ?? '/'));
  await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
  originUrl = `http://127.0.0.1:${(origin.address() as AddressInfo).port}`;
});
afterEach(async () => {
  origin.closeAllConnections();
  await new Promise((r) => origin.close(r));
  await fx.dispose();
});

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('ImageService downloads', () => {
  it('reports bytes received out of Content-Length while a download runs, then forgets it', async () => {
    const body = randomBytes(512 * 1024);
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    handle = (res) => {
      res.writeHead(200, { 'content-length': body.length });
      res.write(body.subarray(0, 128 * 1024));
      void released.then(() => res.end(body.subarray(128 * 1024)));
    };
    const adding = fx.service.addUrl(`${originUrl}/cloud/disk.raw`);
    await vi.waitFor(() =>
      expect(fx.service.pending()).toEqual([
        {
          id: 'disk.raw',
          url: `${originUrl}/cloud/disk.raw`,
          receivedBytes: 128 * 1024,
          totalBytes: body.length,
          startedAt: '2026-01-01T00:00:00.000Z',
        },
      ]),
    );
    // The id is held while downloading: an upload of the same name gets another.
    const other = await fetch(`${fx.service.url}/v1/images?name=disk.raw`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: randomBytes(100),
    });
    expect(((await other.json()) as { id: string }).id).toBe('disk-2.raw');
    const listed = (await (await fetch(`${fx.service.url}/v1/downloads`)).json()) as unknown;
    expect(listed).toMatchObject({ downloads: [{ id: 'disk.raw', receivedBytes: 128 * 1024 }] });
    release();
    const view = await adding;
    expect([view.id, view.source, view.sha256]).toEqual(['disk.raw', 'url', sha256(body)]);
    expect(fx.service.pending()).toEqual([]);
  });

  it('reports a null total when the origin sends no Content-Length', async () => {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    handle = (res) => {
      res.writeHead(200); // chunked
      res.write(Buffer.alloc(1000, 1));
      void released.then(() => res.end(Buffer.alloc(24, 2)));
    };
    const adding = fx.service.addUrl(`${originUrl}/stream`, { name: 'streamed' });
    await vi.waitFor(() =>
      expect(fx.service.pending()).toMatchObject([
        { id: 'streamed', receivedBytes: 1000, totalBytes: null },
      ]),
    );
    release();
    expect((await adding).size).toBe(1024);
  });

  it('refuses a download cut short of its Content-Length and leaves nothing', async () => {
    handle = (res) => {
      res.writeHead(200, { 'content-length': 4096 });
      res.write(Buffer.alloc(1000, 1));
      setImmediate(() => res.destroy());
    };
    await expectRefusal(fx.service.addUrl(`${originUrl}/short.raw`), 502, /failed after/);
    expect(fx.service.pending()).toEqual([]);
    expect(fx.service.list()).toEqual([]);
    expect(readdirSync(join(fx.dir, 'files'))).toEqual([]);
  });

  it('follows redirects, as Glance web-download does', async () => {
    const body = randomBytes(4096);
    handle = (res, path) => {
      if (path === '/latest') res.writeHead(302, { location: '/v2/disk.raw' }).end();
      else res.writeHead(200, { 'content-length': body.length }).end(body);
    };
    const view = await fx.service.addUrl(`${originUrl}/latest`, { name: 'latest.raw' });
    expect(view).toMatchObject({ sha256: sha256(body), origin: `${originUrl}/latest` });
  });

  it('says which status the origin answered, and frees the id', async () => {
    handle = (res) => res.writeHead(404).end('nope');
    await expectRefusal(fx.service.addUrl(`${originUrl}/gone.raw`), 502, /HTTP 404/);
    expect(fx.service.pending()).toEqual([]);
  });
});
