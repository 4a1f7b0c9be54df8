import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { PassThrough, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

export type Compression = 'zstd' | 'xz' | 'gzip' | 'none';

export interface CompressionSpec {
  kind: Compression;
  /** zstd 1–19, xz 0–9, gzip 1–9; undefined takes the default. */
  level?: number;
}

const LEVELS: Record<Compression, { min: number; max: number; default: number }> = {
  zstd: { min: 1, max: 19, default: 19 },
  xz: { min: 0, max: 9, default: 9 },
  gzip: { min: 1, max: 9, default: 9 },
  none: { min: 0, max: 0, default: 0 },
};

/** `zstd`, `zstd:9`, `xz`, `gzip:6`, `none`. */
export function parseCompression(text: string): CompressionSpec {
  const [kind, levelText] = text.split(':') as [string, string | undefined];
  if (!(kind in LEVELS)) {
    throw new Error(`unknown compression "${kind}": use zstd, xz, gzip or none (e.g. zstd:19)`);
  }
  const k = kind as Compression;
  if (levelText === undefined) return { kind: k };
  const level = Number(levelText);
  const range = LEVELS[k];
  if (!Number.isInteger(level) || level < range.min || level > range.max) {
    throw new Error(`${k} level must be an integer from ${range.min} to ${range.max}`);
  }
  return { kind: k, level };
}

/** Debian package of the compressor program, for the error when it is missing. */
export const COMPRESSOR_PACKAGE: Partial<Record<Compression, string>> = {
  zstd: 'zstd',
  xz: 'xz-utils',
};

/**
 * A stream that compresses into `path`, for a format the kernel unpacks (CONFIG_RD_ZSTD,
 * CONFIG_RD_XZ, CONFIG_RD_GZIP). Output is deterministic: zstd and gzip store no name or time;
 * xz uses CRC32, the check the kernel's decompressor supports, and one thread. `done` resolves
 * when the file is complete. `append` adds to the file (the kernel reads concatenated archives).
 */
export function compressTo(
  path: string,
  spec: CompressionSpec,
  options: { append?: boolean } = {},
): { input: Writable; done: Promise<void> } {
  const level = spec.level ?? LEVELS[spec.kind].default;
  const file = createWriteStream(path, { flags: options.append ? 'a' : 'w' });
  if (spec.kind === 'none' || spec.kind === 'gzip') {
    const input = spec.kind === 'gzip' ? createGzip({ level, memLevel: 9 }) : new PassThrough();
    return { input, done: pipeline(input, file) };
  }
  const [command, args] =
    spec.kind === 'zstd'
      ? ['zstd', [`-${level}`, '-T0', '-q', '-c']]
      : ['xz', [`-${level}`, '--check=crc32', '-T1', '-q', '-c']];
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<void>((resolve, reject) => {
    child.on('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'ENOENT'
          ? new Error(
              `${command} is not installed: apt-get install ${COMPRESSOR_PACKAGE[spec.kind]}`,
            )
          : err,
      ),
    );
    child.on('close', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`${command} failed (exit ${code}): ${stderr.trim()}`)),
    );
  });
  const written = pipeline(child.stdout, file);
  return { input: child.stdin, done: Promise.all([exited, written]).then(() => undefined) };
}
