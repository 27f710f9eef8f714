/**
 * Block schemas: reads (with nested blocks' schemas put back into `fields`) and creation (with nested
 * blocks' schemas split off into their own rows), for /block_schemas and the documents that show them.
 */
import { and, desc, eq, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { blockSchema, blockType } from '../db/schema';
import { detailError } from '../http/errors';
import { DEFAULT_BLOCK_SCHEMA_VERSION } from '../schemas/blocks';
import { formatTimestamp, parseMicros } from '../time';
import { blockSchemaChecksum, nestedReferenceStrings, nonBlockDefinitions } from './block-checksum';
import { blockTypeRowFromJson, toBlockTypeResponse, type BlockTypeResponse, type BlockTypeRow } from './block-types';

type Fields = Record<string, unknown>;
type SchemaRow = typeof blockSchema.$inferSelect;

export interface BlockSchemaResponse {
  id: string;
  created: string;
  updated: string;
  checksum: string;
  fields: Fields;
  block_type_id: string;
  block_type: BlockTypeResponse;
  capabilities: string[];
  version: string;
}

interface Loaded {
  schema: SchemaRow;
  type: BlockTypeRow;
}
interface Edge {
  name: string;
  parent: string;
  child: string;
}

const toResponse = ({ schema: s, type }: Loaded, fields: Fields): BlockSchemaResponse => ({
  id: s.id,
  created: formatTimestamp(s.created) as string,
  updated: formatTimestamp(s.updated) as string,
  checksum: s.checksum,
  fields,
  block_type_id: s.blockTypeId,
  block_type: toBlockTypeResponse(type),
  capabilities: s.capabilities,
  version: s.version,
});

type Reference = { block_schema_checksum: string; block_type_slug: string };
const sameReference = (a: Reference, b: Reference) =>
  a.block_schema_checksum === b.block_schema_checksum && a.block_type_slug === b.block_type_slug;

/**
 * A schema's fields as Prefect shows them: its stored fields, `block_schema_references` naming each
 * nested block's schema (a list when a field takes several block types), and `definitions` holding
 * each nested block's fields under its title, flattened, next to the stored non-block definitions.
 */
function fullFields(root: Loaded, loaded: Map<string, Loaded>, edges: Edge[], byChecksum: Map<string, Loaded>, depth = 0): Fields {
  if (depth > 50) throw detailError(400, 'Block schema reference graph is too deep.');
  const references: Record<string, Reference | Reference[]> = {};
  const fields: Fields = { ...root.schema.fields, block_schema_references: references };
  for (const edge of edges) {
    if (edge.parent !== root.schema.id) continue;
    const child = loaded.get(edge.child);
    if (!child) continue;
    const ref = { block_schema_checksum: child.schema.checksum, block_type_slug: child.type.slug };
    const existing = references[edge.name];
    if (existing === undefined) references[edge.name] = ref;
    else if (Array.isArray(existing)) {
      if (!existing.some((r) => sameReference(r, ref))) existing.push(ref);
    } else if (!sameReference(existing, ref)) references[edge.name] = [existing, ref];
  }
  let definitions: Fields = {};
  for (const entry of Object.values(references)) {
    for (const ref of Array.isArray(entry) ? entry : [entry]) {
      const child = byChecksum.get(ref.block_schema_checksum);
      if (!child) continue;
      const childFields = fullFields(child, loaded, edges, byChecksum, depth + 1);
      const title = childFields.title;
      if (title === undefined || title === null) continue;
      const { definitions: childDefinitions, ...rest } = childFields;
      definitions = { ...definitions, [String(title)]: rest, ...((childDefinitions as Fields | undefined) ?? {}) };
    }
  }
  if (Object.keys(definitions).length > 0 || fields.definitions) {
    fields.definitions = { ...((fields.definitions as Fields | undefined) ?? {}), ...definitions };
  }
  return fields;
}

/** The schemas matching `where` (newest first), each with its nested schemas put back: two statements. */
export async function readBlockSchemas(
  db: DbOrTx,
  q: { where?: SQL; limit?: number; offset?: number },
): Promise<BlockSchemaResponse[]> {
  let select = db
    .select({ schema: blockSchema, type: blockType })
    .from(blockSchema)
    .innerJoin(blockType, eq(blockType.id, blockSchema.blockTypeId))
    .where(q.where)
    .orderBy(desc(blockSchema.created), desc(blockSchema.id))
    .$dynamic();
  if (q.limit !== undefined) select = select.limit(q.limit);
  if (q.offset) select = select.offset(q.offset);
  const roots = await select;
  if (roots.length === 0) return [];
  const { loaded, edges } = await loadNested(db, roots);
  // The first schema seen with a checksum wins, oldest first, as Prefect resolves references.
  const byChecksum = new Map<string, Loaded>();
  for (const l of [...loaded.values()].sort((a, b) => (parseMicros(a.schema.created) ?? 0) - (parseMicros(b.schema.created) ?? 0))) {
    if (!byChecksum.has(l.schema.checksum)) byChecksum.set(l.schema.checksum, l);
  }
  return roots.map((r) => toResponse(r, edges.length ? fullFields(r, loaded, edges, byChecksum) : { ...r.schema.fields, block_schema_references: {} }));
}

/** Every schema nested (at any depth) under `roots`, and the references that link them. */
async function loadNested(db: DbOrTx, roots: Loaded[]): Promise<{ loaded: Map<string, Loaded>; edges: Edge[] }> {
  const loaded = new Map(roots.map((r) => [r.schema.id, r]));
  const ids = sql.join(
    roots.map((r) => sql`${r.schema.id}::uuid`),
    sql`, `,
  );
  const result = await db.execute(sql`
    with recursive refs as (
      select r.name, r.parent_block_schema_id, r.reference_block_schema_id, r.created, 1 as depth
      from block_schema_reference r where r.parent_block_schema_id in (${ids})
      union all
      select r.name, r.parent_block_schema_id, r.reference_block_schema_id, r.created, refs.depth + 1
      from block_schema_reference r join refs on r.parent_block_schema_id = refs.reference_block_schema_id
      where refs.depth < 50
    )
    select refs.name as ref_name, refs.parent_block_schema_id as ref_parent, refs.created as ref_created,
      row_to_json(s) as schema, row_to_json(t) as type
    from refs join block_schema s on s.id = refs.reference_block_schema_id join block_type t on t.id = s.block_type_id
    order by s.created, refs.created`);
  const edges: Edge[] = [];
  const seen = new Set<string>();
  for (const row of result.rows as { ref_name: string; ref_parent: string; schema: Record<string, unknown>; type: Record<string, unknown> }[]) {
    const schema = schemaFromJson(row.schema);
    if (!loaded.has(schema.id)) loaded.set(schema.id, { schema, type: blockTypeRowFromJson(row.type) });
    const key = `${row.ref_parent}|${row.ref_name}|${schema.id}`;
    if (!seen.has(key)) {
      seen.add(key);
      edges.push({ name: row.ref_name, parent: row.ref_parent, child: schema.id });
    }
  }
  return { loaded, edges };
}

const schemaFromJson = (j: Record<string, unknown>): SchemaRow => ({
  id: j.id as string,
  created: j.created as string,
  updated: j.updated as string,
  checksum: j.checksum as string,
  fields: j.fields as Fields,
  capabilities: j.capabilities as string[],
  version: j.version as string,
  blockTypeId: j.block_type_id as string,
});

export const blockSchemaById = (id: string) => eq(blockSchema.id, id);

/** The newest schema with this checksum (and version, when given). */
export async function readBlockSchemaByChecksum(db: DbOrTx, checksum: string, version?: string | null) {
  const [found] = await readBlockSchemas(db, {
    where: and(eq(blockSchema.checksum, checksum), version == null ? undefined : eq(blockSchema.version, version)),
    limit: 1,
  });
  return found;
}

/** Deletes a schema unless its type is protected; says why when it did not. */
export async function deleteBlockSchema(db: DbOrTx, id: string): Promise<'deleted' | 'missing' | 'protected'> {
  const result = await db.execute(sql`
    with target as (
      select s.id, t.is_protected as protected from block_schema s join block_type t on t.id = s.block_type_id where s.id = ${id}
    ),
    gone as (delete from block_schema where id in (select id from target where not protected) returning 1)
    select (select protected from target) as protected, (select count(*) from gone)::int as deleted`);
  const row = result.rows[0] as { protected: boolean | null; deleted: number };
  if (row.deleted > 0) return 'deleted';
  return row.protected === null ? 'missing' : 'protected';
}

/** Every capability some schema declares. */
export async function readBlockCapabilities(db: DbOrTx): Promise<string[]> {
  const result = await db.execute(sql`select distinct jsonb_array_elements_text(capabilities) as c from block_schema order by c`);
  return (result.rows as { c: string }[]).map((r) => r.c);
}

const pyRepr = (s: string) => `'${s.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;

/** The definition that a nested block's field refers to (among several, the one of `slug`'s type). */
function childSchemaFields(definitions: Fields, baseFields: Fields, name: string, slug: string): Fields | undefined {
  const properties = baseFields.properties as Fields | undefined;
  const spec = properties && typeof properties === 'object' ? properties[name] : undefined;
  if (spec === undefined) return undefined;
  const refs = nestedReferenceStrings(spec).filter((r) => typeof r === 'string');
  const key = (r: string) => r.replace('#/definitions/', '');
  if (refs.length === 1) return definitions[key(refs[0]!)] as Fields | undefined;
  for (const r of refs) {
    const def = definitions[key(r)] as Fields | undefined;
    if (def && def.block_type_slug === slug) return def;
  }
  return undefined;
}

/**
 * Creates a schema and, for each nested block it names in `block_schema_references`, that block's
 * schema (from `definitions`) unless one with its checksum exists, and the reference row. Returns the
 * existing schema when this checksum and version are already stored.
 */
export async function createBlockSchema(
  tx: DbOrTx,
  body: { fields: Fields; block_type_id: string; capabilities: string[]; version: string },
  inheritedDefinitions?: Fields,
): Promise<{ created: boolean; schema: BlockSchemaResponse }> {
  const definitions = inheritedDefinitions ?? (body.fields.definitions as Fields | undefined);
  const fields: Fields = { ...body.fields };
  if (definitions) fields.definitions = definitions;
  const checksum = await blockSchemaChecksum(fields);
  const existing = await readBlockSchemaByChecksum(tx, checksum, body.version);
  if (existing) return { created: false, schema: existing };

  if (definitions && typeof definitions === 'object') {
    const kept = nonBlockDefinitions(fields, definitions);
    if (Object.keys(kept).length > 0) fields.definitions = kept;
    else delete fields.definitions;
  }
  const references = (fields.block_schema_references ?? {}) as Record<string, unknown>;
  delete fields.block_schema_references;
  if (typeof references !== 'object' || references === null || Array.isArray(references)) {
    throw detailError(400, 'block_schema_references must be an object.');
  }

  const [row] = await tx
    .insert(blockSchema)
    // clock_timestamp(), not the transaction's now(): a nested schema created after its parent in the
    // same request must read as newer, as Prefect's (stamped per row) do; reads order by `created`.
    .values({
      checksum,
      fields,
      capabilities: body.capabilities,
      version: body.version,
      blockTypeId: body.block_type_id,
      created: sql`clock_timestamp()`,
      updated: sql`clock_timestamp()`,
    })
    .returning();
  const created = row as SchemaRow;

  for (const [name, value] of Object.entries(references)) {
    for (const entry of Array.isArray(value) ? value : [value]) {
      const ref = entry as Record<string, unknown> | null;
      const slug = ref && typeof ref === 'object' ? ref.block_type_slug : undefined;
      const childChecksum = ref && typeof ref === 'object' ? ref.block_schema_checksum : undefined;
      if (typeof slug !== 'string' || typeof childChecksum !== 'string') {
        throw detailError(400, `Block schema reference ${pyRepr(name)} needs block_type_slug and block_schema_checksum.`);
      }
      const [refType] = await tx.select().from(blockType).where(eq(blockType.slug, slug)).limit(1);
      if (!refType) {
        throw detailError(409, `Cannot create block schema because block type ${pyRepr(slug)} was not found.Did you forget to register the block type?`);
      }
      let child = await readBlockSchemaByChecksum(tx, childChecksum);
      if (!child) {
        if (!definitions) throw detailError(400, 'Unable to create nested block schema due to missing definitions in root block schema fields');
        const childFields = childSchemaFields(definitions, fields, name, refType.slug);
        if (!childFields) {
          throw detailError(400, `Unable to create nested block schema for block type ${pyRepr(refType.name)} due to missing definition.`);
        }
        child = (
          await createBlockSchema(
            tx,
            { fields: childFields, block_type_id: refType.id, capabilities: [], version: DEFAULT_BLOCK_SCHEMA_VERSION },
            definitions,
          )
        ).schema;
      }
      await tx.execute(sql`
        insert into block_schema_reference (name, parent_block_schema_id, reference_block_schema_id)
        select ${name}, ${created.id}, ${child.id}
        where not exists (
          select 1 from block_schema_reference
          where name = ${name} and parent_block_schema_id = ${created.id} and reference_block_schema_id = ${child.id})`);
    }
  }

  const [type] = await tx.select().from(blockType).where(eq(blockType.id, body.block_type_id));
  const out: Fields = { ...fields, block_schema_references: references };
  if (definitions) out.definitions = definitions;
  return { created: true, schema: toResponse({ schema: created, type: type as BlockTypeRow }, out) };
}

