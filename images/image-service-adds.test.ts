import { createHash, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rawToQcow2 } from './disk/qcow2-writer';
import { ServiceFixture, expectRefusal } from './testing/service-fixture';

let fx: ServiceFixture;
beforeEach(async () => {
  fx = new ServiceFixture();
  await fx.service.start();
});
afterEach(() => fx.dispose());

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const filesOnDisk = () => readdirSync(join(fx.dir, 'files')).sort();
const served = async (id: string) =>
  Buffer.from(await (await fetch(fx.service.fileUrl(id))).arrayBuffer());

describe('ImageService adds', () => {
  it('leaves no file behind when it refuses an upload after reading it', async () => {
    const notQcow2 = randomBytes(200 * 1024);
    await expectRefusal(
      fx.service.addStream(Readable.from([notQcow2]), { name: 'fake.qcow2', disk_format: 'qcow2' }),
      400,
      /not a qcow2/,
    );
    const qcow2 = rawToQcow2(Buffer.alloc(1024 * 1024, 7));
    await expectRefusal(
      fx.service.addStream(Readable.from([qcow2]), { name: 'disk', disk_format: 'raw' }),
      400,
      /is a qcow2/,
    );
    await expectRefusal(
      fx.service.addStream(Readable.from([Buffer.alloc(0)]), { name: 'empty' }),
      400,
      /empty/,
    );
    expect(filesOnDisk()).toEqual([]);
    expect(fx.service.list()).toEqual([]);
    // The refused name is free again.
    const ok = await fx.service.addStream(Readable.from([notQcow2]), { name: 'fake.qcow2' });
    expect(ok).toMatchObject({ id: 'fake.qcow2', disk_format: 'raw' });
    expect(filesOnDisk()).toEqual(['fake.qcow2']);
  });

  it('refuses a qcow2 with a backing file, as Glance does', async () => {
    const qcow2 = rawToQcow2(Buffer.alloc(1024 * 1024, 7));
    qcow2.writeBigUInt64BE(512n, 8); // backing_file_offset
    qcow2.writeUInt32BE(4, 16); // backing_file_size
    await expectRefusal(
      fx.service.addStream(Readable.from([qcow2]), { name: 'layered.qcow2' }),
      400,
      /backing file/,
    );
    expect(filesOnDisk()).toEqual([]);
  });

  it('gives concurrent uploads of one name distinct ids, each with its own bytes', async () => {
    const first = new PassThrough();
    const second = new PassThrough();
    const a = randomBytes(300 * 1024);
    const b = randomBytes(200 * 1024);
    const addingA = fx.service.addStream(first, { name: 'ubuntu.img' });
    const addingB = fx.service.addStream(second, { name: 'ubuntu.img' });
    // The second finishes first: the order of completion must not decide who is overwritten.
    second.end(b);
    const viewB = await addingB;
    first.end(a);
    const viewA = await addingA;
    expect([viewA.id, viewB.id]).toEqual(['ubuntu.img', 'ubuntu-2.img']);
    expect(viewA.sha256).toBe(sha256(a));
    expect(viewB.sha256).toBe(sha256(b));
    expect(sha256(await served(viewA.id))).toBe(sha256(a));
    expect(sha256(await served(viewB.id))).toBe(sha256(b));
    expect(filesOnDisk()).toEqual(['ubuntu-2.img', 'ubuntu.img']);
  });

  it('answers 409 to a second add asking for an id an add in progress holds', async () => {
    const first = new PassThrough();
    const a = randomBytes(100 * 1024);
    const addingA = fx.service.addStream(first, { id: 'golden.raw' });
    await expectRefusal(
      fx.service.addStream(Readable.from([randomBytes(1024)]), { id: 'golden.raw' }),
      409,
      /being added/,
    );
    first.end(a);
    expect((await addingA).sha256).toBe(sha256(a));
    expect(sha256(await served('golden.raw'))).toBe(sha256(a));
  });

  it('frees the id of an add that failed midway, and removes its partial file', async () => {
    const broken = new PassThrough();
    const adding = fx.service.addStream(broken, { id: 'flaky.raw' });
    broken.write(randomBytes(64 * 1024));
    broken.destroy(new Error('client went away'));
    await expect(adding).rejects.toThrow('client went away');
    expect(filesOnDisk()).toEqual([]);
    const again = await fx.service.addStream(Readable.from([randomBytes(1024)]), {
      id: 'flaky.raw',
    });
    expect(again.id).toBe('flaky.raw');
  });

  it('does not delete a new image that reuses the id of one being removed', async () => {
    const old = await fx.service.addStream(Readable.from([randomBytes(4096)]), { id: 'x.raw' });
    const fresh = randomBytes(8192);
    const removing = fx.service.remove(old.id);
    // Same tick: the removal still holds the id, so the add cannot take the file's place.
    // Judged at once: the refusal can come before the removal ends, and must not go unhandled.
    const refused = expectRefusal(
      fx.service.addStream(Readable.from([fresh]), { id: 'x.raw' }),
      409,
    );
    expect(await removing).toBe(true);
    await refused;
    const later = await fx.service.addStream(Readable.from([fresh]), { id: 'x.raw' });
    expect(later.sha256).toBe(sha256(fresh));
    expect(sha256(await served('x.raw'))).toBe(sha256(fresh));
  });

  it('refuses an upload that carries neither a name nor an id', async () => {
    await expectRefusal(fx.service.addStream(Readable.from([randomBytes(10)]), {}), 400, /name/);
  });

  it('keeps a user image that took a sample id instead of overwriting it on restart', async () => {
    const mine = randomBytes(4096);
    await fx.service.addStream(Readable.from([mine]), { id: 'labos-1.0-disk.raw' });
    await fx.restart({ samples: true });
    expect(fx.service.get('labos-1.0-disk.raw')?.sha256).toBe(sha256(mine));
  });
});
