/**
 * Artifacts and the latest artifact of each key (`artifact_collection`), for /artifacts.
 *
 * The collection row of a key is a copy of its latest artifact. Every write keeps it so in the same
 * statement or transaction, as Prefect's models/artifacts.py does: a create upserts it, an update of the
 * latest artifact updates it, and deleting the latest artifact moves it to the next newest artifact of
 * that key (or removes it when none is left).
 */
import { sql, type SQL } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../db/client';
import { artifact, artifactCollection } from '../db/schema';
import type { ArtifactCreate, ArtifactUpdate } from '../schemas/actions/artifacts';
import { formatTimestamp } from '../time';
import { applyReadQuery, type ReadQuery } from './read/query';
import { insertEventResources, insertEvents } from '../events/status-events';
import { ARTIFACT_COLLECTION_EVENTS, lifecycleEventRows } from './lifecycle-events';

type ArtifactRow = typeof artifact.$inferSelect;
type CollectionRow = typeof artifactCollection.$inferSelect;

export interface ArtifactResponse {
  id: string;
  created: string;
  updated: string;
  key: string | null;
  type: string | null;
  description: string | null;
  data: unknown;
  metadata_: Record<string, string> | null;
  flow_run_id: string | null;
  task_run_id: string | null;
}

export type ArtifactCollectionResponse = Omit<ArtifactResponse, 'key'> & { key: string; latest_id: string };

export function toArtifactResponse(r: ArtifactRow | CollectionRow): ArtifactResponse {
  return {
    id: r.id,
    created: formatTimestamp(r.created) as string,
    updated: formatTimestamp(r.updated) as string,
    key: r.key,
    type: r.type,
    description: r.description,
    data: r.data ?? null,
    metadata_: r.metadata ?? null,
    flow_run_id: r.flowRunId,
    task_run_id: r.taskRunId,
  };
}

export function toCollectionResponse(r: CollectionRow): ArtifactCollectionResponse {
  const { id, created, updated, key, ...rest } = toArtifactResponse(r);
  return { id, created, updated, key: key as string, latest_id: r.latestId, ...rest };
}

const jsonOrNull = (x: unknown) => (x === undefined || x === null ? sql`null` : sql`${JSON.stringify(x)}::json`);

/**
 * One statement: the artifact, and (when it has a key) the collection row of its key pointed at it,
 * created or overwritten with the artifact's fields, with Prefect's `prefect.artifact-collection.created`
 * or `.updated` event. Both rows get the transaction's now().
 */
export async function insertArtifact(db: DbOrTx, body: ArtifactCreate): Promise<ArtifactResponse> {
  const result = await db.execute(sql`
    WITH a AS (
      INSERT INTO artifact (key, type, description, data, metadata_, flow_run_id, task_run_id)
      VALUES (${body.key ?? null}, ${body.type ?? null}, ${body.description ?? null}, ${jsonOrNull(body.data)},
              ${jsonOrNull(body.metadata_)}, ${body.flow_run_id ?? null}, ${body.task_run_id ?? null})
      RETURNING *
    ), c AS (
      INSERT INTO artifact_collection (key, latest_id, type, description, data, metadata_, flow_run_id, task_run_id)
      SELECT key, id, type, description, data, metadata_, flow_run_id, task_run_id FROM a WHERE key IS NOT NULL
      ON CONFLICT (key) DO UPDATE SET
        latest_id = excluded.latest_id, updated = now(), type = excluded.type, description = excluded.description,
        data = excluded.data, metadata_ = excluded.metadata_, flow_run_id = excluded.flow_run_id, task_run_id = excluded.task_run_id
      RETURNING *, (xmax = 0) AS inserted
    ),
    events AS (${insertEvents(lifecycleEventRows(ARTIFACT_COLLECTION_EVENTS, sql`CASE WHEN c.inserted THEN 'created' ELSE 'updated' END`, sql`c`))}),
    event_resources AS (${insertEventResources})
    SELECT a.id FROM a`);
  const id = (result.rows[0] as { id: string } | undefined)?.id;
  const [created] = await readArtifacts(db, { where: sql`${artifact.id} = ${id}` });
  if (!created) throw new Error('artifact insert returned no row');
  return created;
}

export async function readArtifacts(
  db: DbOrTx,
  q: ReadQuery,
): Promise<ArtifactResponse[]> {
  return (await applyReadQuery(db.select().from(artifact).$dynamic(), q)).map(toArtifactResponse);
}

export async function readArtifactCollections(
  db: DbOrTx,
  q: ReadQuery,
): Promise<CollectionRow[]> {
  return applyReadQuery(db.select().from(artifactCollection).$dynamic(), q);
}

/**
 * Writes the fields sent to the artifact and, when it is its key's latest, to the collection row
 * (`updated` bumped on both). One statement; false when neither matched.
 */
export async function updateArtifact(db: DbOrTx, id: string, body: ArtifactUpdate): Promise<boolean> {
  const sets: SQL[] = [sql`updated = now()`];
  if (body.data !== undefined) sets.push(sql`data = ${jsonOrNull(body.data)}`);
  if (body.description !== undefined) sets.push(sql`description = ${body.description}`);
  if (body.metadata_ !== undefined) sets.push(sql`metadata_ = ${jsonOrNull(body.metadata_)}`);
  const set = sql.join(sets, sql`, `);
  const result = await db.execute(sql`
    WITH a AS (UPDATE artifact SET ${set} WHERE id = ${id} RETURNING id),
         c AS (UPDATE artifact_collection SET ${set} WHERE latest_id = ${id} RETURNING id)
    SELECT (SELECT count(*) FROM a) + (SELECT count(*) FROM c) AS n`);
  return Number((result.rows[0] as { n: number | string } | undefined)?.n ?? 0) > 0;
}

/**
 * Deletes an artifact. When it is its key's latest, the collection row moves to the next newest
 * artifact of the key (taking its fields, created and updated), or goes when there is none: Prefect's
 * `prefect.artifact-collection.updated` or `.deleted` event (none for an artifact that is not the latest,
 * nor for a PATCH). The
 * collection row is locked first, so concurrent creates and deletes of one key apply one at a time.
 */
export async function deleteArtifact(tx: Tx, id: string): Promise<boolean> {
  await tx.execute(sql`
    SELECT c.id FROM artifact a JOIN artifact_collection c ON c.key = a.key WHERE a.id = ${id} FOR UPDATE OF c`);
  const result = await tx.execute(sql`
    WITH target AS (DELETE FROM artifact WHERE id = ${id} RETURNING id, key),
    next AS (
      SELECT n.* FROM artifact n JOIN target t ON n.key = t.key AND n.id <> t.id
      ORDER BY n.created DESC, n.id DESC LIMIT 1
    ),
    moved AS (
      UPDATE artifact_collection c SET latest_id = n.id, type = n.type, description = n.description, data = n.data,
        metadata_ = n.metadata_, flow_run_id = n.flow_run_id, task_run_id = n.task_run_id, created = n.created, updated = n.updated
      FROM next n, target t WHERE c.key = t.key AND c.latest_id = t.id
      RETURNING c.*
    ),
    gone AS (
      DELETE FROM artifact_collection c USING target t
      WHERE c.key = t.key AND c.latest_id = t.id AND NOT EXISTS (SELECT 1 FROM next)
      RETURNING c.*
    ),
    events AS (${insertEvents(sql`${lifecycleEventRows(ARTIFACT_COLLECTION_EVENTS, 'updated', sql`moved`)}
      UNION ALL ${lifecycleEventRows(ARTIFACT_COLLECTION_EVENTS, 'deleted', sql`gone`)}`)}),
    event_resources AS (${insertEventResources})
    SELECT (SELECT count(*) FROM target) AS n, (SELECT count(*) FROM moved) + (SELECT count(*) FROM gone) AS c`);
  return Number((result.rows[0] as { n: number | string } | undefined)?.n ?? 0) > 0;
}
