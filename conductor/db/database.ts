import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import * as schema from './schema';

export type ConductorDb = BetterSQLite3Database<typeof schema>;

export interface OpenDatabase {
  db: ConductorDb;
  close(): void;
}

/** The committed drizzle-kit output beside this file. */
export const DEFAULT_MIGRATIONS_DIR = fileURLToPath(new URL('./migrations', import.meta.url));

/**
 * Opens (creating if needed) `<dataDir>/conductor.sqlite` and brings its schema up to date. WAL
 * keeps readers (the console) from blocking the conductor's writes.
 */
export function openDatabase(
  dataDir: string,
  migrationsDir = DEFAULT_MIGRATIONS_DIR,
): OpenDatabase {
  mkdirSync(dataDir, { recursive: true });
  const sqlite = new Database(join(dataDir, 'conductor.sqlite'));
  try {
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('synchronous = NORMAL');
    const db = drizzle(sqlite, { schema });
    migrate(db, { migrationsFolder: migrationsDir });
    return { db, close: () => sqlite.close() };
  } catch (err) {
    sqlite.close();
    throw err;
  }
}
