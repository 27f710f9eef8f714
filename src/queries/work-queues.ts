/**
 * Writes of work queues (pool queues and legacy queues) and the lookups that resolve queue names for
 * deployments. Priorities are kept unique within a pool (§1.9 of the filters spec).
 */
import { and, asc, eq, sql } from 'drizzle-orm';
import type { PgUpdateSetSource } from 'drizzle-orm/pg-core';
import type { DbOrTx } from '../db/client';
import { workPool, workQueue } from '../db/schema';
import { detailError, notFound } from '../http/errors';
import type { WorkQueueCreate, WorkQueueUpdate } from '../schemas/actions/work-pools';
import { nowMicros, parseMicros } from '../time';
import {
  insertEventResources,
  insertEvents,
  insertWorkQueueEmittingCreated,
  workQueueEventRows,
  workQueueStatusEventRows,
  updatedPayload,
} from '../events/status-events';
import { DEFAULT_AGENT_POOL, findPoolByName, insertWorkPoolIfAbsent, requirePoolByName } from './work-pools';

export type WorkQueueRow = typeof workQueue.$inferSelect;

/** A queue polled this recently counts as READY when it is unpaused. */
const LAST_POLLED_TIMEOUT_US = 60 * 1_000_000;

/** The first free priority in 1..n, else max + 1 (used when a queue is created without one). */
export function firstFreePriority(taken: number[]): number {
  const sorted = [...taken].sort((a, b) => a - b);
  for (let i = 0; i < sorted.length; i += 1) if (sorted[i] !== i + 1) return i + 1;
  return (sorted.at(-1) ?? 0) + 1;
}

/**
 * New priorities for a pool's queues after some queues are given target priorities: the targets
 * are placed first, and every queue after them is pushed up just enough to keep priorities unique
 * and the order unchanged (the fewest changes). `queues` must be in priority order.
 */
export function rebalancedPriorities(
  queues: { id: string; priority: number }[],
  targets: ReadonlyMap<string, number>,
): Map<string, number> {
  const others = queues.filter((q) => !targets.has(q.id)).map((q) => ({ ...q }));
  const moved = queues
    .filter((q) => targets.has(q.id))
    .map((q) => ({ id: q.id, priority: targets.get(q.id) as number }))
    .sort((a, b) => a.priority - b.priority);
  const ordered = [...others];
  for (const q of moved) {
    // Before the first queue at or above its target; a target beyond every queue goes last.
    const at = ordered.findIndex((o) => o.priority >= q.priority);
    if (at >= 0) ordered.splice(at, 0, q);
    else ordered.push(q);
  }
  const result = new Map<string, number>();
  let last = 0;
  for (const q of ordered) {
    const priority = q.priority <= last ? last + 1 : q.priority;
    last = priority;
    result.set(q.id, priority);
  }
  return result;
}

/**
 * Locks a pool's queues in id order. Every change that re-balances a pool's priorities takes these
 * locks before touching any queue, so concurrent changes in one pool wait for each other instead of
 * deadlocking (locking one queue first, then the rest, did: two deletes each held the queue the
 * other wanted).
 *
 * FOR NO KEY UPDATE, not FOR UPDATE: it still excludes every other taker of these locks, but not the
 * KEY SHARE locks that writing a deployment or run pointing at a queue takes (its foreign key). With
 * FOR UPDATE, a write holding its deployment row and waiting to reference a queue deadlocked with a
 * queue creation holding the queues and waiting for that deployment row.
 */
async function lockPoolQueues(tx: DbOrTx, poolId: string) {
  return tx
    .select({ id: workQueue.id, priority: workQueue.priority })
    .from(workQueue)
    .where(eq(workQueue.workPoolId, poolId))
    .orderBy(asc(workQueue.id))
    .for('no key update');
}

/**
 * Serialises queue creation in a pool. Taken before any of the pool's queue locks (lockPoolQueues),
 * so every path locks pool, then queues. NO KEY UPDATE leaves the KEY SHARE locks of inserted queues'
 * foreign keys free.
 */
async function lockPool(tx: DbOrTx, poolId: string) {
  await tx.select({ id: workPool.id }).from(workPool).where(eq(workPool.id, poolId)).for('no key update');
}

/** Applies rebalancedPriorities to a pool, locking its queues first, and writes only what changed. */
export async function rebalancePoolPriorities(tx: DbOrTx, poolId: string, targets: ReadonlyMap<string, number>) {
  const queues = (await lockPoolQueues(tx, poolId)).sort((a, b) => a.priority - b.priority || (a.id < b.id ? -1 : 1));
  const next = rebalancedPriorities(queues, targets);
  const changed = queues.filter((q) => next.get(q.id) !== q.priority);
  if (changed.length === 0) return;
  const values = sql.join(
    changed.map((q) => sql`(${q.id}::uuid, ${next.get(q.id)}::int)`),
    sql`, `,
  );
  await tx.execute(sql`update work_queue set priority = v.priority, updated = now()
    from (values ${values}) as v(id, priority) where work_queue.id = v.id`);
}

/**
 * Creates a queue in a pool: a free priority when none is given, else the given one with the others shifted.
 * Creates in one pool take turns on the pool's row: two at once read the same taken priorities and
 * picked the same free one. The pool row, not its queues, so that queue deletes (which null
 * deployments' queues) and creates (inside deployment upserts) cannot wait for each other in a cycle.
 */
export async function insertWorkQueue(tx: DbOrTx, poolId: string, body: WorkQueueCreate): Promise<{ id: string }> {
  await lockPool(tx, poolId);
  let priority = body.priority ?? null;
  if (priority === null) {
    const taken = await tx.select({ p: workQueue.priority }).from(workQueue).where(eq(workQueue.workPoolId, poolId));
    priority = firstFreePriority(taken.map((t) => t.p));
  }
  const insert = tx.insert(workQueue).values({
    name: body.name,
    workPoolId: poolId,
    description: body.description ?? '',
    isPaused: body.is_paused ?? false,
    concurrencyLimit: body.concurrency_limit ?? null,
    priority,
    filter: body.filter ? { tags: body.filter.tags ?? null, deployment_ids: body.filter.deployment_ids ?? null } : null,
  });
  const row = (await tx.execute(insertWorkQueueEmittingCreated(insert.getSQL()))).rows[0] as { id: string } | undefined;
  if (!row) throw new Error('work queue insert returned no row');
  if (body.priority) await rebalancePoolPriorities(tx, poolId, new Map([[row.id, body.priority]]));
  return row;
}

/** The queue named `queueName` in the pool named `poolName`. */
export async function findPoolQueue(db: DbOrTx, poolName: string, queueName: string): Promise<WorkQueueRow | undefined> {
  const [row] = await db
    .select({ queue: workQueue })
    .from(workQueue)
    .innerJoin(workPool, eq(workPool.id, workQueue.workPoolId))
    .where(and(eq(workPool.name, poolName), eq(workQueue.name, queueName)))
    .limit(1);
  return row?.queue;
}

export const poolQueueNotFound = (poolName: string, queueName: string) =>
  notFound(`Work pool queue '${poolName}/${queueName}' not found.`);

export async function requirePoolQueue(db: DbOrTx, poolName: string, queueName: string): Promise<WorkQueueRow> {
  const queue = await findPoolQueue(db, poolName, queueName);
  if (!queue) throw poolQueueNotFound(poolName, queueName);
  return queue;
}

/**
 * The id of a pool's queue by name, created when missing. Creation is serialised on the pool's row
 * (see lockPool): two requests naming the same new queue get the same row, where the second used to
 * fail the unique (pool, name) index with a 409, and new queues' priorities are chosen one request at
 * a time.
 */
async function ensureQueueInPool(tx: DbOrTx, poolId: string, name: string, priority?: number): Promise<string> {
  await lockPool(tx, poolId);
  const [found] = await tx
    .select({ id: workQueue.id })
    .from(workQueue)
    .where(and(eq(workQueue.workPoolId, poolId), eq(workQueue.name, name)));
  if (found) return found.id;
  return (await insertWorkQueue(tx, poolId, { name, description: '', is_paused: false, priority })).id;
}

/** A pool's queue by name, created when missing (deployments name queues that may not exist yet). */
export async function ensurePoolQueue(tx: DbOrTx, poolName: string, queueName: string): Promise<string> {
  const queue = await findPoolQueue(tx, poolName, queueName);
  if (queue) return queue.id;
  const pool = await requirePoolByName(tx, poolName);
  return ensureQueueInPool(tx, pool.id, queueName);
}

/**
 * `default-agent-pool`, created on first use. When a concurrent request created it first, that
 * pool is the answer (it used to be a 409 "A work pool with this name already exists." for a
 * deployment or queue that merely named a legacy queue).
 */
async function defaultAgentPool(tx: DbOrTx): Promise<{ id: string; defaultQueueId: string | null; created: boolean }> {
  const found = await findPoolByName(tx, DEFAULT_AGENT_POOL);
  if (found) return { id: found.id, defaultQueueId: found.defaultQueueId, created: false };
  const created = await insertWorkPoolIfAbsent(tx, { name: DEFAULT_AGENT_POOL, type: 'prefect-agent' });
  if (created) return { ...created, created: true };
  // A concurrent request created it since we looked (our insert waited for its commit): use theirs.
  const raced = await requirePoolByName(tx, DEFAULT_AGENT_POOL);
  return { id: raced.id, defaultQueueId: raced.defaultQueueId, created: false };
}

/** The pool's default queue id (the pool must exist). */
export async function defaultQueueOfPool(db: DbOrTx, poolName: string): Promise<string | null> {
  return (await requirePoolByName(db, poolName)).defaultQueueId;
}

/**
 * A legacy queue by name: in `default-agent-pool` when that pool exists, otherwise the first queue
 * of that name in any pool (Prefect's migration-era lookup).
 */
export async function findLegacyQueueByName(db: DbOrTx, name: string): Promise<WorkQueueRow | undefined> {
  const [row] = await db
    .select()
    .from(workQueue)
    .where(
      and(
        eq(workQueue.name, name),
        sql`(not exists (select 1 from work_pool where name = ${DEFAULT_AGENT_POOL})
          or ${workQueue.workPoolId} = (select id from work_pool where name = ${DEFAULT_AGENT_POOL}))`,
      ),
    )
    .limit(1);
  return row;
}

/**
 * Creates a legacy queue (POST /work_queues/): it lives in `default-agent-pool`, created lazily.
 * When the pool is created by this call and the queue is `default`, the pool's own default queue
 * is the answer.
 */
export async function insertLegacyWorkQueue(tx: DbOrTx, body: WorkQueueCreate): Promise<{ id: string }> {
  const pool = await defaultAgentPool(tx);
  if (pool.created && body.name === 'default' && pool.defaultQueueId) {
    const [queue] = await tx.select().from(workQueue).where(eq(workQueue.id, pool.defaultQueueId));
    if (queue) return queue;
  }
  return insertWorkQueue(tx, pool.id, body);
}

/** The id of a legacy queue by name, creating it (priority 1) in `default-agent-pool` when missing. */
export async function ensureLegacyWorkQueue(tx: DbOrTx, name: string): Promise<string> {
  const existing = await findLegacyQueueByName(tx, name);
  if (existing) return existing.id;
  const pool = await defaultAgentPool(tx);
  if (name === 'default' && pool.defaultQueueId) return pool.defaultQueueId;
  return ensureQueueInPool(tx, pool.id, name, 1);
}

/**
 * Updates a queue with the fields sent. Pausing sets PAUSED; unpausing a PAUSED queue sets
 * NOT_READY, or READY when it was polled within the last minute. The same statement emits Prefect's
 * `prefect.work-queue.updated` (fields that changed) and `prefect.work-queue.<status>` events. Pool-queue updates also
 * re-balance priorities; legacy updates do not (as in Prefect).
 */
export async function updateWorkQueue(
  tx: DbOrTx,
  current: WorkQueueRow,
  body: WorkQueueUpdate,
  opts: { rebalance: boolean },
): Promise<void> {
  const set: PgUpdateSetSource<typeof workQueue> = { updated: sql`now()` };
  // An explicit null for this NOT NULL column is ignored, like every other (README: Differences from Prefect).
  if (body.name != null) set.name = body.name;
  if ('description' in body) set.description = body.description ?? '';
  if (body.is_paused !== undefined) set.isPaused = body.is_paused;
  if ('concurrency_limit' in body) set.concurrencyLimit = body.concurrency_limit ?? null;
  if ('priority' in body && body.priority != null) set.priority = body.priority;
  if ('last_polled' in body) set.lastPolled = body.last_polled ?? null;
  if ('filter' in body) {
    set.filter = body.filter ? { tags: body.filter.tags ?? null, deployment_ids: body.filter.deployment_ids ?? null } : null;
  }
  if (body.is_paused === true && current.status !== 'PAUSED') set.status = 'PAUSED';
  if (body.is_paused === false && current.status === 'PAUSED') {
    const polled = 'last_polled' in body ? (body.last_polled ?? null) : current.lastPolled;
    const polledAt = polled === null ? null : parseMicros(polled);
    set.status = polledAt !== null && nowMicros() - polledAt <= LAST_POLLED_TIMEOUT_US ? 'READY' : 'NOT_READY';
  }
  // A new priority in a pool shifts its other queues: lock them all first (see lockPoolQueues).
  const target = opts.rebalance ? (body.priority ?? null) : null;
  if (target !== null) await lockPoolQueues(tx, current.workPoolId);
  const update = tx.update(workQueue).set(set).where(eq(workQueue.id, current.id));
  // Prefect's `prefect.work-queue.updated` names the sent fields (of these) whose value changed.
  const tracked = (['name', 'description', 'concurrency_limit', 'priority'] as const).filter((f) =>
    f === 'name' || f === 'priority' ? body[f] != null : f in body,
  );
  const payload = updatedPayload(tracked.map((f) => ({ name: f, from: sql.raw(`c.old_${f}`), to: sql.raw(`c.${f}`) })));
  const statusEvents = set.status === undefined ? sql`` : sql`union all ${workQueueStatusEventRows(sql`changed`)}`;
  await tx.execute(sql`
    with old as (select id, name, description, concurrency_limit, priority from work_queue where id = ${current.id}),
    changed as (${update.getSQL()} returning id, name, status, work_pool_id, description, concurrency_limit, priority),
    diffed as (
      select c.*, o.name as old_name, o.description as old_description, o.concurrency_limit as old_concurrency_limit,
        o.priority as old_priority
      from changed c join old o on o.id = c.id
    ),
    events as (${insertEvents(sql`select * from (${workQueueEventRows(sql`diffed`, sql`'prefect.work-queue.updated'`, payload)}) u
      where u.payload is not null ${statusEvents}`)})
    ${insertEventResources}`);
  if (target !== null) {
    await rebalancePoolPriorities(tx, current.workPoolId, new Map([[current.id, target]]));
  }
}

/**
 * Deletes a pool queue (never the pool's default queue) with its `prefect.work-queue.deleted` event,
 * then re-checks priorities as Prefect does.
 * False when it was gone already (a concurrent delete got there first).
 */
export async function deletePoolQueue(tx: DbOrTx, queue: WorkQueueRow, pool: { defaultQueueId: string | null }): Promise<boolean> {
  if (pool.defaultQueueId === queue.id) throw detailError(409, "Can't delete a pool's default queue.");
  await lockPoolQueues(tx, queue.workPoolId);
  const result = await tx.execute(sql`
    with gone as (delete from work_queue where id = ${queue.id} returning id, name, status, work_pool_id),
    events as (${insertEvents(workQueueEventRows(sql`gone`, sql`'prefect.work-queue.deleted'`))}),
    event_resources as (${insertEventResources})
    select id from gone`);
  if (result.rows.length === 0) return false;
  await rebalancePoolPriorities(tx, queue.workPoolId, new Map());
  return true;
}

/** Deletes a legacy queue by id (DELETE /work_queues/{id}) with its `prefect.work-queue.deleted` event; false when absent. */
export async function deleteWorkQueueById(db: DbOrTx, id: string): Promise<boolean> {
  const result = await db.execute(sql`
    with gone as (delete from work_queue where id = ${id} returning id, name, status, work_pool_id),
    events as (${insertEvents(workQueueEventRows(sql`gone`, sql`'prefect.work-queue.deleted'`))}),
    event_resources as (${insertEventResources})
    select id from gone`);
  return result.rows.length > 0;
}
