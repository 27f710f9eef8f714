import { defineConfig } from 'drizzle-kit';

// Only `drizzle-kit generate` is used (it needs no database); migrations are applied by
// scripts/migrate.mjs through the same Neon driver that the Worker uses.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema.ts',
  out: './drizzle',
});
