import { spawn } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Logger } from '../../lib';

/** What the browser bundle is built from; the lab's server code (app/_server) runs from source. */
const SOURCES = [
  'app',
  'public',
  'protocol',
  'next.config.ts',
  'postcss.config.mjs',
  'package.json',
  'package-lock.json',
];

function skipped(relative: string): boolean {
  return (
    relative.startsWith(`app${path.sep}_server`) ||
    /\.test\.tsx?$/.test(relative) ||
    relative.split(path.sep).includes('node_modules')
  );
}

async function newestMtime(root: string, relative: string): Promise<number> {
  if (skipped(relative)) return 0;
  const full = path.join(root, relative);
  const info = await stat(full).catch(() => undefined);
  if (!info) return 0;
  if (!info.isDirectory()) return info.mtimeMs;
  const entries = await readdir(full);
  const times = await Promise.all(entries.map((e) => newestMtime(root, path.join(relative, e))));
  return Math.max(info.mtimeMs, ...times);
}

/** Why the production build must be (re)made, or null when `.next` is current. */
export async function staleBuildReason(root: string): Promise<string | null> {
  const built = await stat(path.join(root, '.next', 'BUILD_ID')).catch(() => undefined);
  if (!built) return 'no production build yet';
  const times = await Promise.all(SOURCES.map((s) => newestMtime(root, s)));
  return Math.max(...times) > built.mtimeMs ? 'sources changed since the last build' : null;
}

/** Runs `next build` when needed, so `npm install && npm start` works on a fresh clone. */
export async function buildIfStale(root: string, logger: Logger): Promise<void> {
  const reason = await staleBuildReason(root);
  if (!reason) return;
  logger.info({ reason }, 'building the console (next build); this takes a minute or two');
  const nextBin = createRequire(import.meta.url).resolve('next/dist/bin/next');
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, [nextBin, 'build'], {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1' },
    });
    child.once('error', reject);
    child.once('exit', resolve);
  });
  if (code !== 0) throw new Error(`next build failed with exit code ${String(code)}`);
}
