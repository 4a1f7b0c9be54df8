import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLab, type TestLab } from './testing/test-lab';

describe('the lab’s image service', () => {
  let t: TestLab;
  beforeAll(async () => {
    t = await startTestLab(0);
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('lists the sample images, serves their bytes and reports its address', async () => {
    const { lab } = t;
    const images = lab.images.list();
    expect(images.map((image) => image.disk_format).sort()).toEqual(
      expect.arrayContaining(['qcow2', 'raw']),
    );
    expect(lab.info().imagesUrl).toBe(lab.images.url);
    const raw = images.find((image) => image.disk_format === 'raw')!;
    const info = lab.images.instanceInfo(raw.id);
    const response = await fetch(info.image_source);
    expect(response.status).toBe(200);
    const bytes = Buffer.from(await response.arrayBuffer());
    expect(bytes.length).toBe(info.image_size);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(info.image_os_hash_value);
  });
});
