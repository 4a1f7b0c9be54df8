import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as agentFat from '../agent/image/disk/fat';
import * as agentGpt from '../agent/image/disk/partition-table';
import * as imagesFat from '../images/disk/fat';
import * as imagesGpt from '../images/disk/partition-table';

// images/ may not import agent/ (DESIGN.md arrows), so the disk codecs live in both; these
// checks keep the copies identical, so what the image service writes is what the agent reads.
describe('disk codecs shared by images/ and agent/image/', () => {
  it.each(['guid', 'partition-table', 'fat'])('%s.ts is the same source in both parts', (name) => {
    const agent = readFileSync(new URL(`../agent/image/disk/${name}.ts`, import.meta.url), 'utf8');
    const images = readFileSync(new URL(`../images/disk/${name}.ts`, import.meta.url), 'utf8');
    const body = images.split('\n').slice(2).join('\n');
    expect(body).toBe(agent);
  });

  it('both write the same GPT and FAT bytes', () => {
    const disk = {
      sectorSize: 512,
      totalSectors: 65536,
      diskGuid: '01234567-89ab-4cde-8f01-23456789abcd',
      partitions: [
        {
          type: agentGpt.GPT_TYPE.efiSystem,
          guid: '11111111-2222-4333-8444-555555555555',
          firstLba: 2048,
          lastLba: 4095,
        },
      ],
    };
    const a = agentGpt.buildGpt(disk);
    const b = imagesGpt.buildGpt(disk);
    expect(Buffer.from(a.primary.data).equals(Buffer.from(b.primary.data))).toBe(true);
    expect(Buffer.from(a.backup.data).equals(Buffer.from(b.backup.data))).toBe(true);
    const fat = {
      sizeBytes: 40 * 1024 * 1024,
      label: 'X',
      volumeId: 7,
      files: [{ path: 'a/b.txt', data: Buffer.from('hi') }],
    };
    const fa = agentFat.buildFat(fat).writes;
    const fb = imagesFat.buildFat(fat).writes;
    expect(fa.map((w) => w.offset)).toEqual(fb.map((w) => w.offset));
    fa.forEach((w, i) => expect(Buffer.from(w.data).equals(Buffer.from(fb[i]!.data))).toBe(true));
  });
});
