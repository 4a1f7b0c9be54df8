import { promises as fsp } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { replaceFile, syncDir } from './durable';
import type { ImageRecord } from './types';

const recordSchema = z.object({
  id: z.string(),
  name: z.string(),
  disk_format: z.enum(['raw', 'qcow2']),
  image_type: z.enum(['whole-disk', 'partition']),
  size: z.number().int().nonnegative(),
  virtual_size: z.number().int().nonnegative(),
  md5: z.string(),
  sha256: z.string(),
  sha512: z.string(),
  source: z.enum(['sample', 'upload', 'path', 'url']),
  path: z.string(),
  origin: z.string().nullable(),
  created_at: z.string(),
});
const fileSchema = z.object({ version: z.literal(1), images: z.array(recordSchema) });

/** Ids are URL path segments; checksum files take the id plus a suffix, so these are refused. */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
export const CHECKSUM_SUFFIXES = ['md5', 'sha256', 'sha512'] as const;

export function validId(id: string): boolean {
  return ID_PATTERN.test(id) && !CHECKSUM_SUFFIXES.some((s) => id.endsWith(`.${s}`));
}

/** What `load()` found and cleaned up, for the service to log. */
export interface LoadNotes {
  /** Temporary catalogue files a crash left mid-save, removed (the catalogue itself is whole). */
  removedTemp: string[];
  /** Where an unreadable catalogue was moved; the service starts with none. */
  corruptMovedTo: string | null;
  corruptReason: string | null;
}

/**
 * The image catalogue: a JSON file in the data directory. Each save writes a temporary file,
 * flushes it and renames it over the catalogue, so a crash leaves the old or the new catalogue,
 * never a torn one. Ids being added or deleted are reserved in memory, so two adds cannot pick
 * the same id and an add cannot reuse the id of a file still being deleted.
 */
export class Catalogue {
  private readonly records = new Map<string, ImageRecord>();
  private readonly reserved = new Set<string>();
  private readonly file: string;
  private readonly tmp: string;
  private saving: Promise<void> = Promise.resolve();

  constructor(dataDir: string) {
    this.file = join(dataDir, 'catalogue.json');
    this.tmp = `${this.file}.tmp`;
  }

  async load(): Promise<LoadNotes> {
    const notes: LoadNotes = { removedTemp: [], corruptMovedTo: null, corruptReason: null };
    // Only a save in flight leaves the temporary file; that save was never acknowledged.
    if (
      await fsp.rm(this.tmp).then(
        () => true,
        (err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? false : Promise.reject(err)),
      )
    )
      notes.removedTemp.push(this.tmp);
    let text: string;
    try {
      text = await fsp.readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return notes;
      throw err;
    }
    this.records.clear();
    let images: ImageRecord[];
    try {
      images = fileSchema.parse(JSON.parse(text)).images;
    } catch (err) {
      // Kept for a person to read; the service goes on without it rather than not starting.
      const aside = `${this.file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      await fsp.rename(this.file, aside);
      await syncDir(dirname(this.file));
      notes.corruptMovedTo = aside;
      notes.corruptReason = err instanceof Error ? err.message.slice(0, 500) : String(err);
      return notes;
    }
    for (const r of images) this.records.set(r.id, r);
    return notes;
  }

  list(): ImageRecord[] {
    return [...this.records.values()];
  }

  get(id: string): ImageRecord | undefined {
    return this.records.get(id);
  }

  has(id: string): boolean {
    return this.records.has(id);
  }

  /** Held by an image or by an add or delete in progress. */
  taken(id: string): boolean {
    return this.records.has(id) || this.reserved.has(id);
  }

  /** Whether `id` is held by an add or delete in progress (rather than by an image). */
  isReserved(id: string): boolean {
    return this.reserved.has(id);
  }

  /** Reserves `id` for an add; false when taken. Synchronous, so no other add can interleave. */
  reserve(id: string): boolean {
    if (this.taken(id)) return false;
    this.reserved.add(id);
    return true;
  }

  /** Reserves `id`, or when taken the first free `stem-N.ext`, and returns what it reserved. */
  reserveLike(id: string): string {
    if (this.reserve(id)) return id;
    const dot = id.lastIndexOf('.');
    const stem = dot > 0 ? id.slice(0, dot) : id;
    const ext = dot > 0 ? id.slice(dot) : '';
    for (let n = 2; ; n++) {
      const candidate = `${stem}-${n}${ext}`;
      if (validId(candidate) && this.reserve(candidate)) return candidate;
      if (!validId(candidate)) return this.reserveLike(`image-${n}${ext}`);
    }
  }

  release(id: string): void {
    this.reserved.delete(id);
  }

  /** Adds or replaces a record; undone in memory if it cannot be saved. */
  async put(record: ImageRecord): Promise<void> {
    const before = this.records.get(record.id);
    this.records.set(record.id, record);
    try {
      await this.save();
    } catch (err) {
      if (this.records.get(record.id) === record) {
        if (before) this.records.set(record.id, before);
        else this.records.delete(record.id);
      }
      throw err;
    }
  }

  /**
   * Removes a record and keeps its id reserved until `release(id)`: its file is still to be
   * deleted, and an add of the same id must not land before that.
   */
  async remove(id: string): Promise<ImageRecord | undefined> {
    const r = this.records.get(id);
    if (!r) return undefined;
    this.records.delete(id);
    this.reserved.add(id);
    try {
      await this.save();
    } catch (err) {
      this.reserved.delete(id);
      if (!this.records.has(id)) this.records.set(id, r);
      throw err;
    }
    return r;
  }

  private save(): Promise<void> {
    // One save at a time, each writing the records as they are when it runs (not when it was
    // asked for), so the last save holds the latest state and an undone change is not revived;
    // a failed save does not stop the ones queued after it.
    const next = this.saving.then(async () => {
      const body = JSON.stringify({ version: 1, images: this.list() }, null, 2);
      await replaceFile(this.file, this.tmp, body);
      await syncDir(dirname(this.file));
    });
    this.saving = next.catch(() => undefined);
    return next;
  }
}
