/** Global concurrency limits (concurrency_limit_v2): reads and writes for /v2/concurrency_limits. */
import { asc, eq, sql, type SQL } from 'drizzle-orm';
import type { PgUpdateSetSource } from 'drizzle-orm/pg-core';
import type { DbOrTx } from '../db/client';
import { concurrencyLimitV2 } from '../db/schema';
import type { ConcurrencyLimitV2Create, ConcurrencyLimitV2Update } from '../schemas/actions/concurrency-limits';
import { normalizeUuid } from '../schemas/common';
import { formatTimestamp } from '../time';
import type { GlobalConcurrencyLimitResponse } from './read/types';
import { CONCURRENCY_LIMIT_EVENTS, withLifecycleEvents, type LifecycleVerb } from './lifecycle-events';

type LimitRow = typeof concurrencyLimitV2.$inferSelect;

/** The full limit, as POST returns it. */
export interface ConcurrencyLimitV2Response {
  id: string;
  created: string;
  updated: string;
  active: boolean;
  name: string;
  limit: number;
  active_slots: number;
  denied_slots: number;
  slot_decay_per_second: number;
  avg_slot_occupancy_seconds: number;
}

/** What reads return (read/types.ts): active slots after decay, no denied slots or occupancy. */
export type { GlobalConcurrencyLimitResponse };

/** Slots decay at slot_decay_per_second since the row was last updated (rate limits). */
export const activeSlotsAfterDecay = sql<number>`greatest(0, ${concurrencyLimitV2.activeSlots} - floor(
  ${concurrencyLimitV2.slotDecayPerSecond} * extract(epoch from (now() - ${concurrencyLimitV2.updated}))))::int`;

export function toConcurrencyLimitV2Response(r: LimitRow): ConcurrencyLimitV2Response {
  return {
    id: r.id,
    created: formatTimestamp(r.created) as string,
    updated: formatTimestamp(r.updated) as string,
    active: r.active,
    name: r.name,
    limit: r.limit,
    active_slots: r.activeSlots,
    denied_slots: r.deniedSlots,
    slot_decay_per_second: r.slotDecayPerSecond,
    avg_slot_occupancy_seconds: r.avgSlotOccupancySeconds,
  };
}

function toGlobalResponse(r: LimitRow, activeSlots: number): GlobalConcurrencyLimitResponse {
  return {
    id: r.id,
    created: formatTimestamp(r.created) as string,
    updated: formatTimestamp(r.updated) as string,
    active: r.active,
    name: r.name,
    limit: r.limit,
    active_slots: activeSlots,
    slot_decay_per_second: r.slotDecayPerSecond,
  };
}

/** A path segment that is a UUID selects by id, anything else by name (as Prefect's route does). */
export function byIdOrName(idOrName: string): SQL {
  const id = normalizeUuid(idOrName);
  return id ? eq(concurrencyLimitV2.id, id) : eq(concurrencyLimitV2.name, idOrName);
}

/**
 * Runs `change` (… RETURNING *) with a `prefect.concurrency-limit.<verb>` event per row it returns
 * (Prefect's for global limits, tag limits included); the rows.
 */
const withLimitEvents = (db: DbOrTx, verb: LifecycleVerb, change: SQL) =>
  withLifecycleEvents<LimitRow>(
    db,
    CONCURRENCY_LIMIT_EVENTS,
    verb,
    change,
    sql`SELECT id, created, updated, active, name, "limit", active_slots AS "activeSlots", denied_slots AS "deniedSlots",
      slot_decay_per_second AS "slotDecayPerSecond", avg_slot_occupancy_seconds AS "avgSlotOccupancySeconds" FROM changed`,
  );

/** One INSERT with its `prefect.concurrency-limit.created` (a taken name fails it: 409, no event). */
export async function insertConcurrencyLimit(db: DbOrTx, body: ConcurrencyLimitV2Create): Promise<ConcurrencyLimitV2Response> {
  const insert = db
    .insert(concurrencyLimitV2)
    .values({
      active: body.active,
      name: body.name,
      limit: body.limit,
      activeSlots: body.active_slots,
      deniedSlots: body.denied_slots,
      slotDecayPerSecond: body.slot_decay_per_second,
    });
  const [row] = await withLimitEvents(db, 'created', sql`${insert.getSQL()} RETURNING *`);
  if (!row) throw new Error('concurrency limit insert returned no row');
  return toConcurrencyLimitV2Response(row);
}

export async function readGlobalConcurrencyLimits(
  db: DbOrTx,
  q: { where?: SQL; limit?: number; offset?: number },
): Promise<GlobalConcurrencyLimitResponse[]> {
  let select = db.select({ row: concurrencyLimitV2, activeSlots: activeSlotsAfterDecay }).from(concurrencyLimitV2).$dynamic();
  if (q.where) select = select.where(q.where);
  select = select.orderBy(asc(concurrencyLimitV2.name));
  if (q.limit !== undefined) select = select.limit(q.limit);
  if (q.offset) select = select.offset(q.offset);
  const rows = await select;
  return rows.map((r) => toGlobalResponse(r.row, r.activeSlots));
}

/** Updates the fields sent, with a `prefect.concurrency-limit.updated` (any PATCH); false when no limit matches. */
export async function updateConcurrencyLimit(db: DbOrTx, where: SQL, body: ConcurrencyLimitV2Update): Promise<boolean> {
  const set: PgUpdateSetSource<typeof concurrencyLimitV2> = { updated: sql`now()` };
  if (body.active != null) set.active = body.active;
  if (body.name != null) set.name = body.name;
  if (body.limit != null) set.limit = body.limit;
  if (body.active_slots != null) set.activeSlots = body.active_slots;
  if (body.denied_slots != null) set.deniedSlots = body.denied_slots;
  if (body.slot_decay_per_second != null) set.slotDecayPerSecond = body.slot_decay_per_second;
  return (await withLimitEvents(db, 'updated', sql`${db.update(concurrencyLimitV2).set(set).where(where).getSQL()} RETURNING *`)).length > 0;
}

/** Deletes the limit with its `prefect.concurrency-limit.deleted`; false when none matches. */
export async function deleteConcurrencyLimit(db: DbOrTx, where: SQL): Promise<boolean> {
  return (await withLimitEvents(db, 'deleted', sql`${db.delete(concurrencyLimitV2).where(where).getSQL()} RETURNING *`)).length > 0;
}
