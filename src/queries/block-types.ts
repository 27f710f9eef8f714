/** Block types: reads and writes for /block_types. */
import { and, asc, eq, sql, type SQL } from 'drizzle-orm';
import type { PgUpdateSetSource } from 'drizzle-orm/pg-core';
import type { DbOrTx } from '../db/client';
import { blockSchema, blockType } from '../db/schema';
import type { BlockSchemaFilter, BlockTypeCreate, BlockTypeFilter, BlockTypeUpdate } from '../schemas/blocks';
import { formatTimestamp } from '../time';
import { anyOf, combine, like, when } from './filter-sql/criteria';

export type BlockTypeRow = typeof blockType.$inferSelect;

export interface BlockTypeResponse {
  id: string;
  created: string;
  updated: string;
  name: string;
  slug: string;
  logo_url: string | null;
  documentation_url: string | null;
  description: string | null;
  code_example: string | null;
  is_protected: boolean;
}

/** A block_type row as Postgres JSON renders it (json_build_object / row_to_json in a larger read). */
export const blockTypeRowFromJson = (j: Record<string, unknown>): BlockTypeRow => ({
  id: j.id as string,
  created: j.created as string,
  updated: j.updated as string,
  name: j.name as string,
  slug: j.slug as string,
  logoUrl: (j.logo_url as string | null) ?? null,
  documentationUrl: (j.documentation_url as string | null) ?? null,
  description: (j.description as string | null) ?? null,
  codeExample: (j.code_example as string | null) ?? null,
  isProtected: Boolean(j.is_protected),
});

export function toBlockTypeResponse(r: BlockTypeRow): BlockTypeResponse {
  return {
    id: r.id,
    created: formatTimestamp(r.created) as string,
    updated: formatTimestamp(r.updated) as string,
    name: r.name,
    slug: r.slug,
    logo_url: r.logoUrl,
    documentation_url: r.documentationUrl,
    description: r.description,
    code_example: r.codeExample,
    is_protected: r.isProtected,
  };
}

/** Python's html.escape(s, quote=False): Prefect stores a created type's description and example escaped. */
export const htmlEscape = (s: string) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

/** Python's html.unescape for the three entities htmlEscape writes (and the quote entities). */
const htmlUnescape = (s: string) =>
  s.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&quot;', '"').replaceAll('&#x27;', "'").replaceAll('&#39;', "'").replaceAll('&amp;', '&');

export function blockTypeFilterSql(f: BlockTypeFilter): SQL {
  return combine([
    when(f.name, (x) => combine([like(blockType.name, x.like_)])),
    when(f.slug, (x) => combine([anyOf(blockType.slug, x.any_)])),
  ]);
}

export function blockSchemaFilterSql(f: BlockSchemaFilter): SQL {
  return combine(
    [
      when(f.block_type_id, (x) => combine([anyOf(blockSchema.blockTypeId, x.any_)])),
      when(f.block_capabilities, (x) =>
        combine([x.all_ ? sql`${blockSchema.capabilities} @> ${JSON.stringify(x.all_)}::jsonb` : undefined]),
      ),
      when(f.id, (x) => combine([anyOf(blockSchema.id, x.any_)])),
      when(f.version, (x) => combine([anyOf(blockSchema.version, x.any_)])),
    ],
    f.operator,
  );
}

/** One INSERT; null when the slug is taken. */
export async function insertBlockType(db: DbOrTx, body: BlockTypeCreate): Promise<BlockTypeResponse | null> {
  const [row] = await db
    .insert(blockType)
    .values({
      name: body.name,
      slug: body.slug,
      logoUrl: body.logo_url ?? null,
      documentationUrl: body.documentation_url ?? null,
      description: body.description == null ? null : htmlEscape(body.description),
      codeExample: body.code_example == null ? null : htmlEscape(body.code_example),
    })
    .onConflictDoNothing({ target: blockType.slug })
    .returning();
  return row ? toBlockTypeResponse(row) : null;
}

export async function readBlockTypes(
  db: DbOrTx,
  q: { where?: SQL; schemaFilter?: BlockSchemaFilter; limit?: number; offset?: number },
): Promise<BlockTypeResponse[]> {
  const schemaExists = q.schemaFilter
    ? sql`exists (select 1 from ${blockSchema} where ${blockSchema.blockTypeId} = ${blockType.id} and ${blockSchemaFilterSql(q.schemaFilter)})`
    : undefined;
  let select = db.select().from(blockType).where(and(q.where, schemaExists)).orderBy(asc(blockType.name), asc(blockType.slug)).$dynamic();
  if (q.limit !== undefined) select = select.limit(q.limit);
  if (q.offset) select = select.offset(q.offset);
  return (await select).map(toBlockTypeResponse);
}

export async function blockTypeRow(db: DbOrTx, where: SQL): Promise<BlockTypeRow | undefined> {
  const [row] = await db.select().from(blockType).where(where).limit(1);
  return row;
}

export const blockTypeById = (id: string) => eq(blockType.id, id);
export const blockTypeBySlug = (slug: string) => eq(blockType.slug, slug);

const UPDATABLE = ['logo_url', 'documentation_url', 'description', 'code_example'] as const;

/**
 * Prefect writes nothing when all four updatable fields are sent and equal to the stored ones (with
 * HTML entities undone); any other update is written, `updated` included.
 */
export function blockTypeUpdateChanges(current: BlockTypeResponse, body: BlockTypeUpdate): boolean {
  const norm = (k: (typeof UPDATABLE)[number], x: string | null | undefined) =>
    x != null && (k === 'description' || k === 'code_example') ? htmlUnescape(x) : (x ?? null);
  return UPDATABLE.some((k) => !(k in body) || norm(k, body[k]) !== norm(k, current[k]));
}

export async function updateBlockType(db: DbOrTx, id: string, body: BlockTypeUpdate): Promise<BlockTypeRow> {
  const set: PgUpdateSetSource<typeof blockType> = { updated: sql`now()` };
  if (body.logo_url !== undefined) set.logoUrl = body.logo_url;
  if (body.documentation_url !== undefined) set.documentationUrl = body.documentation_url;
  if (body.description !== undefined) set.description = body.description;
  if (body.code_example !== undefined) set.codeExample = body.code_example;
  const [row] = await db.update(blockType).set(set).where(eq(blockType.id, id)).returning();
  return row as BlockTypeRow;
}

/** Deletes an unprotected type (its schemas and documents go with it) and returns it; says why when it did not. */
export async function deleteBlockType(db: DbOrTx, id: string): Promise<BlockTypeResponse | 'missing' | 'protected'> {
  const result = await db.execute(sql`
    with target as (select ${blockType.id} as id, ${blockType.isProtected} as protected from ${blockType} where ${blockType.id} = ${id}),
    gone as (delete from ${blockType} where ${blockType.id} in (select id from target where not protected) returning *)
    select (select protected from target) as protected, (select row_to_json(gone) from gone) as deleted`);
  const row = result.rows[0] as { protected: boolean | null; deleted: Record<string, unknown> | null };
  if (row.deleted) {
    const d = row.deleted;
    return toBlockTypeResponse({
      id: d.id as string,
      created: d.created as string,
      updated: d.updated as string,
      name: d.name as string,
      slug: d.slug as string,
      logoUrl: (d.logo_url as string | null) ?? null,
      documentationUrl: (d.documentation_url as string | null) ?? null,
      description: (d.description as string | null) ?? null,
      codeExample: (d.code_example as string | null) ?? null,
      isProtected: Boolean(d.is_protected),
    });
  }
  return row.protected === null ? 'missing' : 'protected';
}
