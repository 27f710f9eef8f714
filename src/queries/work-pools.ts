/** Writes of work pools, and the by-name lookups the other writes share. */
import { eq, sql } from 'drizzle-orm';
import type { PgUpdateSetSource } from 'drizzle-orm/pg-core';
import type { DbOrTx } from '../db/client';
import { workPool, workQueue } from '../db/schema';
import { detailError, notFound } from '../http/errors';
import type { WorkPoolUpdate } from '../schemas/actions/work-pools';
import {
  insertEventResources,
  insertEvents,
  poolFollows,
  sqlUuid7,
  workPoolLifecycleEventRows,
  workPoolStatusEventRows,
  workQueueEventRows,
  insertWorkQueueEmittingCreated,
  updatedPayload,
} from '../events/status-events';

export type WorkPoolRow = typeof workPool.$inferSelect;

/** The pool that legacy queues (those created without a pool) live in, created on first use. */
export const DEFAULT_AGENT_POOL = 'default-agent-pool';
const DEFAULT_QUEUE_DESCRIPTION = "The work pool's default queue.";

/** Names starting with "prefect" (any case) are reserved for Prefect's own pools. */
export const isReservedPoolName = (name: string) => name.toLowerCase().startsWith('prefect');

export const poolNotFound = (name: string) => notFound(`Work pool "${name}" not found.`);

export async function findPoolByName(db: DbOrTx, name: string): Promise<WorkPoolRow | undefined> {
  const [row] = await db.select().from(workPool).where(eq(workPool.name, name)).limit(1);
  return row;
}

export async function requirePoolByName(db: DbOrTx, name: string): Promise<WorkPoolRow> {
  const pool = await findPoolByName(db, name);
  if (!pool) throw poolNotFound(name);
  return pool;
}

export interface NewWorkPool {
  name: string;
  type: string;
  description?: string | null | undefined;
  base_job_template?: Record<string, unknown> | undefined;
  is_paused?: boolean | undefined;
  concurrency_limit?: number | null | undefined;
  storage_configuration?: Record<string, unknown> | undefined;
}

/**
 * Inserts a pool with its `default` queue (priority 1) and points the pool at it, emitting the pool's
 * first status event. A duplicate name is a 409 with Prefect's message.
 */
export async function insertWorkPool(tx: DbOrTx, body: NewWorkPool): Promise<{ id: string; defaultQueueId: string }> {
  const created = await insertWorkPoolIfAbsent(tx, body);
  if (!created) throw detailError(409, 'A work pool with this name already exists.');
  return created;
}

/** insertWorkPool, or null when a pool of that name exists (or a concurrent insert of it just committed). */
export async function insertWorkPoolIfAbsent(tx: DbOrTx, body: NewWorkPool): Promise<{ id: string; defaultQueueId: string } | null> {
  const paused = body.is_paused ?? false;
  const insert = tx
    .insert(workPool)
    .values({
      name: body.name,
      type: body.type,
      description: body.description ?? null,
      baseJobTemplate: body.base_job_template ?? {},
      isPaused: paused,
      concurrencyLimit: body.concurrency_limit ?? null,
      // Agent pools keep the column default; their status is never reported.
      status: body.type !== 'prefect-agent' && paused ? 'PAUSED' : 'NOT_READY',
      storageConfiguration: storageConfiguration(body.storage_configuration),
    })
    .onConflictDoNothing({ target: workPool.name });
  const [pool] = await insert.returning({ id: workPool.id });
  if (!pool) return null;
  const queueInsert = tx.insert(workQueue).values({ name: 'default', description: DEFAULT_QUEUE_DESCRIPTION, priority: 1, workPoolId: pool.id });
  const queue = (await tx.execute(insertWorkQueueEmittingCreated(queueInsert.getSQL()))).rows[0] as { id: string } | undefined;
  if (!queue) throw new Error('default queue insert returned no row');
  // Prefect's events, in its order: the queue's `created` (above), the pool's `created`, then its first
  // status (NOT_READY or PAUSED, with no predecessor). Agent pools have no status to report.
  await tx.execute(sql`
    with created as (
      update work_pool set default_queue_id = ${queue.id} where id = ${pool.id}
      returning id, name, type, status, default_queue_id, ${sqlUuid7} as event_id, null::uuid as follows
    ),
    events as (${insertEvents(sql`${workPoolLifecycleEventRows(sql`created`, 'created')}
      union all ${workPoolStatusEventRows(sql`(select *, clock_timestamp() as occurred from created where type <> 'prefect-agent')`)}`)}),
    event_resources as (${insertEventResources})
    select id from created`);
  return { id: pool.id, defaultQueueId: queue.id };
}

/** Every key of Prefect's WorkPoolStorageConfiguration, as it stores them. */
function storageConfiguration(c: Record<string, unknown> | undefined) {
  return {
    bundle_upload_step: c?.bundle_upload_step ?? null,
    bundle_execution_step: c?.bundle_execution_step ?? null,
    default_result_storage_block_id: c?.default_result_storage_block_id ?? null,
  };
}

/**
 * Updates the fields sent. For pools other than agent pools, pausing sets PAUSED and unpausing sets
 * READY when the pool has an online worker, else NOT_READY; a status change records when it happened.
 * The same statement emits Prefect's `prefect.work-pool.updated` (fields that changed) and
 * `prefect.work-pool.<status>` events.
 */
export async function updateWorkPool(tx: DbOrTx, pool: WorkPoolRow, body: WorkPoolUpdate): Promise<void> {
  const set: PgUpdateSetSource<typeof workPool> = { updated: sql`now()` };
  if ('description' in body) set.description = body.description ?? null;
  if (body.is_paused != null) set.isPaused = body.is_paused;
  if (body.base_job_template != null) set.baseJobTemplate = body.base_job_template;
  if ('concurrency_limit' in body) set.concurrencyLimit = body.concurrency_limit ?? null;
  if (body.storage_configuration != null) set.storageConfiguration = storageConfiguration(body.storage_configuration);
  if (pool.type !== 'prefect-agent' && body.is_paused != null) {
    // Unpaused, a pool is READY when one of its workers is (by its stored status) ONLINE, as in Prefect.
    set.status = body.is_paused
      ? 'PAUSED'
      : sql`case when exists (select 1 from worker w where w.work_pool_id = ${pool.id} and w.status = 'ONLINE')
          then 'READY'::work_pool_status else 'NOT_READY'::work_pool_status end`;
    set.lastTransitionedStatusAt = sql`now()`;
    set.lastStatusEventId = sqlUuid7;
  }
  const update = tx.update(workPool).set(set).where(eq(workPool.id, pool.id));
  // Prefect's `prefect.work-pool.updated` names the sent fields (of these) whose value changed.
  const tracked = (['description', 'base_job_template', 'concurrency_limit', 'storage_configuration'] as const).filter((f) =>
    f === 'description' || f === 'concurrency_limit' ? f in body : body[f] != null,
  );
  const payload = updatedPayload(tracked.map((f) => ({ name: f, from: sql.raw(`c.old_${f}`), to: sql.raw(`c.${f}`) })));
  // As in Prefect, every pause or unpause records a transition and emits its status event, even when
  // the status stays the same (pausing a paused pool emits `prefect.work-pool.paused` again).
  const follows = poolFollows(sql`${pool.lastStatusEventId}::uuid`, sql`${pool.lastTransitionedStatusAt}::timestamptz`);
  const statusEvents = set.status === undefined ? sql`` : sql`union all ${workPoolStatusEventRows(sql`changed`)}`;
  await tx.execute(sql`
    with old as (select id, description, base_job_template, concurrency_limit, storage_configuration from work_pool where id = ${pool.id}),
    changed as (${update.getSQL()}
      returning id, name, type, status, last_status_event_id as event_id, last_transitioned_status_at as occurred, ${follows} as follows,
        description, base_job_template, concurrency_limit, storage_configuration),
    diffed as (
      select c.id, c.name, c.type, null::uuid as default_queue_id, c.description, c.base_job_template, c.concurrency_limit,
        c.storage_configuration, o.description as old_description, o.base_job_template as old_base_job_template,
        o.concurrency_limit as old_concurrency_limit, o.storage_configuration as old_storage_configuration
      from changed c join old o on o.id = c.id
    ),
    events as (${insertEvents(sql`select * from (${workPoolLifecycleEventRows(sql`diffed`, 'updated', payload)}) u where u.payload is not null
      ${statusEvents}`)})
    ${insertEventResources}`);
}

/**
 * Deletes a pool; its queues cascade, and deployments and runs pointing at them lose the queue.
 * False when it was gone already (a concurrent delete got there first).
 */
export async function deleteWorkPool(tx: DbOrTx, poolId: string): Promise<boolean> {
  // Prefect's events: `prefect.work-queue.deleted` for each queue that goes with the pool, then
  // `prefect.work-pool.deleted`. Every part of the statement reads the rows as they were before it.
  const result = await tx.execute(sql`
    with gone as (delete from work_pool where id = ${poolId} returning id, name, type, default_queue_id),
    queues as (select q.id, q.name, q.status, q.work_pool_id from work_queue q join gone on q.work_pool_id = gone.id),
    events as (${insertEvents(sql`${workQueueEventRows(sql`queues`, sql`'prefect.work-queue.deleted'`)}
      union all ${workPoolLifecycleEventRows(sql`gone`, 'deleted')}`)}),
    event_resources as (${insertEventResources})
    select id from gone`);
  return result.rows.length > 0;
}
