import { promises as fsp } from 'node:fs';

/**
 * Flushes a directory's entries, so a rename or unlink in it survives a power cut (a rename is
 * atomic, but only durable once its directory is synced).
 */
export async function syncDir(dir: string): Promise<void> {
  const fh = await fsp.open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Flushes a file's data, so a later rename never publishes a name over bytes still in cache. */
export async function syncFile(path: string): Promise<void> {
  const fh = await fsp.open(path, 'r+');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Writes `data` to `tmp`, flushes it, and renames it over `path`: old or new, never half. */
export async function replaceFile(path: string, tmp: string, data: string | Uint8Array) {
  const fh = await fsp.open(tmp, 'w');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await fsp.rename(tmp, path);
}
