import { promises as fsp } from 'node:fs';
import { extname, join } from 'node:path';
import { syncDir } from './durable';

export interface SweepResult {
  /** Partial uploads and downloads (`*.part`) a stop or crash cut short, deleted. */
  removedPartial: string[];
  /** Files with no catalogue entry, moved from `files/` to `orphans/` (their new names). */
  orphaned: string[];
  /** Files already in `orphans/` from earlier starts. */
  earlierOrphans: string[];
}

/**
 * Keeps `files/` to exactly the catalogue's files at start. Partial files are only ever the
 * temporary side of an add that never finished, so they go. A complete file with no entry (an
 * add whose catalogue save never landed, or the files of a catalogue that could not be read)
 * may be someone's only copy: it moves to `orphans/`, where it is reported at every start until
 * a person registers or deletes it.
 */
export async function sweepFiles(
  filesDir: string,
  orphansDir: string,
  known: ReadonlySet<string>,
): Promise<SweepResult> {
  const result: SweepResult = { removedPartial: [], orphaned: [], earlierOrphans: [] };
  result.earlierOrphans = await fsp
    .readdir(orphansDir)
    .catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? [] : Promise.reject(err)));
  result.earlierOrphans.sort();
  const taken = new Set(result.earlierOrphans);
  for (const name of (await fsp.readdir(filesDir)).sort()) {
    const path = join(filesDir, name);
    if (known.has(path)) continue;
    if (name.endsWith('.part')) {
      await fsp.rm(path, { recursive: true, force: true });
      result.removedPartial.push(name);
      continue;
    }
    await fsp.mkdir(orphansDir, { recursive: true });
    const target = freeName(name, taken);
    taken.add(target);
    await fsp.rename(path, join(orphansDir, target));
    result.orphaned.push(target);
  }
  if (result.orphaned.length > 0) await syncDir(orphansDir);
  if (result.orphaned.length > 0 || result.removedPartial.length > 0) await syncDir(filesDir);
  return result;
}

function freeName(name: string, taken: ReadonlySet<string>): string {
  if (!taken.has(name)) return name;
  const ext = extname(name);
  const stem = ext ? name.slice(0, -ext.length) : name;
  for (let n = 2; ; n++) {
    const candidate = `${stem}-${n}${ext}`;
    if (!taken.has(candidate)) return candidate;
  }
}
