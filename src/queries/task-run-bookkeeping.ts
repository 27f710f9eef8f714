/**
 * A task_run's bookkeeping columns (../orchestration/task-run-policy.ts's TaskRunBookkeeping) as raw
 * SQL loads them for the server-side task-run writes: the parent-task sync of subflow states and the
 * cancellation of a cancelled flow run's task runs.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { TaskRunBookkeeping } from '../orchestration/task-run-policy';
import { parseMicros, toPgTimestamp, type Micros } from '../time';

/** One row of taskRunBookkeepingColumns (times as text, total run time in µs). */
export interface TaskRunBookkeepingRow {
  id: string;
  flow_run_id: string | null;
  run_count: number;
  flow_run_run_count: number;
  start_time: string | null;
  end_time: string | null;
  total_run_time_us: string | number;
  expected_start_time: string | null;
  next_scheduled_start_time: string | null;
  /** The timestamp of the run's latest state: a new state must come after it. */
  latest_state: string | null;
}

/** The select list that loads a TaskRunBookkeepingRow from the task_run (or CTE) named `alias`. */
export const taskRunBookkeepingColumns = (alias: string): SQL => {
  const t = sql.identifier(alias);
  return sql`${t}.id, ${t}.flow_run_id, ${t}.run_count, ${t}.flow_run_run_count, ${t}.start_time::text, ${t}.end_time::text,
    (extract(epoch FROM ${t}.total_run_time) * 1000000)::bigint AS total_run_time_us,
    ${t}.expected_start_time::text, ${t}.next_scheduled_start_time::text,
    (SELECT max(s.timestamp)::text FROM task_run_state s WHERE s.task_run_id = ${t}.id) AS latest_state`;
};

const micros = (t: string | null): Micros | null => (t === null ? null : parseMicros(t));
const pgTime = (us: Micros | null) => (us === null ? null : toPgTimestamp(us));

export function taskRunBookkeeping(row: TaskRunBookkeepingRow): TaskRunBookkeeping {
  return {
    id: row.id,
    flowRunId: row.flow_run_id,
    runCount: row.run_count,
    flowRunRunCount: row.flow_run_run_count,
    startTime: micros(row.start_time),
    endTime: micros(row.end_time),
    totalRunTime: Number(row.total_run_time_us),
    expectedStartTime: micros(row.expected_start_time),
    nextScheduledStartTime: micros(row.next_scheduled_start_time),
  };
}

/** The latest state's timestamp of a loaded row, in µs. */
export const latestStateMicros = (row: TaskRunBookkeepingRow): Micros | null => micros(row.latest_state);

/** The run count and times of a flow or task run, as its bookkeeping holds them. */
export type RunTimes = Pick<TaskRunBookkeeping, 'runCount' | 'startTime' | 'endTime' | 'totalRunTime' | 'expectedStartTime' | 'nextScheduledStartTime'>;

/**
 * The run count and times a flow_run or task_run write puts back, as jsonb_to_recordset columns
 * (run_count int, total_run_time_us bigint, the others timestamptz).
 */
export function runTimesRecord(run: RunTimes) {
  return {
    run_count: run.runCount,
    start_time: pgTime(run.startTime),
    end_time: pgTime(run.endTime),
    total_run_time_us: run.totalRunTime,
    expected_start_time: pgTime(run.expectedStartTime),
    next_scheduled_start_time: pgTime(run.nextScheduledStartTime),
  };
}
