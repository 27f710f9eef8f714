/**
 * Prefect's own block types and schemas (those its server registers at start-up), installed by the
 * block_seed_data migration and again, idempotently, by POST /block_types/install_system_block_types.
 *
 * The seed itself is one JSON document in the block_seed table, not in the Worker bundle (it was two
 * thirds of the minified script). scripts/block-seed.py generates it from the Prefect package and writes
 * the block_seed_data migration: the document's INSERT, then this statement, copied from here. So the
 * migration and the endpoint run the same statement over the same row.
 */
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';

/**
 * One statement. Types are upserted by slug (a protected type gets its name and protection back, the
 * others their texts and links, as Prefect's start-up registration does); schemas are added when their
 * checksum and version are new; references between schemas when missing. `created` follows the seed's
 * order, one microsecond apart, because reads order schemas by it.
 */
export const INSTALL_BLOCK_SEED_SQL = `WITH seed AS (SELECT document AS j FROM block_seed),
types_in AS (
  SELECT t.* FROM seed, ROWS FROM (json_to_recordset(seed.j -> 'block_types') AS (
    id uuid, name varchar, slug varchar, logo_url varchar, documentation_url varchar, description varchar,
    code_example varchar, is_protected boolean)) WITH ORDINALITY
    AS t(id, name, slug, logo_url, documentation_url, description, code_example, is_protected, ord)
),
types AS (
  INSERT INTO block_type AS bt (id, created, updated, name, slug, logo_url, documentation_url, description, code_example, is_protected)
  SELECT id, now() + ord * interval '1 microsecond', now() + ord * interval '1 microsecond', name, slug, logo_url,
    documentation_url, description, code_example, is_protected
  FROM types_in
  ON CONFLICT (slug) DO UPDATE SET
    name = CASE WHEN excluded.is_protected THEN excluded.name ELSE bt.name END,
    logo_url = excluded.logo_url,
    documentation_url = excluded.documentation_url,
    description = excluded.description,
    code_example = excluded.code_example,
    is_protected = bt.is_protected OR excluded.is_protected,
    updated = now()
  RETURNING id, slug
),
schemas_in AS (
  SELECT s.* FROM seed, ROWS FROM (json_to_recordset(seed.j -> 'block_schemas') AS (
    id uuid, checksum varchar, fields json, capabilities jsonb, version varchar, block_type_id uuid)) WITH ORDINALITY
    AS s(id, checksum, fields, capabilities, version, block_type_id, ord)
),
schemas AS (
  INSERT INTO block_schema (id, created, updated, checksum, fields, capabilities, version, block_type_id)
  SELECT s.id, now() + s.ord * interval '1 microsecond', now() + s.ord * interval '1 microsecond', s.checksum, s.fields,
    s.capabilities, s.version, t.id
  FROM schemas_in s JOIN types_in ti ON ti.id = s.block_type_id JOIN types t ON t.slug = ti.slug
  ON CONFLICT DO NOTHING
  RETURNING id, checksum, version
),
schema_ids AS (
  SELECT s.id AS seed_id, coalesce(n.id, e.id) AS id
  FROM schemas_in s
  LEFT JOIN schemas n ON n.checksum = s.checksum AND n.version = s.version
  LEFT JOIN block_schema e ON e.checksum = s.checksum AND e.version = s.version
),
refs_in AS (
  SELECT r.* FROM seed, ROWS FROM (json_to_recordset(seed.j -> 'block_schema_references') AS (
    id uuid, name varchar, parent_block_schema_id uuid, reference_block_schema_id uuid)) WITH ORDINALITY
    AS r(id, name, parent_block_schema_id, reference_block_schema_id, ord)
)
INSERT INTO block_schema_reference (id, created, updated, name, parent_block_schema_id, reference_block_schema_id)
SELECT r.id, now() + r.ord * interval '1 microsecond', now() + r.ord * interval '1 microsecond', r.name, p.id, c.id
FROM refs_in r
JOIN schema_ids p ON p.seed_id = r.parent_block_schema_id
JOIN schema_ids c ON c.seed_id = r.reference_block_schema_id
WHERE NOT EXISTS (
  SELECT 1 FROM block_schema_reference x
  WHERE x.name = r.name AND x.parent_block_schema_id = p.id AND x.reference_block_schema_id = c.id
)
ON CONFLICT DO NOTHING`;

export async function installBlockSeed(db: DbOrTx): Promise<void> {
  await db.execute(sql.raw(INSTALL_BLOCK_SEED_SQL));
}
