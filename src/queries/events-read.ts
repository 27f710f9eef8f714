/**
 * Reading events: a page of POST /events/filter (and its next pages), and POST /events/count-by/{countable}.
 * Each is one SQL statement.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import type { Countable, EventFilter, TimeUnit } from '../schemas/event-filters';
import { formatMicros, formatTimestamp, nowMicros, parseMicros, type Micros } from '../time';
import { eventFilterSql } from './event-filter-sql';

export interface EventResponse {
  occurred: string;
  event: string;
  resource: Record<string, string>;
  related: Record<string, string>[];
  payload: Record<string, unknown>;
  id: string;
  follows: string | null;
  received: string;
}

/** An event as eventsJson aggregates it: the response's keys, its times as Postgres prints them. */
type EventRowJson = EventResponse;

/** The events the subquery `rows` selects as one JSON array (`[]` for none) in `order` (over `p`): one value, one statement. */
const eventsJson = (rows: SQL, order: SQL) => sql`coalesce((
      SELECT json_agg(json_build_object('occurred', p.occurred, 'event', p.event, 'resource', p.resource, 'related', p.related,
        'payload', p.payload, 'id', p.id, 'follows', p.follows, 'received', p.received) ORDER BY ${order})
      FROM (${rows}) p
    ), '[]'::json)`;

const toEventResponse = (e: EventRowJson): EventResponse => ({ ...e, occurred: formatTimestamp(e.occurred)!, received: formatTimestamp(e.received)! });

/**
 * One page, newest or oldest first (then by id, so pages never overlap), and the total when `total` is
 * not already known (next pages reuse the first page's count, as Prefect's page tokens do).
 * `resource.distinct` keeps each resource's first event in that order.
 */
export async function readEventPage(
  db: DbOrTx,
  filter: EventFilter,
  page: { limit: number; offset: number; total: number | null },
): Promise<{ events: EventResponse[]; total: number }> {
  const where = eventFilterSql(filter);
  const dir = sql.raw(filter.order === 'ASC' ? 'ASC' : 'DESC');
  const distinct = filter.resource?.distinct === true;
  const source = distinct
    ? sql`(SELECT e.*, row_number() OVER (PARTITION BY e.resource_id ORDER BY e.occurred ${dir}, e.id ${dir}) AS rn
          FROM event e WHERE ${where}) e WHERE e.rn = 1`
    : sql`event e WHERE ${where}`;
  const total =
    page.total !== null
      ? sql`${page.total}::int`
      : distinct
        ? sql`(SELECT count(DISTINCT e.resource_id) FROM event e WHERE ${where})::int`
        : sql`(SELECT count(*) FROM event e WHERE ${where})::int`;
  const result = await db.execute<{ total: number; events: EventRowJson[] }>(sql`
    SELECT ${total} AS total, ${eventsJson(
      sql`SELECT e.* FROM ${source} ORDER BY e.occurred ${dir}, e.id ${dir} LIMIT ${page.limit} OFFSET ${page.offset}`,
      sql`p.occurred ${dir}, p.id ${dir}`,
    )} AS events`);
  const row = result.rows[0]!;
  return {
    total: Number(row.total),
    events: row.events.map(toEventResponse),
  };
}

export interface EventCount {
  value: string;
  label: string;
  count: number;
  start_time: string;
  end_time: string;
}

/** Time buckets are counted from this instant, as in Prefect (the Monday before its first event). */
const PIVOT: Micros = Date.UTC(2024, 3, 1) * 1000;
const UNIT_US: Record<TimeUnit, number> = {
  week: 7 * 86_400_000_000,
  day: 86_400_000_000,
  hour: 3_600_000_000,
  minute: 60_000_000,
  second: 1_000_000,
};
export const MAX_BUCKETS = 1000;

/** Prefect's error for a too fine interval over too long a window (a 422 with this detail). */
export function bucketProblem(filter: EventFilter, unit: TimeUnit, interval: number): string | null {
  const delta = Math.round(UNIT_US[unit] * interval);
  const since = parseMicros(filter.occurred.since)!;
  const until = parseMicros(filter.occurred.until)!;
  const buckets = Math.ceil((until - since) / delta);
  if (buckets > MAX_BUCKETS) {
    return (
      `The given interval would create ${buckets} buckets, which is too many. Please increase the interval or reduce ` +
      `the time range to produce ${MAX_BUCKETS} buckets or fewer.`
    );
  }
  return null;
}

/** The end of the current second/minute/hour/day/week (weeks end on Sunday), in UTC. */
function endOfPeriod(now: Micros, unit: TimeUnit): Micros {
  if (unit === 'week') {
    const day = new Date(now / 1000).getUTCDay(); // 0 = Sunday
    const endOfDay = Math.floor(now / UNIT_US.day) * UNIT_US.day + UNIT_US.day - 1;
    return endOfDay + ((7 - day) % 7) * UNIT_US.day;
  }
  return Math.floor(now / UNIT_US[unit]) * UNIT_US[unit] + UNIT_US[unit] - 1;
}

/** `2026-12-04T00:00:00+00:00`: Python's isoformat of a UTC datetime, which labels Prefect's time buckets. */
const isoLabel = (us: Micros) => formatMicros(us).replace(/Z$/, '+00:00');

export async function countEvents(
  db: DbOrTx,
  filter: EventFilter,
  countable: Countable,
  unit: TimeUnit,
  interval: number,
): Promise<EventCount[]> {
  const where = eventFilterSql(filter);
  if (countable === 'day' || countable === 'time') {
    const [u, n] = countable === 'day' ? (['day', 1] as const) : ([unit, interval] as const);
    const delta = Math.round(UNIT_US[u] * n);
    const pivot = formatMicros(PIVOT);
    const result = await db.execute<{ bucket: string; count: number }>(sql`
      SELECT floor(extract(epoch FROM (date_bin(make_interval(secs => ${delta / 1e6}), e.occurred, ${pivot}::timestamptz) - ${pivot}::timestamptz))
               / ${delta / 1e6})::bigint::text AS bucket, count(*)::int AS count
      FROM event e WHERE ${where} GROUP BY 1`);
    const since = parseMicros(filter.occurred.since)!;
    let until = parseMicros(filter.occurred.until)!;
    const now = nowMicros();
    if (until > now) until = endOfPeriod(now, u);
    const first = Math.floor((since - PIVOT) / delta);
    const spans: EventCount[] = [];
    for (let start = PIVOT + delta * first; start < until; start += delta) {
      spans.push({ value: String(spans.length), label: isoLabel(start), count: 0, start_time: formatMicros(start), end_time: formatMicros(start + delta - 1) });
    }
    for (const row of result.rows) {
      const span = spans[Number(row.bucket) - first];
      if (span) span.count = Number(row.count);
    }
    return spans;
  }
  const value = countable === 'event' ? sql`e.event` : sql`e.resource_id`;
  const label =
    countable === 'event' ? sql`e.event` : sql`coalesce(e.resource->>'prefect.resource.name', e.resource->>'prefect.name', e.resource_id)`;
  // Per value, the label of its latest event (a resource may have been renamed).
  const result = await db.execute<{ value: string; label: string; count: number; start_time: string; end_time: string }>(sql`
    WITH fundamental AS (
      SELECT ${value} AS value, ${label} AS label, max(e.occurred) AS latest, min(e.occurred) AS oldest, count(*) AS count
      FROM event e WHERE ${where} GROUP BY 1, 2
    ), labelled AS (
      SELECT value, first_value(label) OVER (PARTITION BY value ORDER BY latest DESC) AS label, latest, oldest, count FROM fundamental
    )
    SELECT value, label, sum(count)::int AS count, min(oldest)::text AS start_time, max(latest)::text AS end_time
    FROM labelled GROUP BY value, label ORDER BY sum(count) DESC, label ASC`);
  return result.rows.map((r) => ({
    value: r.value,
    label: r.label,
    count: Number(r.count),
    start_time: formatTimestamp(String(r.start_time))!,
    end_time: formatTimestamp(String(r.end_time))!,
  }));
}

/**
 * What /events/out's cheap check compares between polls: how many events were received since `since`
 * and the latest `received`. A batch that commits late (with earlier `received` times) changes the
 * count even when it does not change the latest time. One index range scan on `received`.
 */
export async function receivedSinceMark(db: DbOrTx, since: string): Promise<string> {
  const result = await db.execute<{ mark: string }>(sql`
    SELECT count(*) || '/' || coalesce(max(received)::text, '') AS mark FROM event WHERE received >= ${since}::timestamptz`);
  return result.rows[0]!.mark;
}

/** Events matching the filter received at or after `since`, oldest received first (the /events/out poll). */
export async function readEventsReceivedSince(db: DbOrTx, filter: EventFilter, since: string, limit: number): Promise<EventResponse[]> {
  const result = await db.execute<{ events: EventRowJson[] }>(sql`
    SELECT ${eventsJson(
      sql`SELECT e.* FROM event e WHERE e.received >= ${since}::timestamptz AND ${eventFilterSql(filter)} ORDER BY e.received, e.id LIMIT ${limit}`,
      sql`p.received, p.id`,
    )} AS events`);
  return result.rows[0]!.events.map(toEventResponse);
}
