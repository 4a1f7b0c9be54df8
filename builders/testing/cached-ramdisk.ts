import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { buildRamdisk, type RamdiskResult } from '../ramdisk/build-ramdisk';
import { parseCompression } from '../ramdisk/compress';

/**
 * One ramdisk build shared by the QEMU tests (tests/qemu-*.test.ts), kept between runs: the key
 * is a hash of every source file that ends up in it (the agent and what it imports, the
 * builder) and of the kernel, BusyBox and Node it copies, so an edit rebuilds and nothing else
 * does. Test files running in parallel wait for the one that builds.
 */
export interface CachedRamdisk {
  kernel: string;
  initramfs: string;
  /** What the build reported (read back from the cache when it was not built now). */
  result: RamdiskResult;
  /** False when an earlier run's build was reused. */
  built: boolean;
}

/** Where the cache lives: `QEMU_RAMDISK_CACHE`, or a folder in the temporary directory. */
export function ramdiskCacheDir(): string {
  return process.env.QEMU_RAMDISK_CACHE ?? join(tmpdir(), 'ipa-ramdisk-cache');
}

const SOURCE_ROOTS = ['agent', 'protocol', 'lib', 'builders/ramdisk', 'package-lock.json'];
// dpkg's status changes with every package installed or upgraded (a tool added to the image).
const HOST_INPUTS = ['/var/lib/dpkg/status', '/usr/bin/node', '/bin/busybox', '/usr/lib/modules'];
const LOCK_STALE_MS = 15 * 60_000;

export async function cachedRamdisk(repoRoot = process.cwd()): Promise<CachedRamdisk> {
  const dir = join(ramdiskCacheDir(), inputsKey(repoRoot));
  const kernel = join(dir, 'ipa.kernel');
  const initramfs = join(dir, 'ipa.initramfs');
  const manifest = join(dir, 'result.json');
  const read = (built: boolean): CachedRamdisk => ({
    kernel,
    initramfs,
    result: JSON.parse(readFileSync(manifest, 'utf8')) as RamdiskResult,
    built,
  });
  if (existsSync(manifest)) return read(false);

  mkdirSync(ramdiskCacheDir(), { recursive: true });
  const lock = `${dir}.lock`;
  while (!tryLock(lock)) {
    await new Promise((r) => setTimeout(r, 1000));
    if (existsSync(manifest)) return read(false);
  }
  try {
    if (existsSync(manifest)) return read(false);
    const staging = `${dir}.partial`;
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    const result = await buildRamdisk({
      kernel: join(staging, 'ipa.kernel'),
      initramfs: join(staging, 'ipa.initramfs'),
      // A fast level keeps the tests short; the kernel unpacks any level at the same speed.
      compression: parseCompression('zstd:3'),
    });
    if (result.missingRequiredTools.length > 0) {
      throw new Error(
        `the ramdisk lacks ${result.missingRequiredTools.map((t) => `${t.name} (${t.package})`).join(', ')}`,
      );
    }
    const relocated = { ...result, kernel, initramfs };
    writeFileSync(join(staging, 'result.json'), JSON.stringify(relocated, null, 2));
    rmSync(dir, { recursive: true, force: true });
    renameSync(staging, dir);
    // Earlier builds are for sources that no longer exist: keep the cache to one ramdisk.
    for (const name of readdirSync(ramdiskCacheDir())) {
      const path = join(ramdiskCacheDir(), name);
      if (path !== dir && path !== lock && !name.endsWith('.lock'))
        rmSync(path, { recursive: true, force: true });
    }
    return read(true);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function tryLock(lock: string): boolean {
  try {
    mkdirSync(lock);
    return true;
  } catch {
    // A lock left by a killed run would block every later one.
    const age = Date.now() - statSync(lock, { throwIfNoEntry: false })!.mtimeMs;
    if (age > LOCK_STALE_MS) rmSync(lock, { recursive: true, force: true });
    return false;
  }
}

function inputsKey(repoRoot: string): string {
  const hash = createHash('sha256');
  const addTree = (path: string) => {
    const stat = statSync(path, { throwIfNoEntry: false });
    if (!stat) return;
    if (stat.isDirectory()) {
      for (const name of readdirSync(path).sort()) {
        if (name === 'node_modules' || name.endsWith('.test.ts')) continue;
        addTree(join(path, name));
      }
      return;
    }
    hash.update(relative(repoRoot, path)).update('\0').update(readFileSync(path)).update('\0');
  };
  for (const root of SOURCE_ROOTS) addTree(join(repoRoot, root));
  // Host inputs change with package upgrades: their names, sizes and times are enough.
  for (const path of HOST_INPUTS) {
    const stat = statSync(path, { throwIfNoEntry: false });
    const names = stat?.isDirectory() ? readdirSync(path).sort().join(',') : '';
    hash.update(`${path}:${stat?.size ?? '-'}:${stat?.mtimeMs ?? '-'}:${names}\0`);
  }
  for (const name of readdirSync('/boot')
    .filter((n) => n.startsWith('vmlinuz-'))
    .sort()) {
    const stat = statSync(join('/boot', name));
    hash.update(`${name}:${stat.size}:${stat.mtimeMs}\0`);
  }
  return hash.digest('hex').slice(0, 16);
}
