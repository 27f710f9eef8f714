/**
 * The UI's aggregates (POST /ui/...): per-flow and per-run counts for list pages, the flow-run history
 * chart, the dashboard's task-run counts. Each is one SQL statement whatever the number of ids or runs;
 * the routes only fill in the ids that matched nothing.
 */
import { and, eq, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { deployment, flowRun, taskRun, workPool, workQueue } from '../db/schema';
import type { TaskRunFilters } from './filter-sql/endpoints';
import { taskRunsCondition, workPoolFilterSql, workQueueFilterSql } from './filters';
import { exists, when } from './filter-sql/criteria';
import { applyReadQuery, type ReadQuery } from './read/query';
import { estimatedRunTime, estimatedStartTimeDelta } from './read/values';
import { runState, taskRunColumns, toTaskRunResponse } from './read/task-runs';
import { formatTimestamp, nowMicros, toPgTimestamp, type Micros } from '../time';
import type { WorkPoolFilter, WorkQueueFilter } from '../schemas/filters';
import type { StateType } from '../orchestration/states';

const uuidArray = (ids: readonly string[]) => sql`${`{${ids.join(',')}}`}::uuid[]`;

/** Each id's value from `found`, or `fallback`; ids keep their order and a repeated id appears once. */
function perId<T>(ids: readonly string[], found: Map<string, T>, fallback: T): Record<string, T> {
  return Object.fromEntries(ids.map((id) => [id, found.get(id) ?? fallback]));
}

export const deploymentCountsQuery = (db: DbOrTx, flowIds: readonly string[]) =>
  db
    .select({ id: deployment.flowId, n: sql<number>`count(*)::int` })
    .from(deployment)
    .where(sql`${deployment.flowId} = ANY(${uuidArray(flowIds)})`)
    .groupBy(deployment.flowId);

/** The number of deployments of each flow (`uq_deployment__flow_id_name` leads with flow_id). */
export async function deploymentCountsByFlow(db: DbOrTx, flowIds: readonly string[]): Promise<Record<string, number>> {
  if (flowIds.length === 0) return {};
  const rows = await deploymentCountsQuery(db, flowIds);
  return perId(flowIds, new Map(rows.map((r) => [r.id, Number(r.n)])), 0);
}

export interface SimpleNextFlowRun {
  id: string;
  flow_id: string;
  name: string;
  state_name: string | null;
  state_type: StateType | null;
  next_scheduled_start_time: string | null;
}

/**
 * The soonest SCHEDULED run of each flow: one index probe per flow on
 * `ix_flow_run__flow_id_next_scheduled_start_time_scheduled` (a partial index on SCHEDULED runs).
 */
export const nextRunsSql = (flowIds: readonly string[]) => sql`
    SELECT fr.id, fr.flow_id, fr.name, fr.state_name, fr.state_type, fr.next_scheduled_start_time
    FROM unnest(${uuidArray(flowIds)}) AS wanted(flow_id)
    CROSS JOIN LATERAL (
      SELECT id, flow_id, name, state_name, state_type, next_scheduled_start_time
      FROM ${flowRun}
      WHERE ${flowRun.flowId} = wanted.flow_id AND ${flowRun.stateType} = 'SCHEDULED'
        AND ${flowRun.nextScheduledStartTime} IS NOT NULL
      ORDER BY ${flowRun.nextScheduledStartTime} ASC
      LIMIT 1
    ) fr`;

export async function nextRunsByFlow(db: DbOrTx, flowIds: readonly string[]): Promise<Record<string, SimpleNextFlowRun | null>> {
  if (flowIds.length === 0) return {};
  const result = await db.execute(nextRunsSql(flowIds));
  const found = new Map<string, SimpleNextFlowRun>();
  for (const r of result.rows as Record<string, string | null>[]) {
    found.set(r.flow_id!, {
      id: r.id!,
      flow_id: r.flow_id!,
      name: r.name!,
      state_name: r.state_name ?? null,
      state_type: (r.state_type ?? null) as StateType | null,
      next_scheduled_start_time: formatTimestamp(r.next_scheduled_start_time),
    });
  }
  return perId<SimpleNextFlowRun | null>(flowIds, found, null);
}

export const taskRunCountsQuery = (db: DbOrTx, flowRunIds: readonly string[]) =>
  db
    .select({ id: taskRun.flowRunId, n: sql<number>`count(*)::int` })
    .from(taskRun)
    .where(
      and(
        sql`${taskRun.flowRunId} = ANY(${uuidArray(flowRunIds)})`,
        sql`NOT EXISTS (SELECT 1 FROM ${flowRun} WHERE ${flowRun.parentTaskRunId} = ${taskRun.id})`,
      ),
    )
    .groupBy(taskRun.flowRunId);

/** The task runs of each flow run, not counting the task runs that stand for subflow runs. */
export async function taskRunCountsByFlowRun(db: DbOrTx, flowRunIds: readonly string[]): Promise<Record<string, number>> {
  if (flowRunIds.length === 0) return {};
  const rows = await taskRunCountsQuery(db, flowRunIds);
  return perId(flowRunIds, new Map(rows.map((r) => [r.id ?? '', Number(r.n)])), 0);
}

export interface SimpleFlowRun {
  id: string;
  state_type: StateType | null;
  timestamp: string | null;
  duration: number;
  lateness: number;
}

/** The flow runs of the history chart: when each started (or is expected to), how long it ran, how late it was. */
export async function flowRunHistoryPoints(db: DbOrTx, q: ReadQuery): Promise<SimpleFlowRun[]> {
  const select = db
    .select({
      id: flowRun.id,
      stateType: flowRun.stateType,
      startTime: flowRun.startTime,
      expectedStartTime: flowRun.expectedStartTime,
      stateTimestamp: flowRun.stateTimestamp,
      totalRunTimeSeconds: sql<number>`extract(epoch from ${flowRun.totalRunTime})::float8`,
    })
    .from(flowRun)
    .$dynamic();
  const rows = await applyReadQuery(select, q);
  const now = nowMicros();
  return rows.map((r) => ({
    id: r.id,
    state_type: r.stateType,
    timestamp: formatTimestamp(r.startTime ?? r.expectedStartTime),
    duration: estimatedRunTime(Number(r.totalRunTimeSeconds), r.stateType, r.stateTimestamp, now),
    lateness: estimatedStartTimeDelta(r.startTime, r.expectedStartTime, r.stateType, now),
  }));
}

/** The task-run filters, plus the pool and queue of the task run's flow run (the dashboard's filters). */
export function taskRunsOnPoolsCondition(
  f: TaskRunFilters & { work_pools?: WorkPoolFilter | null; work_queues?: WorkQueueFilter | null },
): SQL | undefined {
  const pools = f.work_pools ?? undefined;
  const queues = f.work_queues ?? undefined;
  const onQueue =
    pools || queues
      ? exists(
          sql`${flowRun}`,
          sql`${flowRun.id} = ${taskRun.flowRunId}`,
          exists(
            sql`${workQueue}`,
            sql`${workQueue.id} = ${flowRun.workQueueId}`,
            when(queues, workQueueFilterSql),
            when(pools, (p) => exists(sql`${workPool}`, sql`${workPool.id} = ${workQueue.workPoolId}`, workPoolFilterSql(p))),
          ),
        )
      : undefined;
  const base = taskRunsCondition(f);
  return base && onQueue ? and(base, onQueue) : (base ?? onQueue);
}

export const DASHBOARD_BUCKETS = 20;
const FAILED_TYPES = sql`('FAILED', 'CRASHED')`;

export function dashboardCountsSql(window: { start: Micros; end: Micros }, where: SQL | undefined): SQL {
  const bucketSeconds = (window.end - window.start) / 1_000_000 / DASHBOARD_BUCKETS;
  const start = toPgTimestamp(window.start);
  return sql`
    SELECT floor(extract(epoch FROM (${taskRun.startTime} - ${start}::timestamptz)) / ${bucketSeconds}::float8)::int AS bucket,
      count(*) FILTER (WHERE ${taskRun.stateType} IN ${FAILED_TYPES})::int AS failed,
      count(*) FILTER (WHERE ${taskRun.stateType} NOT IN ${FAILED_TYPES})::int AS completed
    FROM ${taskRun}
    ${where ? sql`WHERE ${where}` : sql``}
    GROUP BY 1`;
}

/**
 * Terminal task runs counted in 20 equal buckets of their start time from `start` to `end`: failed
 * (FAILED, CRASHED) and completed (the other terminal types). `where` already holds the caller's filters.
 */
export async function dashboardTaskRunCounts(
  db: DbOrTx,
  window: { start: Micros; end: Micros },
  where: SQL | undefined,
): Promise<{ completed: number; failed: number }[]> {
  const result = await db.execute(dashboardCountsSql(window, where));
  const buckets = Array.from({ length: DASHBOARD_BUCKETS }, () => ({ completed: 0, failed: 0 }));
  for (const row of result.rows as { bucket: number | null; failed: number; completed: number }[]) {
    // Runs on the window's last instant (or after it, with no upper bound given) fall past the last
    // bucket; Prefect fails on them (an index error), we leave them out.
    const bucket = row.bucket === null ? -1 : Number(row.bucket);
    if (bucket >= 0 && bucket < DASHBOARD_BUCKETS) buckets[bucket] = { completed: Number(row.completed), failed: Number(row.failed) };
  }
  return buckets;
}

const STATE_TYPES: StateType[] = ['COMPLETED', 'PENDING', 'RUNNING', 'FAILED', 'CANCELLED', 'CRASHED', 'PAUSED', 'CANCELLING', 'SCHEDULED'];

/** Task runs counted by state type, every type present (Prefect's CountByState). */
export async function taskRunCountsByState(db: DbOrTx, where: SQL | undefined): Promise<Record<StateType, number>> {
  const rows = await db
    .select({ type: taskRun.stateType, n: sql<number>`count(*)::int` })
    .from(taskRun)
    .where(and(sql`${taskRun.stateType} IS NOT NULL`, where))
    .groupBy(taskRun.stateType);
  const counts = Object.fromEntries(STATE_TYPES.map((t) => [t, 0])) as Record<StateType, number>;
  for (const r of rows) if (r.type) counts[r.type] = Number(r.n);
  return counts;
}

/** A task run with the name of its flow run (null when it has none, or the run is gone), in one statement. */
export async function readTaskRunWithFlowRunName(db: DbOrTx, id: string) {
  const columns = {
    ...taskRunColumns,
    flowRunName: sql<string | null>`(SELECT ${flowRun.name} FROM ${flowRun} WHERE ${flowRun.id} = ${taskRun.flowRunId})`,
  };
  const [row] = await db
    .select(columns)
    .from(taskRun)
    .leftJoin(runState, sql`${runState.id} = ${taskRun.stateId}`)
    .where(eq(taskRun.id, id));
  return row ? { ...toTaskRunResponse(row), flow_run_name: row.flowRunName || null } : null;
}
