import { sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { DbOrTx } from '../../db/client';
import { taskRun, taskRunState } from '../../db/schema';
import { formatTimestamp, nowMicros } from '../../time';
import { applyReadQuery, type ReadQuery } from './query';
import type { ReducedTaskRunResponse, TaskRunResponse } from './types';
import { estimatedRunTime, estimatedStartTimeDelta, serializeState, serializeTaskRunPolicy } from './values';

/** The task run's current state, as the reads join it. */
export const runState = alias(taskRunState, 'task_state');

/** The columns of a task-run read; callers may add their own (the UI adds the flow run's name). */
export const taskRunColumns = {
  run: taskRun,
  totalRunTimeSeconds: sql<number>`extract(epoch from ${taskRun.totalRunTime})::float8`,
  state: {
    id: runState.id,
    type: runState.type,
    name: runState.name,
    timestamp: runState.timestamp,
    message: runState.message,
    data: runState.data,
    stateDetails: runState.stateDetails,
  },
};

function selectTaskRuns(db: DbOrTx) {
  return (
    db
      .select(taskRunColumns)
      .from(taskRun)
      // task_run.state_id has no FK, so a dangling id simply yields no state.
      .leftJoin(runState, sql`${runState.id} = ${taskRun.stateId}`)
      .$dynamic()
  );
}

type TaskRunRow = Awaited<ReturnType<ReturnType<typeof selectTaskRuns>['execute']>>[number];

export function toTaskRunResponse(row: TaskRunRow, now = nowMicros()): TaskRunResponse {
  const r = row.run;
  return {
    id: r.id,
    created: formatTimestamp(r.created) as string,
    updated: formatTimestamp(r.updated) as string,
    name: r.name,
    flow_run_id: r.flowRunId,
    task_key: r.taskKey,
    dynamic_key: r.dynamicKey,
    cache_key: r.cacheKey,
    cache_expiration: formatTimestamp(r.cacheExpiration),
    task_version: r.taskVersion,
    empirical_policy: serializeTaskRunPolicy(r.empiricalPolicy),
    tags: r.tags,
    labels: r.labels ?? null,
    state_id: r.stateId,
    task_inputs: r.taskInputs,
    state_type: r.stateType,
    state_name: r.stateName,
    run_count: r.runCount,
    flow_run_run_count: r.flowRunRunCount,
    expected_start_time: formatTimestamp(r.expectedStartTime),
    next_scheduled_start_time: formatTimestamp(r.nextScheduledStartTime),
    start_time: formatTimestamp(r.startTime),
    end_time: formatTimestamp(r.endTime),
    total_run_time: row.totalRunTimeSeconds,
    estimated_run_time: estimatedRunTime(row.totalRunTimeSeconds, r.stateType, r.stateTimestamp, now),
    estimated_start_time_delta: estimatedStartTimeDelta(r.startTime, r.expectedStartTime, r.stateType, now),
    state: row.state ? serializeState(row.state) : null,
  };
}

/** The reduced shape `/task_runs/paginate` returns. */
export function toReducedTaskRunResponse(full: TaskRunResponse): ReducedTaskRunResponse {
  return {
    id: full.id,
    created: full.created,
    updated: full.updated,
    name: full.name,
    flow_run_id: full.flow_run_id,
    task_key: full.task_key,
    state_id: full.state_id,
    state: full.state,
    task_version: full.task_version,
    task_inputs: full.task_inputs,
    empirical_policy: full.empirical_policy,
    tags: full.tags,
    start_time: full.start_time,
    end_time: full.end_time,
    total_run_time: full.total_run_time,
    estimated_run_time: full.estimated_run_time,
    estimated_start_time_delta: full.estimated_start_time_delta,
  };
}

/** Task runs matching the query, with their state, in one statement. */
export async function readTaskRuns(db: DbOrTx, q?: ReadQuery): Promise<TaskRunResponse[]>;
export async function readTaskRuns(db: DbOrTx, q: ReadQuery, opts: { reduced: true }): Promise<ReducedTaskRunResponse[]>;
export async function readTaskRuns(
  db: DbOrTx,
  q: ReadQuery = {},
  opts: { reduced?: boolean } = {},
): Promise<TaskRunResponse[] | ReducedTaskRunResponse[]> {
  const rows = await applyReadQuery(selectTaskRuns(db), q);
  const now = nowMicros();
  const full = rows.map((row) => toTaskRunResponse(row, now));
  return opts.reduced ? full.map(toReducedTaskRunResponse) : full;
}
