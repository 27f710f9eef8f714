/**
 * Writes of task runs: create (idempotent on flow run + task key + dynamic key, with its first state),
 * rename, delete, and state transitions through ../orchestration/task-run-policy.ts.
 */
import { and, eq, isNull, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { PgUpdateSetSource } from 'drizzle-orm/pg-core';
import type { DbOrTx } from '../db/client';
import { flowRun, flowRunState, taskRun, taskRunState } from '../db/schema';
import { objectNotFound } from '../http/errors';
import { uuid7 } from '../orchestration/ids';
import { completeStateDetails } from '../orchestration/states';
import { randomRunName } from '../routes/run-names';
import {
  applyTaskRunTransforms,
  decideTaskRunTransition,
  type EnclosingFlowRun,
  type TaskRunBookkeeping,
  type TaskState,
} from '../orchestration/task-run-policy';
import { buildProposedState, type StateCreate } from '../schemas/states';
import type { TaskRunCreate } from '../schemas/actions/task-runs';
import { formatMicros, parseMicros, toPgTimestamp, type Micros } from '../time';
import type { StateRow } from './read-models';

/** Data of the form {"type": "unpersisted", ...} is echoed but never stored. */
const storableData = (data: unknown) =>
  data !== null && typeof data === 'object' && (data as Record<string, unknown>).type === 'unpersisted' ? null : (data ?? null);

export const toStateRow = (s: TaskState): StateRow => ({
  id: s.id,
  type: s.type,
  name: s.name,
  timestamp: formatMicros(s.timestamp),
  message: s.message,
  data: s.data,
  stateDetails: { ...s.stateDetails },
});

const pgTime = (us: Micros | null) => (us === null ? null : toPgTimestamp(us));
const micros = (pg: string | null) => (pg === null ? null : parseMicros(pg));

/** The task_run columns a state transition sets. */
function stateColumns(run: TaskRunBookkeeping, state: TaskState) {
  return {
    stateId: state.id,
    stateType: state.type,
    stateName: state.name,
    stateTimestamp: toPgTimestamp(state.timestamp),
    runCount: run.runCount,
    flowRunRunCount: run.flowRunRunCount,
    startTime: pgTime(run.startTime),
    endTime: pgTime(run.endTime),
    totalRunTime: sql`${run.totalRunTime}::bigint * interval '1 microsecond'`,
    expectedStartTime: pgTime(run.expectedStartTime),
    nextScheduledStartTime: pgTime(run.nextScheduledStartTime),
  };
}

async function insertState(tx: DbOrTx, taskRunId: string, state: TaskState): Promise<void> {
  await tx.insert(taskRunState).values({
    id: state.id,
    taskRunId,
    type: state.type,
    timestamp: toPgTimestamp(state.timestamp),
    name: state.name,
    message: state.message,
    stateDetails: { ...state.stateDetails },
    data: storableData(state.data),
  });
}

const FRESH = { runCount: 0, flowRunRunCount: 0, startTime: null, endTime: null, totalRunTime: 0, expectedStartTime: null, nextScheduledStartTime: null };

/**
 * POST /task_runs/: creates the task run with its first state (PENDING unless given), forced, or
 * returns the existing run for the same (flow_run_id, task_key, dynamic_key) unchanged. Labels:
 * the flow run's, then `prefect.flow-run.id`, then the caller's.
 */
export async function insertTaskRun(tx: DbOrTx, body: TaskRunCreate, now: Micros): Promise<{ id: string; created: boolean }> {
  const id = body.id ?? uuid7(now);
  const initial = buildProposedState(body.state ?? { type: 'PENDING' }, now);
  const { run, state } = applyTaskRunTransforms({ id, flowRunId: body.flow_run_id ?? null, ...FRESH }, null, initial);
  const labels = body.flow_run_id
    ? sql`coalesce((select ${flowRun.labels} from ${flowRun} where ${flowRun.id} = ${body.flow_run_id}), '{}'::jsonb)
        || jsonb_build_object('prefect.flow-run.id', ${body.flow_run_id}::text) || ${JSON.stringify(body.labels)}::jsonb`
    : sql`${JSON.stringify(body.labels)}::jsonb`;
  const values = {
    id,
    flowRunId: body.flow_run_id ?? null,
    name: body.name || randomRunName(),
    taskKey: body.task_key,
    dynamicKey: body.dynamic_key,
    cacheKey: body.cache_key ?? null,
    cacheExpiration: body.cache_expiration ?? null,
    taskVersion: body.task_version ?? null,
    empiricalPolicy: body.empirical_policy ?? { max_retries: 0, retry_delay_seconds: 0, retries: null, retry_delay: null, retry_jitter_factor: null },
    tags: body.tags,
    labels: labels,
    taskInputs: body.task_inputs,
    ...stateColumns(run, state),
  };
  const sameKeys = and(eq(taskRun.taskKey, body.task_key), eq(taskRun.dynamicKey, body.dynamic_key));
  if (body.flow_run_id) {
    const [inserted] = await tx
      .insert(taskRun)
      .values(values)
      .onConflictDoNothing({ target: [taskRun.flowRunId, taskRun.taskKey, taskRun.dynamicKey] })
      .returning({ id: taskRun.id });
    if (inserted) {
      await insertState(tx, id, state);
      return { id, created: true };
    }
    const [existing] = await tx.select({ id: taskRun.id }).from(taskRun).where(and(eq(taskRun.flowRunId, body.flow_run_id), sameKeys));
    if (!existing) throw new Error('task run neither inserted nor found');
    return { id: existing.id, created: false };
  }
  // Without a flow run there is no unique index to lean on: look first (as Prefect does).
  const [existing] = await tx.select({ id: taskRun.id }).from(taskRun).where(and(isNull(taskRun.flowRunId), sameKeys)).limit(1);
  if (existing) return { id: existing.id, created: false };
  await tx.insert(taskRun).values(values);
  await insertState(tx, id, state);
  return { id, created: true };
}

export async function renameTaskRun(db: DbOrTx, id: string, name: string | null | undefined, rename: boolean): Promise<boolean> {
  const set: PgUpdateSetSource<typeof taskRun> = { updated: sql`now()` };
  if (rename) set.name = name || randomRunName();
  const rows = await db.update(taskRun).set(set).where(eq(taskRun.id, id)).returning({ id: taskRun.id });
  return rows.length > 0;
}

export async function deleteTaskRun(db: DbOrTx, id: string): Promise<boolean> {
  const rows = await db.delete(taskRun).where(eq(taskRun.id, id)).returning({ id: taskRun.id });
  return rows.length > 0;
}

export interface TaskRunStateResult {
  status: 'ACCEPT' | 'REJECT' | 'ABORT';
  state: StateRow | null;
  details: { type: 'accept_details' } | { type: 'reject_details' | 'abort_details'; reason: string };
  /** Whether a new state row was written (201) or not (200). */
  wrote: boolean;
}

const currentState = alias(taskRunState, 'current_state');
const flowState = alias(flowRunState, 'flow_state');

/**
 * POST /task_runs/{id}/set_state: lock the run, load it, decide in memory, and at most two writes.
 * Writers of one task run queue on its row lock (the subflow parent sync of
 * flow-run-orchestration-store.ts takes the same lock). The load is a statement of its own after the
 * lock: under READ COMMITTED it then sees the state a writer ahead of us committed while we waited;
 * a load inside the locking statement would read the run's states from before the wait (the newest
 * row version of task_run itself, but a stale latest state), stamp ours at or before it, and break
 * the (task_run_id, timestamp) key: a 409.
 */
export async function setTaskRunState(tx: DbOrTx, id: string, input: StateCreate, force: boolean, now: Micros): Promise<TaskRunStateResult> {
  const [locked] = await tx.select({ id: taskRun.id }).from(taskRun).where(eq(taskRun.id, id)).for('no key update');
  if (!locked) throw objectNotFound(`Task run with id ${id} not found`);
  const [row] = await tx
    .select({
      run: taskRun,
      totalRunTimeUs: sql<string>`(extract(epoch from ${taskRun.totalRunTime}) * 1000000)::bigint`,
      latest: sql<string | null>`(select max(s.timestamp) from task_run_state s where s.task_run_id = ${taskRun.id})`,
      current: currentState,
      flowRunStateType: flowRun.stateType,
      flowRunRunCount: flowRun.runCount,
      flowStateDetails: flowState.stateDetails,
    })
    .from(taskRun)
    .leftJoin(currentState, eq(currentState.id, taskRun.stateId))
    .leftJoin(flowRun, eq(flowRun.id, taskRun.flowRunId))
    .leftJoin(flowState, eq(flowState.id, flowRun.stateId))
    .where(eq(taskRun.id, id));
  if (!row) throw objectNotFound(`Task run with id ${id} not found`);
  const r = row.run;
  const bookkeeping: TaskRunBookkeeping = {
    id: r.id,
    flowRunId: r.flowRunId,
    runCount: r.runCount,
    flowRunRunCount: r.flowRunRunCount,
    startTime: micros(r.startTime),
    endTime: micros(r.endTime),
    totalRunTime: Number(row.totalRunTimeUs),
    expectedStartTime: micros(r.expectedStartTime),
    nextScheduledStartTime: micros(r.nextScheduledStartTime),
  };
  const initial: TaskState | null = row.current
    ? {
        id: row.current.id,
        type: row.current.type,
        name: row.current.name,
        timestamp: micros(row.current.timestamp) as Micros,
        message: row.current.message,
        data: row.current.data,
        stateDetails: completeStateDetails(row.current.stateDetails),
      }
    : null;
  // States of one run never share a timestamp (a unique index), and a run's time never goes back:
  // step past its latest state (`now` was read before the lock wait, or another Worker's clock may lead).
  const latest = micros(row.latest);
  const at = latest !== null && latest >= now ? latest + 1 : now;
  const flowDetails = (row.flowStateDetails ?? {}) as Record<string, unknown>;
  const flow: EnclosingFlowRun | null =
    r.flowRunId === null
      ? null
      : {
          stateType: row.flowRunStateType ?? null,
          runCount: row.flowRunRunCount ?? 0,
          pauseTimeout: (flowDetails.pause_timeout as string | undefined) ?? null,
          pauseReschedule: flowDetails.pause_reschedule === true,
        };
  const decision = decideTaskRunTransition(bookkeeping, initial, buildProposedState(input, at), flow, {
    force,
    newStateId: () => uuid7(at),
  });
  const current = initial ? toStateRow(initial) : null;
  if (decision.status === 'ABORT') {
    return { status: 'ABORT', state: current, details: { type: 'abort_details', reason: decision.reason }, wrote: false };
  }
  if (decision.status === 'REJECT' && (decision.state === null || decision.run === null)) {
    return { status: 'REJECT', state: current, details: { type: 'reject_details', reason: decision.reason }, wrote: false };
  }
  const { state, run } = decision as { state: TaskState; run: TaskRunBookkeeping };
  await insertState(tx, id, state);
  await tx.update(taskRun).set({ ...stateColumns(run, state), updated: sql`now()` }).where(eq(taskRun.id, id));
  return {
    status: decision.status,
    state: toStateRow(state),
    details: decision.status === 'ACCEPT' ? { type: 'accept_details' } : { type: 'reject_details', reason: decision.reason },
    wrote: true,
  };
}
