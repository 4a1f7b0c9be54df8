import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { UPLOAD_CHUNK_BYTES, UPLOAD_IDLE_MS, uploadsOf } from './image-uploads';
import { rejection, startTestLab, type TestLab } from './testing/test-lab';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

type Caller = ReturnType<TestLab['caller']>;

/** One upload chunk as the page sends it: a JSON line, then the bytes, in pieces. */
function chunkBody(header: unknown, bytes: Buffer, pieceSize = 64 * 1024) {
  const chunks: Uint8Array[] = [Buffer.from(`${JSON.stringify(header)}\n`)];
  for (let at = 0; at < bytes.length; at += pieceSize) {
    chunks.push(bytes.subarray(at, at + pieceSize));
  }
  return streamOf(chunks);
}

/** What the page does with a file: begin, then the bytes in chunks, the last one marked. */
async function upload(
  caller: Caller,
  fields: { name: string; disk_format?: 'raw' | 'qcow2'; sha256?: string },
  bytes: Buffer,
  chunkSize = 256 * 1024,
) {
  const { uploadId } = await caller.images.beginUpload({ ...fields, size: bytes.length });
  for (let offset = 0; ; offset += chunkSize) {
    const last = offset + chunkSize >= bytes.length;
    const result = await caller.images.uploadChunk(
      chunkBody({ uploadId, offset, last }, bytes.subarray(offset, offset + chunkSize)),
    );
    if (last) return { uploadId, image: result.image! };
    expect(result).toEqual({ received: offset + chunkSize, image: null });
  }
}

function streamOf(chunks: Uint8Array[]) {
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = chunks.shift();
      if (next) controller.enqueue(new Uint8Array(next));
      else controller.close();
    },
  });
  // The HTTP adapter hands the procedure a ReadableStream; the caller's type expects a Blob.
  return stream as unknown as Blob;
}

describe('images router', () => {
  let t: TestLab;
  let origin: Server;
  let originUrl = '';
  const served = randomBytes(300 * 1024);
  /** Lets the origin finish sending `/held.raw`, whose first half it sends at once. */
  let release: () => void = () => undefined;

  beforeAll(async () => {
    t = await startTestLab(1);
    // A web server the image service downloads from, as an operator's mirror would be.
    origin = createServer((req, res) => {
      if (req.url === '/disk.raw') {
        res.writeHead(200, { 'content-length': served.length });
        res.end(served);
      } else if (req.url === '/held.raw') {
        res.writeHead(200, { 'content-length': served.length });
        res.write(served.subarray(0, served.length / 2));
        release = () => res.end(served.subarray(served.length / 2));
      } else {
        res.writeHead(404).end('not here');
      }
    });
    await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
    originUrl = `http://127.0.0.1:${(origin.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => origin?.close(resolve));
    await t?.stop();
  });

  it('lists the samples with their format, type, size, digest, URLs and users', async () => {
    const { url, images } = await t.caller().images.list();
    expect(url).toBe(t.lab.images.url);
    const raw = images.find((i) => i.id === 'labos-1.0-disk.raw')!;
    expect(raw).toMatchObject({ disk_format: 'raw', image_type: 'whole-disk', usedBy: [] });
    expect(raw.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(raw.file_url).toBe(`${url}/images/labos-1.0-disk.raw`);
    expect(raw.checksum_urls.sha256).toBe(`${raw.file_url}.sha256`);
    const bytes = Buffer.from(await (await fetch(raw.file_url)).arrayBuffer());
    expect(bytes.length).toBe(raw.size);
    expect(sha256(bytes)).toBe(raw.sha256);
    expect(images.find((i) => i.disk_format === 'qcow2')).toBeDefined();
  });

  it('rejects bad input with one readable line per field', async () => {
    const caller = t.caller();
    const ftp = await rejection(caller.images.addUrl({ url: 'ftp://mirror/disk.raw' }));
    expect(ftp.code).toBe('BAD_REQUEST');
    expect(ftp.message).toBe(
      'Invalid input: url: an http:// or https:// URL the service can fetch',
    );
    const relative = await rejection(caller.images.addPath({ path: 'disk.raw' }));
    expect(relative.message).toMatch(/^Invalid input: path: an absolute path on the console host/);
    const format = await rejection(
      caller.images.addUrl({ url: `${originUrl}/disk.raw`, disk_format: 'vmdk' as 'raw' }),
    );
    expect(format.message).toBe('Invalid input: disk_format: the disk format is raw or qcow2');
    const digest = await rejection(caller.images.addPath({ path: '/tmp/x.raw', sha256: 'abc' }));
    expect(digest.message).toBe('Invalid input: sha256: a SHA-256 is 64 hexadecimal digits');
  });

  it('adds an image by URL: downloaded, hashed, listed with its SHA-256 and origin', async () => {
    const added = await t
      .caller()
      .images.addUrl({ url: `${originUrl}/disk.raw`, name: 'mirror-disk.raw' });
    expect(added).toMatchObject({
      id: 'mirror-disk.raw',
      sha256: sha256(served),
      size: served.length,
      source: 'url',
      origin: `${originUrl}/disk.raw`,
      disk_format: 'raw',
      // Random bytes have no partition table: a file system, to the service.
      image_type: 'partition',
    });
    const { images } = await t.caller().images.list();
    expect(images.find((i) => i.id === 'mirror-disk.raw')?.sha256).toBe(sha256(served));
  });

  it('shows a URL download in flight with the bytes received of the total', async () => {
    const adding = t.caller().images.addUrl({ url: `${originUrl}/held.raw`, name: 'held.raw' });
    let downloads: Awaited<ReturnType<Caller['images']['downloads']>> = [];
    for (let i = 0; i < 200; i++) {
      downloads = await t.caller().images.downloads();
      if ((downloads[0]?.receivedBytes ?? 0) >= served.length / 2) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(downloads).toEqual([
      expect.objectContaining({
        id: 'held.raw',
        url: `${originUrl}/held.raw`,
        receivedBytes: served.length / 2,
        totalBytes: served.length,
      }),
    ]);
    release();
    expect((await adding).sha256).toBe(sha256(served));
    expect(await t.caller().images.downloads()).toEqual([]);
  });

  it('says readably when a URL answers 404, a checksum differs or a format is wrong', async () => {
    const caller = t.caller();
    const missing = await rejection(caller.images.addUrl({ url: `${originUrl}/gone.raw` }));
    expect(missing.code).toBe('BAD_GATEWAY');
    expect(missing.message).toBe(
      `Could not add the image from ${originUrl}/gone.raw: ${originUrl}/gone.raw answered HTTP 404`,
    );
    const wrong = '0'.repeat(64);
    const mismatch = await rejection(
      caller.images.addUrl({ url: `${originUrl}/disk.raw`, name: 'checked.raw', sha256: wrong }),
    );
    expect(mismatch.message).toBe(
      `Checksum mismatch: expected SHA-256 ${wrong}, the file hashes to ${sha256(served)}; the image was not kept`,
    );
    expect((await caller.images.list()).images.map((i) => i.name)).not.toContain('checked.raw');
    const qcow2 = await rejection(
      caller.images.addUrl({
        url: `${originUrl}/disk.raw`,
        name: 'fake.qcow2',
        disk_format: 'qcow2',
      }),
    );
    expect(qcow2.code).toBe('BAD_REQUEST');
    expect(qcow2.message).toMatch(/disk_format is qcow2 but the file is not a qcow2 image$/);
  });

  it('adds a file on the console host in place', async () => {
    const bytes = randomBytes(70 * 1024);
    const dir = await mkdtemp(path.join(tmpdir(), 'images-router-'));
    const file = path.join(dir, 'host.img');
    await writeFile(file, bytes);
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const added = await t.caller().images.addPath({ path: file, sha256: sha256(bytes) });
    expect(added).toMatchObject({ source: 'path', origin: file, sha256: sha256(bytes) });
  });

  it('takes an upload in chunks: each answers once stored, the last with the image', async () => {
    const bytes = randomBytes(1024 * 1024 + 17);
    const { image } = await upload(
      t.caller(),
      { name: 'browser upload.raw', disk_format: 'raw', sha256: sha256(bytes) },
      bytes,
    );
    expect(image).toMatchObject({
      id: 'browser-upload.raw',
      name: 'browser upload.raw',
      size: bytes.length,
      sha256: sha256(bytes),
      source: 'upload',
    });
    const served = await fetch(image.file_url);
    expect(sha256(Buffer.from(await served.arrayBuffer()))).toBe(sha256(bytes));
    expect(uploadsOf(t.lab).active).toBe(0);
  });

  it('refuses bad upload fields before any byte, and chunks out of order or oversized', async () => {
    const caller = t.caller();
    const fields = await rejection(caller.images.beginUpload({ name: '  ', size: 10 }));
    expect(fields.message).toBe('Invalid input: name: the upload needs a file name');
    const unknown = await rejection(
      caller.images.uploadChunk(
        chunkBody({ uploadId: 'nope', offset: 0, last: true }, randomBytes(4)),
      ),
    );
    expect(unknown.code).toBe('NOT_FOUND');
    const garbage = await rejection(
      caller.images.uploadChunk(streamOf([Buffer.from('{"uploadId": "x"} and no newline')])),
    );
    expect(garbage.message).toBe(
      'Bad upload: the upload ended before its first line (the image fields)',
    );
    const badHeader = await rejection(
      caller.images.uploadChunk(
        chunkBody({ uploadId: 'x', offset: -1, last: true }, Buffer.alloc(3)),
      ),
    );
    expect(badHeader.message).toMatch(/^Bad upload chunk: offset: /);

    const { uploadId } = await caller.images.beginUpload({ name: 'gappy.raw', size: 100 });
    const gap = await rejection(
      caller.images.uploadChunk(chunkBody({ uploadId, offset: 50, last: true }, randomBytes(50))),
    );
    expect(gap.code).toBe('CONFLICT');
    expect(gap.message).toBe(
      'Upload of gappy.raw: a chunk at byte 50 arrived, the next expected is at 0',
    );
    // A misplaced chunk (a retry, say) leaves the upload open for the right one.
    expect(uploadsOf(t.lab).active).toBe(1);
    await caller.images.cancelUpload({ uploadId });

    const big = await caller.images.beginUpload({
      name: 'big.raw',
      size: UPLOAD_CHUNK_BYTES * 2,
    });
    const oversized = await rejection(
      caller.images.uploadChunk(
        chunkBody(
          { uploadId: big.uploadId, offset: 0, last: false },
          Buffer.alloc(UPLOAD_CHUNK_BYTES + 1),
        ),
      ),
    );
    expect(oversized.code).toBe('PAYLOAD_TOO_LARGE');
    // A refused chunk ends its upload: nothing half-written stays in the catalogue.
    const names = (await caller.images.list()).images.map((i) => i.name);
    expect(names).not.toContain('big.raw');
  });

  it('says readably when an upload is short, has the wrong digest or is not the format', async () => {
    const caller = t.caller();
    const bytes = randomBytes(5000);
    const { uploadId } = await caller.images.beginUpload({ name: 'short.raw', size: 6000 });
    const short = await rejection(
      caller.images.uploadChunk(chunkBody({ uploadId, offset: 0, last: true }, bytes)),
    );
    expect(short.message).toBe('Upload of short.raw ended after 5000 of 6000 bytes');
    const wrong = 'a'.repeat(64);
    const mismatch = await rejection(upload(caller, { name: 'digest.raw', sha256: wrong }, bytes));
    expect(mismatch.message).toBe(
      `Checksum mismatch: expected SHA-256 ${wrong}, the file hashes to ${sha256(bytes)}; the image was not kept`,
    );
    const qcow2 = await rejection(
      upload(caller, { name: 'fake.qcow2', disk_format: 'qcow2' }, bytes),
    );
    expect(qcow2.message).toBe(
      'Could not store the upload: disk_format is qcow2 but the file is not a qcow2 image',
    );
    const names = (await caller.images.list()).images.map((i) => i.name);
    expect(names).not.toEqual(expect.arrayContaining(['short.raw']));
    expect(names).not.toContain('digest.raw');
    expect(uploadsOf(t.lab).active).toBe(0);
  });

  it('drops a cancelled upload, and one with no chunk for a while, with its partial file', async () => {
    const caller = t.caller();
    const files = path.join(path.dirname(t.lab.images.filePath('labos-1.0-disk.raw')!));
    const partials = async () => (await readdir(files)).filter((f) => f.endsWith('.part'));
    const before = await partials();
    const first = await caller.images.beginUpload({ name: 'cancelled.raw', size: 200 });
    await caller.images.uploadChunk(
      chunkBody({ uploadId: first.uploadId, offset: 0, last: false }, randomBytes(100)),
    );
    expect(await partials()).toHaveLength(before.length + 1);
    await expect(caller.images.cancelUpload({ uploadId: first.uploadId })).resolves.toEqual({
      cancelled: true,
    });
    await vi.waitFor(async () => expect(await partials()).toEqual(before));

    const second = await caller.images.beginUpload({ name: 'abandoned.raw', size: 200 });
    await caller.images.uploadChunk(
      chunkBody({ uploadId: second.uploadId, offset: 0, last: false }, randomBytes(100)),
    );
    await t.clock.advance(UPLOAD_IDLE_MS - 1000);
    expect(uploadsOf(t.lab).active).toBe(1);
    await t.clock.advance(2000);
    expect(uploadsOf(t.lab).active).toBe(0);
    await vi.waitFor(async () => expect(await partials()).toEqual(before));
    const late = await rejection(
      caller.images.uploadChunk(
        chunkBody({ uploadId: second.uploadId, offset: 100, last: true }, randomBytes(100)),
      ),
    );
    expect(late.code).toBe('NOT_FOUND');
  });

  it('refuses to delete an image a node points at, and deletes it once free', async () => {
    const caller = t.caller();
    const bytes = randomBytes(4096);
    const { image } = await upload(caller, { name: 'in-use.raw' }, bytes);
    const node = t.lab.conductor.listNodes()[0]!;
    const name = node.name ?? node.uuid;
    t.lab.conductor.patchNode(node.uuid, [
      {
        op: 'add',
        path: '/instance_info/image_source',
        value: t.lab.images.instanceInfo(image.id).image_source,
      },
    ]);
    const listed = (await caller.images.list()).images.find((i) => i.id === image.id)!;
    expect(listed.usedBy).toEqual([{ node: name, provisionState: node.provision_state }]);
    const refused = await rejection(caller.images.remove({ id: image.id }));
    expect(refused.code).toBe('CONFLICT');
    expect(refused.message).toBe(
      `in-use.raw is in use: instance_info.image_source of ${name} (${node.provision_state}) points at it. Undeploy that node or give it another image first.`,
    );
    expect((await fetch(image.file_url)).status).toBe(200);

    t.lab.conductor.patchNode(node.uuid, [{ op: 'remove', path: '/instance_info/image_source' }]);
    await expect(caller.images.remove({ id: image.id })).resolves.toEqual({ id: image.id });
    expect((await caller.images.list()).images.map((i) => i.id)).not.toContain(image.id);
    expect((await fetch(image.file_url)).status).toBe(404);
    const again = await rejection(caller.images.remove({ id: image.id }));
    expect(again.code).toBe('NOT_FOUND');
  });
});
