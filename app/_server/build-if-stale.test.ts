import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { staleBuildReason } from './build-if-stale';

let root: string;
const at = (seconds: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, seconds));

async function file(relative: string, seconds: number): Promise<void> {
  const full = path.join(root, relative);
  await mkdir(path.dirname(full), { recursive: true });
  await writeFile(full, 'x');
  await utimes(full, at(seconds), at(seconds));
  // Directories count too (a deleted file only shows as a newer directory), so age them as well.
  for (
    let dir = path.dirname(full);
    dir.startsWith(root) && dir !== root;
    dir = path.dirname(dir)
  ) {
    await utimes(dir, at(0), at(0));
  }
}

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'build-stale-'));
  await file('app/page.tsx', 10);
  await file('package.json', 10);
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('staleBuildReason', () => {
  it('asks for a build when there is none', async () => {
    expect(await staleBuildReason(root)).toBe('no production build yet');
  });

  it('is satisfied by a build newer than every source', async () => {
    await file('.next/BUILD_ID', 20);
    expect(await staleBuildReason(root)).toBeNull();
  });

  it('notices a page, a config or a protocol change after the build', async () => {
    await file('.next/BUILD_ID', 20);
    await file('protocol/ipa/inventory.ts', 30);
    expect(await staleBuildReason(root)).toBe('sources changed since the last build');
  });

  it('ignores the lab server and tests, which never reach the browser bundle', async () => {
    await file('.next/BUILD_ID', 20);
    await file('app/_server/lab.ts', 30);
    await file('app/_components/format.test.ts', 30);
    expect(await staleBuildReason(root)).toBeNull();
  });
});
