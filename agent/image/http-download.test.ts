import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock, createLogger } from '../../lib';
import { ImageDownloadError, ImageDownloadFatalError } from './errors';
import { type DownloadOptions, type DownloadSink, download } from './http-download';
import { type LoopbackServer, loopbackServer, serveBytes } from './testing/loopback-server';

const logger = createLogger({ name: 'test', level: 'silent' });
const image = randomBytes(1024 * 1024);
const servers: LoopbackServer[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(...args: Parameters<typeof serveBytes>) {
  const s = await loopbackServer(serveBytes(...args));
  servers.push(s);
  return s;
}

function collector() {
  let parts: Buffer[] = [];
  const begins: number[] = [];
  const sink: DownloadSink = {
    begin: (offset) => {
      begins.push(offset);
      if (offset === 0) parts = [];
    },
    data: (chunk) => {
      parts.push(Buffer.from(chunk));
    },
  };
  return { sink, begins, bytes: () => Buffer.concat(parts) };
}

function options(urls: string[], over: Partial<DownloadOptions> = {}): DownloadOptions {
  return {
    imageId: 'img',
    urls,
    clock: new FakeClock(),
    logger,
    connectionTimeoutMs: 60_000,
    retries: 3,
    retryIntervalMs: 0,
    ...over,
  };
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !cond(); i++) await new Promise((r) => setTimeout(r, 1));
  expect(cond()).toBe(true);
}

describe('download (IPA §8.3, with resumable retries)', () => {
  it('retries 5xx answers and then delivers every byte', async () => {
    const s = await serve(image, { failFirst: 2 });
    const c = collector();
    const got = await download(options([`${s.url}/img`]), c.sink);
    expect(s.requests).toHaveLength(3);
    expect(got.bytes).toBe(image.length);
    expect(c.bytes().equals(image)).toBe(true);
  });

  it('stops at a 4xx: no retry and no further URL', async () => {
    const bad = await serve(image, { failFirst: 99, failStatus: 404 });
    const good = await serve(image);
    const c = collector();
    const err = await download(options([`${bad.url}/img`, `${good.url}/img`]), c.sink).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ImageDownloadFatalError);
    expect((err as ImageDownloadFatalError).details).toContain('HTTP 404');
    expect(bad.requests).toHaveLength(1);
    expect(good.requests).toHaveLength(0);
  });

  it('resumes a transfer cut mid-stream with a Range request guarded by the ETag', async () => {
    const s = await serve(image, { dropAfter: 300_000, etag: '"abc"' });
    const c = collector();
    const got = await download(options([`${s.url}/img`]), c.sink);
    expect(c.bytes().equals(image)).toBe(true);
    expect(got.interruptions).toBe(1);
    expect(s.requests).toHaveLength(2);
    const resumedAt = c.begins[1]!;
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThanOrEqual(300_000);
    expect(s.requests[1]!.headers.range).toBe(`bytes=${resumedAt}-`);
    expect(s.requests[1]!.headers['if-range']).toBe('"abc"');
  });

  it('starts over when the server ignores the range', async () => {
    const s = await serve(image, { dropAfter: 200_000, ignoreRange: true });
    const c = collector();
    await download(options([`${s.url}/img`]), c.sink);
    expect(c.begins).toEqual([0, 0]);
    expect(c.bytes().equals(image)).toBe(true);
  });

  it('moves to the next URL when retries are used up, and reports every failure', async () => {
    const down = await serve(image, { failFirst: 99, failStatus: 503 });
    const up = await serve(image);
    const c = collector();
    const got = await download(options([`${down.url}/a`, `${up.url}/b`], { retries: 2 }), c.sink);
    expect(down.requests).toHaveLength(3);
    expect(got.url).toBe(`${up.url}/b`);
    expect(c.bytes().equals(image)).toBe(true);

    const other = await serve(image, { failFirst: 99, failStatus: 500 });
    const err = await download(
      options([`${down.url}/a`, `${other.url}/c`], { retries: 0 }),
      collector().sink,
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageDownloadError);
    expect((err as ImageDownloadError).details).toMatch(/\/a: HTTP 503; .*\/c: HTTP 500/);
  });

  it('treats a connection that stalls for the connection timeout as failed, then resumes', async () => {
    const s = await serve(image, { stallAfter: 100_000 });
    const clock = new FakeClock();
    const c = collector();
    const done = download(
      options([`${s.url}/img`], { clock, connectionTimeoutMs: 60_000 }),
      c.sink,
    );
    await until(() => c.bytes().length === 100_000);
    await clock.advance(59_000);
    expect(s.requests).toHaveLength(1);
    await clock.advance(1_000);
    await done;
    expect(s.requests).toHaveLength(2);
    expect(s.requests[1]!.headers.range).toBe('bytes=100000-');
    expect(c.bytes().equals(image)).toBe(true);
  });

  it('waits the retry interval between attempts on the injected clock', async () => {
    const s = await serve(image, { failFirst: 1 });
    const clock = new FakeClock();
    const c = collector();
    const done = download(options([`${s.url}/img`], { clock, retryIntervalMs: 10_000 }), c.sink);
    await until(() => s.requests.length === 1 && clock.pending === 1);
    await clock.advance(9_999);
    expect(s.requests).toHaveLength(1);
    await clock.advance(1);
    await done;
    expect(s.requests).toHaveLength(2);
    expect(c.bytes().equals(image)).toBe(true);
  });
});
