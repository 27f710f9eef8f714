/**
 * Event retention (the "events" part of Prefect's db_vacuum service): events that occurred more than
 * `PREFECT_EVENTS_RETENTION_PERIOD` (default 7 days) before `now` are deleted with their
 * `event_resource` rows.
 *
 * One statement per tick, bounded: it picks the oldest expired events (at most
 * `eventsPerTick`, through `ix_event__occurred`), locking them and skipping any an overlapping tick
 * already holds, deletes their resource rows by event id (`ix_event_resource__event_id`) and then
 * the events by primary key. What is left waits for the next tick. An event and its resource rows
 * are written by one statement (queries/events.ts), so deleting resources by their event's id
 * leaves none behind.
 */
import { sql } from 'drizzle-orm';
import { toPgTimestamp } from '../time';
import type { ServiceContext } from './context';

export async function runEventRetention(ctx: ServiceContext): Promise<{ events: number; resources: number }> {
  const { retentionSeconds, eventsPerTick } = ctx.settings.eventRetention;
  if (retentionSeconds === null) {
    // Deleting with a period we could not read could remove events the operator meant to keep.
    throw new Error('PREFECT_EVENTS_RETENTION_PERIOD is not a duration (e.g. P7D, "7 days", 604800); no events were deleted');
  }
  const cutoff = ctx.now - Math.round(retentionSeconds * 1_000_000);
  const limit = Math.max(1, Math.floor(eventsPerTick));
  const result = await ctx.db.execute<{ events: number; resources: number }>(sql`
    WITH doomed AS (
      SELECT id FROM event WHERE occurred < ${toPgTimestamp(cutoff)}::timestamptz
      ORDER BY occurred LIMIT ${limit} FOR UPDATE SKIP LOCKED
    ), resources AS (
      DELETE FROM event_resource WHERE event_id IN (SELECT id FROM doomed) RETURNING 1
    ), events AS (
      DELETE FROM event WHERE id IN (SELECT id FROM doomed) RETURNING 1
    )
    SELECT (SELECT count(*) FROM events)::int AS events, (SELECT count(*) FROM resources)::int AS resources`);
  const row = result.rows[0];
  return { events: row?.events ?? 0, resources: row?.resources ?? 0 };
}
