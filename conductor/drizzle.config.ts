import { defineConfig } from 'drizzle-kit';

// `npx drizzle-kit generate --config conductor/drizzle.config.ts` writes the SQL the conductor
// applies at start; the generated files are committed so a fresh checkout needs no drizzle-kit.
export default defineConfig({
  dialect: 'sqlite',
  schema: './conductor/db/schema.ts',
  out: './conductor/db/migrations',
});
