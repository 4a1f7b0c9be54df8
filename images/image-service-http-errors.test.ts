import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceFixture } from './testing/service-fixture';

let fx: ServiceFixture;
let base: string;
const bytes = randomBytes(4096);
beforeAll(async () => {
  fx = new ServiceFixture();
  await fx.service.start();
  base = fx.service.url;
  await fx.service.addStream(Readable.from([bytes]), { id: 'disk.raw' });
});
afterAll(() => fx.dispose());

async function expectError(res: Response, status: number, message: RegExp) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  const body = (await res.json()) as { error: { code: number; message: string } };
  expect(body.error.code).toBe(status);
  expect(body.error.message).toMatch(message);
}

const upload = (query: string, body: Uint8Array = bytes) =>
  fetch(`${base}/v1/images${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream' },
    body: new Uint8Array(body),
  });

describe('image service HTTP API errors', () => {
  it('refuses an upload without a name or id', async () => {
    await expectError(await upload(''), 400, /name/);
  });

  it('refuses an unknown disk_format or image_type', async () => {
    await expectError(await upload('?name=a&disk_format=vmdk'), 400, /disk_format.*raw or qcow2/);
    await expectError(await upload('?name=a&image_type=iso'), 400, /image_type/);
    const json = await fetch(`${base}/v1/images`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: 'http://x/y', disk_format: 'vhd' }),
    });
    await expectError(json, 400, /disk_format/);
  });

  it('refuses ids that could leave the files directory', async () => {
    await expectError(await upload('?id=..%2F..%2Fetc%2Fpasswd'), 400, /invalid image id/);
    await expectError(await upload('?id=..'), 400, /invalid image id/);
    await expectError(await fetch(`${base}/v1/images/..%2Fcatalogue.json`), 400, /invalid/);
    await expectError(
      await fetch(`${base}/v1/images/..%2F..%2Fx`, { method: 'DELETE' }),
      400,
      /invalid/,
    );
    await expectError(await fetch(`${base}/images/..%2Fcatalogue.json`), 400, /invalid/);
    // An id given as a name is made safe instead.
    const named = await upload('?name=..%2F..%2Fescape');
    expect(named.status).toBe(201);
    expect(((await named.json()) as { id: string }).id).toBe('escape');
  });

  it('answers 416 with Content-Range: bytes */size and a JSON reason past the end', async () => {
    const past = await fetch(`${base}/images/disk.raw`, {
      headers: { range: `bytes=${bytes.length}-` },
    });
    expect(past.headers.get('content-range')).toBe(`bytes */${bytes.length}`);
    await expectError(past, 416, /range/i);
    const zeroSuffix = await fetch(`${base}/images/disk.raw`, { headers: { range: 'bytes=-0' } });
    expect(zeroSuffix.headers.get('content-range')).toBe(`bytes */${bytes.length}`);
    await expectError(zeroSuffix, 416, /range/i);
  });

  it('answers malformed JSON, a wrong content type and unknown routes with JSON errors', async () => {
    const badJson = await fetch(`${base}/v1/images`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"path":',
    });
    await expectError(badJson, 400, /JSON/i);
    const text = await fetch(`${base}/v1/images`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'hello',
    });
    await expectError(text, 415, /content.type/i);
    await expectError(await fetch(`${base}/v2/nothing`), 404, /not found/);
    await expectError(await fetch(`${base}/v1/images/missing.raw`), 404, /missing\.raw/);
  });
});
