import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { rejection, startTestLab, type TestLab } from './testing/test-lab';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** An upload body as the page sends it: a JSON line of fields, then the bytes, in pieces. */
function uploadBody(header: unknown, bytes: Buffer, pieceSize = 64 * 1024) {
  const chunks: Uint8Array[] = [Buffer.from(`${JSON.stringify(header)}\n`)];
  for (let at = 0; at < bytes.length; at += pieceSize) {
    chunks.push(bytes.subarray(at, at + pieceSize));
  }
  return streamOf(chunks);
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

  beforeAll(async () => {
    t = await startTestLab(1);
    // A web server the image service downloads from, as an operator's mirror would be.
    origin = createServer((req, res) => {
      if (req.url === '/disk.raw') {
        res.writeHead(200, { 'content-length': served.length });
        res.end(served);
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

  it('streams an upload to the service: the header names it, the bytes hash through', async () => {
    const bytes = randomBytes(1024 * 1024 + 17);
    const added = await t
      .caller()
      .images.upload(uploadBody({ name: 'browser upload.raw', disk_format: 'raw' }, bytes));
    expect(added).toMatchObject({
      id: 'browser-upload.raw',
      name: 'browser upload.raw',
      size: bytes.length,
      sha256: sha256(bytes),
      source: 'upload',
    });
    const served = await fetch(added.file_url);
    expect(sha256(Buffer.from(await served.arrayBuffer()))).toBe(sha256(bytes));
  });

  it('refuses an upload whose fields are bad, and checks fields before the bytes', async () => {
    const caller = t.caller();
    const bad = await rejection(
      caller.images.upload(uploadBody({ name: 'x.raw', image_type: 'floppy' }, randomBytes(10))),
    );
    expect(bad.message).toBe(
      'Bad upload fields: image_type: the image type is whole-disk or partition',
    );
    const garbage = await rejection(
      caller.images.upload(streamOf([Buffer.from('{"name": "x.raw"} and no newline')])),
    );
    expect(garbage.message).toBe(
      'Bad upload: the upload ended before its first line (the image fields)',
    );
    const check = await rejection(caller.images.checkUpload({ name: '  ' }));
    expect(check.message).toBe('Invalid input: name: the upload needs a file name');
    await expect(caller.images.checkUpload({ name: 'ok.raw' })).resolves.toEqual({ ok: true });
  });

  it('refuses to delete an image a node points at, and deletes it once free', async () => {
    const caller = t.caller();
    const bytes = randomBytes(4096);
    const image = await caller.images.upload(uploadBody({ name: 'in-use.raw' }, bytes));
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
