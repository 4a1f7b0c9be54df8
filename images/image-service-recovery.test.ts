import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ServiceFixture } from './testing/service-fixture';

let fx: ServiceFixture;
beforeEach(async () => {
  fx = new ServiceFixture();
  await fx.service.start();
});
afterEach(() => fx.dispose());

const files = (sub: string) =>
  existsSync(join(fx.dir, sub)) ? readdirSync(join(fx.dir, sub)).sort() : [];

describe('ImageService start after a crash', () => {
  it('removes partial uploads and moves files with no catalogue entry aside, saying so', async () => {
    const kept = await fx.service.addStream(Readable.from([randomBytes(2048)]), { id: 'kept.raw' });
    await fx.service.stop();
    // What a crash leaves: an upload cut short, a file renamed in place whose entry never landed.
    writeFileSync(join(fx.dir, 'files', 'big.raw.1a2b3c4d.part'), randomBytes(1000));
    writeFileSync(join(fx.dir, 'files', 'orphan.raw'), 'no entry');
    writeFileSync(join(fx.dir, 'catalogue.json.tmp'), '{"version":1,');
    fx.logs.length = 0;
    await fx.restart();

    expect(files('files')).toEqual(['kept.raw']);
    expect(files('orphans')).toEqual(['orphan.raw']);
    expect(readFileSync(join(fx.dir, 'orphans', 'orphan.raw'), 'utf8')).toBe('no entry');
    expect(existsSync(join(fx.dir, 'catalogue.json.tmp'))).toBe(false);
    expect(fx.service.get('kept.raw')?.sha256).toBe(kept.sha256);
    const warned = fx.logs.find((l) => /no catalogue entry/.test(l.msg));
    expect(warned).toMatchObject({ level: 40, files: ['orphan.raw'] });
    expect(fx.logs.some((l) => /partial/.test(l.msg) && l.level === 30)).toBe(true);

    // Orphans waiting for a decision are named again at every start.
    fx.logs.length = 0;
    await fx.restart();
    expect(fx.logs.find((l) => /orphans/.test(l.msg))).toMatchObject({
      level: 40,
      files: ['orphan.raw'],
    });
  });

  it('keeps the files of an unreadable catalogue as orphans rather than deleting them', async () => {
    const mine = randomBytes(4096);
    await fx.service.addStream(Readable.from([mine]), { id: 'mine.raw' });
    await fx.service.stop();
    writeFileSync(join(fx.dir, 'catalogue.json'), '{"version":1,"images":[{"id":"mi');
    fx.logs.length = 0;
    await fx.restart();
    expect(fx.service.list()).toEqual([]);
    expect(readFileSync(join(fx.dir, 'orphans', 'mine.raw')).equals(mine)).toBe(true);
    expect(fx.logs.find((l) => /catalogue/.test(l.msg) && l.level === 50)).toBeDefined();
    expect(readdirSync(fx.dir).some((n) => n.startsWith('catalogue.json.corrupt-'))).toBe(true);
    // The orphan can be registered again in place.
    const back = await fx.service.addPath(join(fx.dir, 'orphans', 'mine.raw'));
    expect(back.size).toBe(mine.length);
  });

  it('does not clobber an earlier orphan of the same name', async () => {
    await fx.service.stop();
    mkdirSync(join(fx.dir, 'orphans'), { recursive: true });
    writeFileSync(join(fx.dir, 'orphans', 'twice.raw'), 'first');
    writeFileSync(join(fx.dir, 'files', 'twice.raw'), 'second');
    await fx.restart();
    const names = files('orphans');
    expect(names).toHaveLength(2);
    const contents = names.map((n) => readFileSync(join(fx.dir, 'orphans', n), 'utf8')).sort();
    expect(contents).toEqual(['first', 'second']);
  });
});
