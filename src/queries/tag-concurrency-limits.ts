/**
 * Tag concurrency limits (v1 API, /concurrency_limits). As in Prefect 3.9.1 they are global (v2)
 * limits named `tag:<tag>`; the task runs holding a slot are the holders of the leases on the limit.
 * A v1 slot is a lease of one slot, held by its task run (100 years: v1 clients never renew).
 */
import { and, asc, eq, inArray, like, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../db/client';
import { concurrencyLimitV2 } from '../db/schema';
import { detailError } from '../http/errors';
import { activeSlotsAfterDecay } from './concurrency-limits';
import { deniedSlotsAfterDecay, type MinimalLimit } from './concurrency-slots';
import { formatTimestamp } from '../time';
import { CONCURRENCY_LIMIT_EVENTS, lifecycleEventRows, lifecycleStatement } from './lifecycle-events';

export const TAG_PREFIX = 'tag:';
/** PREFECT_TASK_RUN_TAG_CONCURRENCY_SLOT_WAIT_SECONDS' default, as Prefect renders it in Retry-After. */
export const TAG_SLOT_WAIT = '10.0';
const V1_LEASE_SECONDS = 100 * 365 * 24 * 3600;

const l = concurrencyLimitV2;
export const byTag = (tag: string): SQL => eq(l.name, `${TAG_PREFIX}${tag}`);
export const byId = (id: string): SQL => and(eq(l.id, id), like(l.name, `${TAG_PREFIX}%`))!;

export interface TagLimitResponse {
  id: string;
  created: string;
  updated: string;
  tag: string;
  concurrency_limit: number;
  active_slots: string[];
}

/**
 * The task runs holding unexpired leases on the limit, oldest first. (The limit's id is spelled out:
 * Drizzle renders a column of a single-table select without its table, which the subquery would capture.)
 */
const taskRunHolders = sql<string[]>`coalesce((
  select jsonb_agg(cl.metadata->'holder'->>'id' order by cl.created, cl.id) from concurrency_lease cl
  where concurrency_limit_v2.id = any(cl.resource_ids) and cl.expiration > clock_timestamp() and cl.metadata->'holder'->>'type' = 'task_run'
), '[]'::jsonb)`;

export async function readTagLimits(db: DbOrTx, q: { where: SQL; limit?: number; offset?: number }): Promise<TagLimitResponse[]> {
  let select = db
    .select({ id: l.id, created: l.created, updated: l.updated, name: l.name, limit: l.limit, holders: taskRunHolders })
    .from(l)
    .where(q.where)
    .orderBy(asc(l.name))
    .$dynamic();
  if (q.limit !== undefined) select = select.limit(q.limit);
  if (q.offset) select = select.offset(q.offset);
  return (await select).map((r) => ({
    id: r.id,
    created: formatTimestamp(r.created) as string,
    updated: formatTimestamp(r.updated) as string,
    tag: r.name.slice(TAG_PREFIX.length),
    concurrency_limit: r.limit,
    active_slots: r.holders,
  }));
}

export const allTagLimits = like(l.name, `${TAG_PREFIX}%`);

/**
 * Creates `tag:<tag>` or sets its limit; `created` says which (201 or 200). Either way the global limit's
 * `prefect.concurrency-limit.created` or `.updated` event is written by the same statement, as Prefect emits.
 */
export async function upsertTagLimit(db: DbOrTx, tag: string, limit: number): Promise<{ created: boolean }> {
  const upsert = sql`
    INSERT INTO concurrency_limit_v2 (name, "limit", active) VALUES (${`${TAG_PREFIX}${tag}`}, ${limit}, true)
    ON CONFLICT (name) DO UPDATE SET "limit" = excluded."limit", updated = now()
    RETURNING *, (xmax = 0) AS inserted`;
  const verb = sql`CASE WHEN c.inserted THEN 'created' ELSE 'updated' END`;
  const result = await db.execute(lifecycleStatement(upsert, lifecycleEventRows(CONCURRENCY_LIMIT_EVENTS, verb, sql`changed`), sql`SELECT inserted FROM changed`));
  return { created: (result.rows[0] as { inserted: boolean }).inserted };
}

/**
 * Takes this limit out of every lease on it (a lease left without limits is deleted). Prefect revokes
 * the whole lease, which leaks the slots it holds on other limits; the lease's other limits keep theirs here.
 */
async function dropFromLeases(tx: Tx, limitId: string): Promise<void> {
  await tx.execute(sql`
    UPDATE concurrency_lease SET resource_ids = array_remove(resource_ids, ${limitId}::uuid) WHERE ${limitId}::uuid = any(resource_ids)`);
  await tx.execute(sql`DELETE FROM concurrency_lease WHERE cardinality(resource_ids) = 0`);
}

async function lockLimit(tx: Tx, where: SQL): Promise<string | undefined> {
  const [row] = await tx.select({ id: l.id }).from(l).where(where).for('update');
  return row?.id;
}

export async function deleteTagLimit(tx: Tx, where: SQL): Promise<boolean> {
  const id = await lockLimit(tx, where);
  if (!id) return false;
  await dropFromLeases(tx, id);
  const remove = sql`${tx.delete(l).where(eq(l.id, id)).getSQL()} RETURNING *`;
  await tx.execute(lifecycleStatement(remove, lifecycleEventRows(CONCURRENCY_LIMIT_EVENTS, 'deleted', sql`changed`), sql`SELECT 1`));
  return true;
}

/**
 * Releases every slot of the limit and, for each task run of `slot_override`, takes one on a lease it
 * holds. (Prefect 3.9.1 revokes the leases but leaves its slot counter as it was, so a full limit
 * stays full after a reset; here the counter becomes the number of overrides.)
 */
export async function resetTagLimit(tx: Tx, tag: string, overrides: string[]): Promise<boolean> {
  const id = await lockLimit(tx, byTag(tag));
  if (!id) return false;
  await dropFromLeases(tx, id);
  await tx.update(l).set({ activeSlots: overrides.length, updated: sql`now()` }).where(eq(l.id, id));
  if (overrides.length > 0) {
    await tx.execute(sql`
      INSERT INTO concurrency_lease (resource_ids, expiration, metadata)
      SELECT array[${id}::uuid], clock_timestamp() + ${V1_LEASE_SECONDS} * interval '1 second',
             jsonb_build_object('slots', 1, 'holder', jsonb_build_object('type', 'task_run', 'id', tr))
      FROM unnest(${`{${overrides.join(',')}}`}::uuid[]) AS tr`);
  }
  return true;
}

/** Thrown inside the increment transaction (rolling it back) when a limit is full: 423 with Retry-After. */
export class TagLimitFull extends Error {
  constructor(readonly tag: string) {
    super(`Concurrency limit for the ${tag} tag has been reached`);
  }
}

const lockByNames = (tx: Tx, names: string[]) =>
  names.length === 0 ? Promise.resolve([]) : tx.select().from(l).where(inArray(l.name, names)).orderBy(l.id).for('update');

/**
 * A slot on each active `tag:` limit of the tags, for the task run, on one lease; all or nothing.
 * Locked (423) when a limit is 0 (it would deadlock) or full, with Prefect's messages.
 */
export async function incrementTagSlots(tx: Tx, tags: string[], taskRunId: string): Promise<MinimalLimit[]> {
  const limits = await lockByNames(tx, tags.map((t) => `${TAG_PREFIX}${t}`));
  const byName = new Map(limits.map((x) => [x.name, x]));
  for (const tag of tags) {
    if (byName.get(`${TAG_PREFIX}${tag}`)?.limit === 0) {
      throw detailError(423, `The concurrency limit on tag "${tag}" is 0 and will deadlock if the task tries to run again.`);
    }
  }
  const acquire = tags.flatMap((tag) => {
    const limit = byName.get(`${TAG_PREFIX}${tag}`);
    return limit?.active ? [{ tag, limit }] : [];
  });
  if (acquire.length === 0) return [];
  const ids = acquire.map((x) => x.limit.id);
  const taken = await tx
    .update(l)
    .set({ activeSlots: sql`${activeSlotsAfterDecay} + 1`, deniedSlots: deniedSlotsAfterDecay, updated: sql`now()` })
    .where(and(inArray(l.id, ids), eq(l.active, true), sql`${activeSlotsAfterDecay} + 1 <= ${l.limit}`))
    .returning({ id: l.id });
  if (taken.length !== ids.length) {
    // Prefect names the first tag it tried to acquire, whichever limit was full.
    throw new TagLimitFull(acquire[0]!.tag);
  }
  await tx.execute(sql`
    INSERT INTO concurrency_lease (resource_ids, expiration, metadata)
    VALUES (${`{${ids.join(',')}}`}::uuid[], clock_timestamp() + ${V1_LEASE_SECONDS} * interval '1 second',
            jsonb_build_object('slots', 1, 'holder', jsonb_build_object('type', 'task_run', 'id', ${taskRunId}::text)))`);
  return acquire.map(({ tag, limit }) => ({ id: limit.id, name: tag, limit: limit.limit }));
}

/**
 * Gives back the slots of the task run's unexpired leases on the tags' limits and deletes those leases.
 * Answers every `tag:` limit found, under its v2 name (as Prefect does).
 */
export async function decrementTagSlots(tx: Tx, tags: string[], taskRunId: string): Promise<MinimalLimit[]> {
  const names = tags.map((t) => `${TAG_PREFIX}${t}`);
  // Not locked here: the limits whose slots come back are locked below, all in one id-ordered pass.
  const limits = names.length === 0 ? [] : await tx.select().from(l).where(inArray(l.name, names));
  if (limits.length === 0) return [];
  const ids = `{${limits.map((x) => x.id).join(',')}}`;
  const released = await tx.execute(sql`
    DELETE FROM concurrency_lease
    WHERE resource_ids && ${ids}::uuid[] AND metadata->'holder'->>'id' = ${taskRunId}::text AND expiration > clock_timestamp()
    RETURNING resource_ids, coalesce((metadata->>'slots')::int, 0) AS slots`);
  const perLimit = new Map<string, number>();
  for (const lease of released.rows as { resource_ids: string[]; slots: number }[]) {
    for (const id of lease.resource_ids) perLimit.set(id, (perLimit.get(id) ?? 0) + lease.slots);
  }
  if (perLimit.size > 0) {
    const all = [...perLimit.keys()].sort();
    await tx.select({ id: l.id }).from(l).where(inArray(l.id, all)).orderBy(l.id).for('update');
    for (const [id, slots] of perLimit) {
      await tx
        .update(l)
        .set({ activeSlots: sql`greatest(0, ${activeSlotsAfterDecay} - ${slots})`, deniedSlots: deniedSlotsAfterDecay, updated: sql`now()` })
        .where(and(eq(l.id, id), eq(l.active, true)));
    }
  }
  return limits
    .slice()
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((x) => ({ id: x.id, name: x.name, limit: x.limit }));
}
