import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { INSTALL_BLOCK_SEED_SQL } from '../../../src/queries/block-seed';

// drizzle/*_block_seed_data.sql is a frozen copy of the install statement (scripts/block-seed.py
// writes it from src/queries/block-seed.ts). A database migrated from it and one seeded through the
// endpoint must end up the same, so the two copies must not drift apart.
describe('the block seed migration', () => {
  const dir = new URL('../../../drizzle/', import.meta.url);
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('_block_seed_data.sql'));

  it('exists once', () => {
    expect(files).toHaveLength(1);
  });

  it('installs the seed with the same statement as src/queries/block-seed.ts', () => {
    const text = fs.readFileSync(new URL(files[0] ?? '', dir), 'utf8');
    const statements = text.split('--> statement-breakpoint\n');
    expect(statements).toHaveLength(2);
    expect(statements[0]).toMatch(/^(--.*\n)*INSERT INTO block_seed /);
    expect(statements[1]?.trimEnd()).toBe(`${INSTALL_BLOCK_SEED_SQL};`);
  });
});
