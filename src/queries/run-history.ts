/**
 * Run history and lateness (POST /flow_runs/history, /task_runs/history, /flow_runs/lateness), each one
 * statement whatever the number of runs: the database groups runs into buckets; we only lay out the
 * (at most 500) empty buckets around them.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { flowRun, taskRun } from '../db/schema';
import { formatMicros, toPgTimestamp, type Micros } from '../time';

/** Prefect caps a history at this many intervals, however long the range. */
export const MAX_HISTORY_INTERVALS = 500;

type RunTable = typeof flowRun | typeof taskRun;

/** Prefect's `estimated_run_time`: the total run time, plus the time since a RUNNING run last changed state. */
const estimatedRunTime = (t: RunTable) => sql`CASE WHEN ${t.stateType} = 'RUNNING'
  THEN ${t.totalRunTime} + (now() - ${t.stateTimestamp}) ELSE ${t.totalRunTime} END`;

/**
 * Prefect's `estimated_start_time_delta`: how late the run started, or, when it has not started and is not
 * finished, how late it is now.
 */
const estimatedStartTimeDelta = (t: RunTable) => sql`CASE
  WHEN ${t.startTime} > ${t.expectedStartTime} THEN ${t.startTime} - ${t.expectedStartTime}
  WHEN ${t.startTime} IS NULL AND ${t.stateType} NOT IN ('COMPLETED', 'FAILED', 'CANCELLED', 'CRASHED')
    AND ${t.expectedStartTime} < now() THEN now() - ${t.expectedStartTime}
  ELSE interval '0' END`;

export interface HistoryState {
  state_type: string | null;
  state_name: string | null;
  count_runs: number;
  sum_estimated_run_time: number;
  sum_estimated_lateness: number;
}

export interface HistoryInterval {
  interval_start: string;
  interval_end: string;
  states: HistoryState[];
}

export interface HistoryQuery {
  start: Micros;
  end: Micros;
  /** microseconds, at least 1 second */
  interval: Micros;
  where: SQL | undefined;
}

/** The number of buckets Prefect lays out: ceil(range / interval), at most 500, none for an empty range. */
export function intervalCount(q: Pick<HistoryQuery, 'start' | 'end' | 'interval'>): number {
  const elapsed = q.end - q.start;
  return elapsed > 0 ? Math.min(Math.ceil(elapsed / q.interval), MAX_HISTORY_INTERVALS) : 0;
}

/** Runs whose expected start falls in the range, counted per bucket, state type and state name. */
export async function runHistory(db: DbOrTx, runs: 'flow_run' | 'task_run', q: HistoryQuery): Promise<HistoryInterval[]> {
  const count = intervalCount(q);
  if (count === 0) return [];
  const t = runs === 'flow_run' ? flowRun : taskRun;
  const start = toPgTimestamp(q.start);
  const queryEnd = toPgTimestamp(q.start + count * q.interval);
  const seconds = q.interval / 1_000_000;
  const result = await db.execute(sql`
    SELECT floor(extract(epoch FROM (${t.expectedStartTime} - ${start}::timestamptz)) / ${seconds}::numeric)::int AS bucket,
      ${t.stateType} AS state_type, ${t.stateName} AS state_name, count(*)::int AS count_runs,
      coalesce(sum(greatest(0, extract(epoch FROM ${estimatedRunTime(t)}))), 0)::float8 AS run_time,
      coalesce(sum(greatest(0, extract(epoch FROM ${estimatedStartTimeDelta(t)}))), 0)::float8 AS lateness
    FROM ${t}
    WHERE ${t.expectedStartTime} >= ${start}::timestamptz AND ${t.expectedStartTime} < ${queryEnd}::timestamptz
      ${q.where ? sql`AND ${q.where}` : sql``}
    GROUP BY 1, 2, 3`);
  const byBucket = new Map<number, HistoryState[]>();
  for (const row of result.rows as Record<string, unknown>[]) {
    const bucket = Number(row.bucket);
    const states = byBucket.get(bucket) ?? [];
    states.push({
      state_type: row.state_type as string | null,
      state_name: row.state_name as string | null,
      count_runs: Number(row.count_runs),
      sum_estimated_run_time: Number(row.run_time),
      sum_estimated_lateness: Number(row.lateness),
    });
    byBucket.set(bucket, states);
  }
  return Array.from({ length: count }, (_, i) => ({
    interval_start: formatMicros(q.start + i * q.interval),
    interval_end: formatMicros(q.start + (i + 1) * q.interval),
    states: byBucket.get(i) ?? [],
  }));
}

/** The average `estimated_start_time_delta` of the matching flow runs in seconds; null when none match. */
export async function averageFlowRunLateness(db: DbOrTx, where: SQL | undefined): Promise<number | null> {
  const result = await db.execute(sql`
    SELECT extract(epoch FROM avg(${estimatedStartTimeDelta(flowRun)}))::float8 AS lateness
    FROM ${flowRun} ${where ? sql`WHERE ${where}` : sql``}`);
  const value = (result.rows[0] as { lateness: unknown } | undefined)?.lateness;
  return value === null || value === undefined ? null : Number(value);
}
