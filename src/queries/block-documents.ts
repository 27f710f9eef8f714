/**
 * Block documents: reads (nested blocks resolved, secret fields obfuscated unless asked for), writes
 * (nested blocks stored as block_document_reference rows) and filters, for /block_documents and the
 * /block_types/slug/{slug}/block_documents reads.
 */
import { and, asc, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { blockDocument, blockDocumentReference, blockSchema, blockType } from '../db/schema';
import { detailError, INTEGRITY_CONFLICT } from '../http/errors';
import { normalizeUuid } from '../schemas/common';
import type { BlockDocumentCreate, BlockDocumentFilter, BlockDocumentSort, BlockDocumentUpdate, BlockSchemaFilter, BlockTypeFilter } from '../schemas/blocks';
import { formatTimestamp } from '../time';
import { readBlockSchemas, type BlockSchemaResponse } from './block-schemas';
import { blockSchemaFilterSql, blockTypeFilterSql, blockTypeRowFromJson, toBlockTypeResponse, type BlockTypeResponse } from './block-types';
import { anyOf, combine, isBool, like, when } from './filter-sql/criteria';

type Data = Record<string, unknown>;

export interface BlockDocumentResponse {
  id: string;
  created: string;
  updated: string;
  name: string;
  data: Data;
  block_schema_id: string;
  block_schema: BlockSchemaResponse | null;
  block_type_id: string;
  block_type_name: string | null;
  block_type: BlockTypeResponse;
  block_document_references: Record<string, unknown>;
  is_anonymous: boolean;
}

/** What Prefect shows in place of a secret value. */
export const OBFUSCATED = '********';

// ---- secrets: Prefect's flat-dict view of a document's data ----

type FlatEntry = [string[], unknown];
const isPlainObject = (x: unknown): x is Data => typeof x === 'object' && x !== null && !Array.isArray(x);

/** Nested non-empty objects become key paths; everything else (lists, empty objects) is a leaf. */
function flatten(obj: Data, parent: string[] = []): FlatEntry[] {
  const out: FlatEntry[] = [];
  for (const [k, v] of Object.entries(obj)) {
    const path = [...parent, k];
    if (isPlainObject(v) && Object.keys(v).length > 0) out.push(...flatten(v, path));
    else out.push([path, v]);
  }
  return out;
}

function unflatten(entries: FlatEntry[]): Data {
  const result: Data = {};
  for (const [path, value] of entries) {
    let current = result;
    for (const key of path.slice(0, -1)) {
      if (!isPlainObject(current[key])) current[key] = {};
      current = current[key] as Data;
    }
    current[path.at(-1)!] = value;
  }
  return result;
}

const samePath = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Secret fields are dotted paths (`a.b`, or `a.*` for everything under `a`). A path that names a
 * non-null leaf is hidden; a wildcard path hides every leaf under its prefix.
 */
export function obfuscateSecrets(data: Data, secretFields: unknown): Data {
  if (!Array.isArray(secretFields) || secretFields.length === 0) return data;
  const flat = flatten(data);
  for (const field of secretFields) {
    if (typeof field !== 'string') continue;
    const key = field.split('.');
    const hit = flat.find(([path]) => samePath(path, key));
    if (hit && hit[1] !== null && hit[1] !== undefined) hit[1] = OBFUSCATED;
    else if (key.includes('*')) {
      const w = key.indexOf('*');
      for (const entry of flat) if (samePath(entry[0].slice(0, w), key.slice(0, w))) entry[1] = OBFUSCATED;
    }
  }
  return unflatten(flat);
}

/**
 * An update that sends back the obfuscated value of a secret keeps the stored secret (someone saved
 * the form they were shown).
 */
function keepUnchangedSecrets(update: Data, current: Data, secretFields: unknown): Data {
  if (!Array.isArray(secretFields)) return update;
  const flatUpdate = flatten(update);
  const flatCurrent = flatten(current);
  const currentAt = (key: string[]) => flatCurrent.find(([p]) => samePath(p, key));
  for (const field of secretFields) {
    if (typeof field !== 'string') continue;
    const key = field.split('.');
    const stored = currentAt(key);
    if (stored && stored[1] !== null && stored[1] !== undefined) {
      const sent = flatUpdate.find(([p]) => samePath(p, key));
      if (sent && sent[1] === OBFUSCATED) sent[1] = stored[1];
    } else if (key.includes('*')) {
      const w = key.indexOf('*');
      for (const entry of flatUpdate) {
        if (samePath(entry[0].slice(0, w), key.slice(0, w)) && entry[1] === OBFUSCATED) {
          const previous = currentAt(entry[0]);
          if (previous) entry[1] = previous[1];
        }
      }
    }
  }
  return unflatten(flatUpdate);
}

// ---- references to other documents ----

/** Top-level keys holding `{"$ref": {"block_document_id": …}}` are nested blocks; the rest is data. */
function separateReferences(data: Data): { plain: Data; references: [string, string][] } {
  const plain: Data = {};
  const references: [string, string][] = [];
  for (const [key, value] of Object.entries(data)) {
    if (isPlainObject(value) && '$ref' in value) {
      const ref = value.$ref;
      const raw = isPlainObject(ref) ? ref.block_document_id : undefined;
      if (raw === undefined || raw === null) throw detailError(400, `Received block reference without a block_document_id in key ${key}`);
      const id = typeof raw === 'string' ? normalizeUuid(raw) : null;
      if (id === null) throw detailError(400, `Received block reference with an invalid block_document_id in key ${key}`);
      references.push([key, id]);
    } else plain[key] = value;
  }
  return { plain, references };
}

async function wouldFormCycle(tx: DbOrTx, parentId: string, referenceId: string): Promise<boolean> {
  if (parentId === referenceId) return true;
  const result = await tx.execute(sql`
    with recursive walk as (
      select ${referenceId}::uuid as id
      union
      select r.reference_block_document_id from block_document_reference r join walk on r.parent_block_document_id = walk.id
    )
    select exists (select 1 from walk where id = ${parentId}::uuid) as cycle`);
  return Boolean((result.rows[0] as { cycle: boolean }).cycle);
}

async function addReference(tx: DbOrTx, parentId: string, name: string, referenceId: string): Promise<void> {
  if (await wouldFormCycle(tx, parentId, referenceId)) {
    throw detailError(
      400,
      `Cannot create block document reference: it would introduce a cycle into the block_document_reference graph (parent=${parentId}, reference=${referenceId}).`,
    );
  }
  await tx.insert(blockDocumentReference).values({ name, parentBlockDocumentId: parentId, referenceBlockDocumentId: referenceId });
}

// ---- filters ----

export function blockDocumentFilterSql(f: BlockDocumentFilter): SQL {
  return combine(
    [
      when(f.id, (x) => combine([anyOf(blockDocument.id, x.any_)])),
      when(f.is_anonymous, (x) => combine([isBool(blockDocument.isAnonymous, x.eq_)])),
      when(f.block_type_id, (x) => combine([anyOf(blockDocument.blockTypeId, x.any_)])),
      when(f.name, (x) => combine([anyOf(blockDocument.name, x.any_), like(blockDocument.name, x.like_)])),
    ],
    f.operator,
  );
}

/** The three filter families of a document read; an absent document filter leaves out anonymous ones. */
export function blockDocumentsWhere(q: {
  block_documents?: BlockDocumentFilter | null;
  block_types?: BlockTypeFilter | null;
  block_schemas?: BlockSchemaFilter | null;
}): SQL {
  const docs = blockDocumentFilterSql(q.block_documents ?? { is_anonymous: { eq_: false } });
  const types = q.block_types
    ? sql`exists (select 1 from ${blockType} where ${blockType.id} = ${blockDocument.blockTypeId} and ${blockTypeFilterSql(q.block_types)})`
    : undefined;
  const schemas = q.block_schemas
    ? sql`exists (select 1 from ${blockSchema} where ${blockSchema.id} = ${blockDocument.blockSchemaId} and ${blockSchemaFilterSql(q.block_schemas)})`
    : undefined;
  return and(docs, types, schemas) as SQL;
}

const DOCUMENT_ORDER: Record<BlockDocumentSort, SQL[]> = {
  NAME_DESC: [desc(blockDocument.name)],
  NAME_ASC: [asc(blockDocument.name)],
  BLOCK_TYPE_AND_NAME_ASC: [asc(blockDocument.blockTypeName), asc(blockDocument.name)],
};

// ---- reads ----

interface TreeRow {
  ref_name: string | null;
  ref_parent: string | null;
  doc: Record<string, unknown>;
  type: Record<string, unknown>;
  secret_fields: unknown;
}

const MAX_DEPTH = 50;

/**
 * The documents matching `where`, each with its nested documents' data in place and described in
 * `block_document_references`, and its schema: three statements (the documents with everything they
 * reference, then the roots' schemas).
 */
export async function readBlockDocuments(
  db: DbOrTx,
  q: { where: SQL; sort?: BlockDocumentSort; limit?: number; offset?: number; includeSecrets?: boolean },
): Promise<BlockDocumentResponse[]> {
  const order = sql.join(DOCUMENT_ORDER[q.sort ?? 'NAME_ASC'], sql`, `);
  const limit = q.limit === undefined ? sql`` : sql` limit ${q.limit}`;
  const offset = q.offset ? sql` offset ${q.offset}` : sql``;
  const result = await db.execute(sql`
    with recursive roots as (
      select ${blockDocument.id} as id from ${blockDocument} where ${q.where} order by ${order}${limit}${offset}
    ),
    tree as (
      select id, null::varchar as ref_name, null::uuid as ref_parent, 0 as depth from roots
      union all
      select r.reference_block_document_id, r.name, r.parent_block_document_id, tree.depth + 1
      from block_document_reference r join tree on r.parent_block_document_id = tree.id
      where tree.depth <= ${MAX_DEPTH}
    )
    select tree.ref_name, tree.ref_parent, row_to_json(block_document.*) as doc, row_to_json(bt.*) as type,
      bs.fields -> 'secret_fields' as secret_fields
    from tree
    join block_document on block_document.id = tree.id
    join block_type bt on bt.id = block_document.block_type_id
    join block_schema bs on bs.id = block_document.block_schema_id
    order by ${order}`);
  const rows = result.rows as unknown as TreeRow[];
  const byId = new Map<string, TreeRow>();
  for (const r of rows) if (!byId.has(r.doc.id as string)) byId.set(r.doc.id as string, r);

  const build = (row: TreeRow, depth: number): { data: Data; references: Record<string, unknown> } => {
    if (depth > MAX_DEPTH) throw detailError(400, `Block document reference graph exceeds max depth ${MAX_DEPTH}.`);
    const stored = (row.doc.data ?? {}) as Data;
    const data = q.includeSecrets ? { ...stored } : obfuscateSecrets(stored, row.secret_fields);
    const references: Record<string, unknown> = {};
    const seen = new Set<string>();
    for (const r of rows) {
      if (r.ref_parent !== row.doc.id || r.ref_name === null) continue;
      const key = `${r.ref_name}|${r.doc.id as string}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const child = build(r, depth + 1);
      data[r.ref_name] = child.data;
      references[r.ref_name] = {
        block_document: {
          id: r.doc.id,
          name: r.doc.name,
          block_type: typeResponse(r.type),
          is_anonymous: r.doc.is_anonymous,
          block_document_references: child.references,
        },
      };
    }
    return { data, references };
  };

  const roots: TreeRow[] = [];
  const rootIds = new Set<string>();
  for (const r of rows) {
    const id = r.doc.id as string;
    if (r.ref_parent === null && !rootIds.has(id)) {
      rootIds.add(id);
      roots.push(r);
    }
  }
  const schemaIds = [...new Set(roots.map((r) => r.doc.block_schema_id as string))];
  const schemas = schemaIds.length ? await readBlockSchemas(db, { where: inArray(blockSchema.id, schemaIds) }) : [];
  const schemaById = new Map(schemas.map((s) => [s.id, s]));
  return roots.map((r) => {
    const { data, references } = build(r, 0);
    const d = r.doc;
    return {
      id: d.id as string,
      created: formatTimestamp(d.created as string) as string,
      updated: formatTimestamp(d.updated as string) as string,
      name: d.name as string,
      data,
      block_schema_id: d.block_schema_id as string,
      block_schema: schemaById.get(d.block_schema_id as string) ?? null,
      block_type_id: d.block_type_id as string,
      block_type_name: (d.block_type_name as string | null) ?? null,
      block_type: typeResponse(r.type),
      block_document_references: references,
      is_anonymous: Boolean(d.is_anonymous),
    };
  });
}

const typeResponse = (j: Record<string, unknown>): BlockTypeResponse => toBlockTypeResponse(blockTypeRowFromJson(j));

export async function readBlockDocumentById(db: DbOrTx, id: string, includeSecrets = false) {
  const [found] = await readBlockDocuments(db, { where: eq(blockDocument.id, id), limit: 1, includeSecrets });
  return found;
}

export async function countBlockDocuments(db: DbOrTx, where: SQL): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(blockDocument).where(where);
  return row?.n ?? 0;
}

// ---- writes ----

/** Creates a document and its references; the id, or a 409 when the type already has that name. */
export async function createBlockDocument(tx: DbOrTx, body: BlockDocumentCreate): Promise<string> {
  if (body.name) {
    const [taken] = await tx
      .select({ id: blockDocument.id })
      .from(blockDocument)
      .where(and(eq(blockDocument.blockTypeId, body.block_type_id), eq(blockDocument.name, body.name)))
      .limit(1);
    if (taken) throw detailError(409, 'Block already exists');
  }
  const name = body.is_anonymous && !body.name ? `anonymous-${crypto.randomUUID()}` : (body.name as string);
  const { plain, references } = separateReferences(body.data);
  const result = await tx.execute(sql`
    insert into block_document (name, data, is_anonymous, block_type_name, block_type_id, block_schema_id)
    select ${name}, ${JSON.stringify(plain)}::json, ${body.is_anonymous}, t.name, t.id, ${body.block_schema_id}::uuid
    from block_type t where t.id = ${body.block_type_id}::uuid
    returning id`);
  const id = (result.rows[0] as { id: string } | undefined)?.id;
  // Prefect fails an assertion (500) on an unknown block type; an unknown schema is a foreign-key 409 there.
  if (!id) throw detailError(409, INTEGRITY_CONFLICT);
  for (const [key, referenceId] of references) await addReference(tx, id, key, referenceId);
  return id;
}

/**
 * Prefect's update: with `merge_existing_data` (the default) the data sent is merged into the stored
 * data, otherwise it replaces it; obfuscated secrets sent back keep their stored value; nested blocks
 * are set to exactly those in the resulting data; a new schema must be of the same type. False when
 * the document does not exist.
 */
export async function updateBlockDocument(tx: DbOrTx, id: string, body: BlockDocumentUpdate): Promise<boolean> {
  const [current] = await tx
    .select({ doc: blockDocument, secretFields: sql<unknown>`${blockSchema.fields} -> 'secret_fields'` })
    .from(blockDocument)
    .innerJoin(blockSchema, eq(blockSchema.id, blockDocument.blockSchemaId))
    .where(eq(blockDocument.id, id))
    .for('update', { of: blockDocument });
  if (!current) return false;
  const merge = body.merge_existing_data;
  // Without merging, every field is written, and an absent `data` is Prefect's default, {}.
  const sent = merge ? body.data : (body.data ?? {});
  if (sent === undefined) return true;

  const stored = current.doc.data ?? {};
  let data = keepUnchangedSecrets(sent, stored, current.secretFields);
  if (merge) data = { ...stored, ...data };
  const { plain, references } = separateReferences(data);

  let schemaId = current.doc.blockSchemaId;
  if (body.block_schema_id && body.block_schema_id !== current.doc.blockSchemaId) {
    const [proposed] = await tx.select({ typeId: blockSchema.blockTypeId }).from(blockSchema).where(eq(blockSchema.id, body.block_schema_id));
    if (!proposed) throw detailError(409, INTEGRITY_CONFLICT);
    if (proposed.typeId !== current.doc.blockTypeId) {
      throw detailError(400, 'Must migrate block document to a block schema of the same block type.');
    }
    schemaId = body.block_schema_id;
  }
  await tx
    .update(blockDocument)
    .set({ data: plain, blockSchemaId: schemaId, updated: sql`now()` })
    .where(eq(blockDocument.id, id));

  const existing = await tx
    .select({ id: blockDocumentReference.id, name: blockDocumentReference.name, ref: blockDocumentReference.referenceBlockDocumentId })
    .from(blockDocumentReference)
    .where(eq(blockDocumentReference.parentBlockDocumentId, id));
  const kept = new Set<string>();
  for (const [name, referenceId] of references) {
    const match = existing.find((e) => e.name === name && e.ref === referenceId);
    if (match) kept.add(match.id);
    else await addReference(tx, id, name, referenceId);
  }
  const stale = existing.filter((e) => !kept.has(e.id)).map((e) => e.id);
  if (stale.length) await tx.delete(blockDocumentReference).where(inArray(blockDocumentReference.id, stale));
  return true;
}

export async function deleteBlockDocument(db: DbOrTx, id: string): Promise<boolean> {
  const rows = await db.delete(blockDocument).where(eq(blockDocument.id, id)).returning({ id: blockDocument.id });
  return rows.length > 0;
}
