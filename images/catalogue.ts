import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
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

/** The image catalogue: a JSON file in the data directory, rewritten atomically on change. */
export class Catalogue {
  private readonly records = new Map<string, ImageRecord>();
  private readonly file: string;
  private saving: Promise<void> = Promise.resolve();

  constructor(dataDir: string) {
    this.file = join(dataDir, 'catalogue.json');
  }

  async load(): Promise<void> {
    let text: string;
    try {
      text = await fsp.readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    const parsed = fileSchema.parse(JSON.parse(text));
    this.records.clear();
    for (const r of parsed.images) this.records.set(r.id, r);
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

  async put(record: ImageRecord): Promise<void> {
    this.records.set(record.id, record);
    await this.save();
  }

  async remove(id: string): Promise<ImageRecord | undefined> {
    const r = this.records.get(id);
    if (!r) return undefined;
    this.records.delete(id);
    await this.save();
    return r;
  }

  private save(): Promise<void> {
    const body = JSON.stringify({ version: 1, images: this.list() }, null, 2);
    // Saves run one after another so an older snapshot never lands after a newer one.
    this.saving = this.saving.then(async () => {
      const tmp = `${this.file}.tmp`;
      await fsp.writeFile(tmp, body);
      await fsp.rename(tmp, this.file);
    });
    return this.saving;
  }
}
