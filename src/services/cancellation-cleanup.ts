/**
 * Cancellation cleanup (Prefect's services/cancellation_cleanup.py), three sweeps:
 *
 * 1. the CANCELLING timeout: runs CANCELLING for longer than
 *    `PREFECT_SERVER_SERVICES_CANCELLATION_CLEANUP_CANCELLING_TIMEOUT_SECONDS` (300) become
 *    CANCELLED through the core policy;
 * 2. child task runs: non-terminal task runs of flow runs cancelled within the last day are forced
 *    to CANCELLED ("The parent flow run was cancelled.");
 * 3. subflows: non-final subflow runs whose parent task run's flow run is CANCELLED become
 *    CANCELLING (deployment runs, so their worker can stop them) or CANCELLED (others).
 *
 * Each sweep: one statement locks and loads a bounded batch, decisions are pure functions over the
 * loaded rows, and the writes are a fixed number of statements.
 */
import { sql } from 'drizzle-orm';
import type { Tx } from '../db/client';
import type { RunSnapshot } from '../orchestration/context';
import { uuid7 } from '../orchestration/ids';
import { completeStateDetails, type OrchState, type StateType } from '../orchestration/states';
import { decideTaskRunTransition, type EnclosingFlowRun, type TaskRunBookkeeping, type TaskState } from '../orchestration/task-run-policy';
import { latestStateMicros, runTimesRecord, taskRunBookkeeping, taskRunBookkeepingColumns, type TaskRunBookkeepingRow } from '../queries/task-run-bookkeeping';
import { orchestrateFlowRuns, orchestrationSettings } from '../queries/flow-run-orchestration';
import { buildProposedState } from '../schemas/states';
import { parseMicros, toPgTimestamp, type Micros } from '../time';
import type { ServiceContext } from './context';

export const CANCELLING_TIMEOUT_MESSAGE = 'Flow run cancellation timed out; marked this flow run as Cancelled.';
export const PARENT_CANCELLED_MESSAGE = 'The parent flow run was cancelled.';
const NON_TERMINAL: StateType[] = ['SCHEDULED', 'PENDING', 'RUNNING', 'PAUSED', 'CANCELLING'];

const request = (ctx: ServiceContext, force: boolean) => ({
  force,
  apiVersion: null,
  clientVersion: null,
  settings: orchestrationSettings(ctx.env),
});

/**
 * CANCELLED for a run still CANCELLING, else null. Pure. (The load selects runs whose
 * `flow_run.state_timestamp` is past the deadline, re-checked under the row lock, as Prefect reads it.)
 */
export function cancellingTimeoutProposal(run: RunSnapshot, now: Micros): OrchState | null {
  if (run.state?.type !== 'CANCELLING') return null;
  return buildProposedState({ type: 'CANCELLED', message: CANCELLING_TIMEOUT_MESSAGE }, now);
}

export async function cancelTimedOutCancellations(ctx: ServiceContext): Promise<number> {
  const { cancellingTimeoutSeconds, batchSize } = ctx.settings.cancellationCleanup;
  const deadline = ctx.now - cancellingTimeoutSeconds * 1_000_000;
  const { results } = await ctx.db.transaction((tx) =>
    orchestrateFlowRuns(
      tx,
      { where: sql`state_type = 'CANCELLING' AND state_timestamp < ${toPgTimestamp(deadline)}::timestamptz`, limit: batchSize },
      cancellingTimeoutProposal,
      request(ctx, false),
    ),
  );
  return results.filter((r) => r.outcome?.wrote).length;
}

/**
 * The state for a subflow whose parent flow run was cancelled (Prefect's `cancel_subflow_run`):
 * CANCELLING for a deployment's run (not already CANCELLING), CANCELLED for others. Pure.
 */
export function orphanedSubflowProposal(run: RunSnapshot, now: Micros): OrchState | null {
  const type = run.state?.type;
  if (!type || !NON_TERMINAL.includes(type)) return null;
  if (run.deploymentId && type === 'CANCELLING') return null;
  return buildProposedState({ type: run.deploymentId ? 'CANCELLING' : 'CANCELLED', message: PARENT_CANCELLED_MESSAGE }, now);
}

export async function cancelOrphanedSubflows(ctx: ServiceContext): Promise<number> {
  const { results } = await ctx.db.transaction((tx) =>
    orchestrateFlowRuns(
      tx,
      {
        where: sql`state_type IN ('PENDING', 'SCHEDULED', 'RUNNING', 'PAUSED', 'CANCELLING')
          AND parent_task_run_id IS NOT NULL
          AND NOT (deployment_id IS NOT NULL AND state_type = 'CANCELLING')
          AND EXISTS (
            SELECT 1 FROM task_run t WHERE t.id = flow_run.parent_task_run_id AND t.flow_run_id IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM flow_run p WHERE p.id = t.flow_run_id
                                AND p.state_type IS NOT NULL AND p.state_type <> 'CANCELLED'))`,
        limit: ctx.settings.cancellationCleanup.batchSize,
      },
      orphanedSubflowProposal,
      request(ctx, false),
    ),
  );
  return results.filter((r) => r.outcome?.wrote).length;
}

interface ChildTaskRunRow extends TaskRunBookkeepingRow {
  state: { id: string; type: StateType; name: string; timestamp: string; message: string | null; data: unknown; state_details: Record<string, unknown> } | null;
  flow_state_type: StateType | null;
  flow_run_count: number | null;
  flow_state_details: Record<string, unknown> | null;
}

export interface TaskRunWrite {
  run: TaskRunBookkeeping;
  state: TaskState;
}

/** Forced CANCELLED states for the loaded child task runs, through the task-run policy. Pure. */
export function childTaskRunCancellations(rows: ChildTaskRunRow[], now: Micros): TaskRunWrite[] {
  const writes: TaskRunWrite[] = [];
  for (const r of rows) {
    const latest = latestStateMicros(r);
    const at = latest !== null && latest >= now ? latest + 1 : now;
    const run = taskRunBookkeeping(r);
    const initial: TaskState | null = r.state
      ? {
          id: r.state.id,
          type: r.state.type,
          name: r.state.name,
          timestamp: parseMicros(r.state.timestamp)!,
          message: r.state.message,
          data: r.state.data,
          stateDetails: completeStateDetails(r.state.state_details),
        }
      : null;
    const details = r.flow_state_details ?? {};
    const flow: EnclosingFlowRun | null = r.flow_run_id
      ? {
          stateType: r.flow_state_type,
          runCount: r.flow_run_count ?? 0,
          pauseTimeout: (details.pause_timeout as string | undefined) ?? null,
          pauseReschedule: details.pause_reschedule === true,
        }
      : null;
    const decision = decideTaskRunTransition(run, initial, buildProposedState({ type: 'CANCELLED', message: PARENT_CANCELLED_MESSAGE }, at), flow, {
      force: true,
      newStateId: () => uuid7(at),
    });
    if (decision.status === 'ACCEPT') writes.push({ run: decision.run, state: decision.state });
  }
  return writes;
}

async function writeTaskRunStates(tx: Tx, writes: TaskRunWrite[]): Promise<void> {
  const states = writes.map((w) => ({
    id: w.state.id,
    task_run_id: w.run.id,
    type: w.state.type,
    timestamp: toPgTimestamp(w.state.timestamp),
    name: w.state.name,
    message: w.state.message,
    state_details: w.state.stateDetails,
  }));
  await tx.execute(sql`
    INSERT INTO task_run_state (id, task_run_id, type, timestamp, name, message, state_details)
    SELECT id, task_run_id, type, timestamp, name, message, state_details
    FROM jsonb_to_recordset(${JSON.stringify(states)}::jsonb)
      AS v(id uuid, task_run_id uuid, type state_type, timestamp timestamptz, name text, message text, state_details jsonb)`);
  const runs = writes.map((w) => ({
    id: w.run.id,
    state_id: w.state.id,
    state_type: w.state.type,
    state_name: w.state.name,
    state_timestamp: toPgTimestamp(w.state.timestamp),
    ...runTimesRecord(w.run),
    flow_run_run_count: w.run.flowRunRunCount,
  }));
  await tx.execute(sql`
    UPDATE task_run t SET state_id = v.state_id, state_type = v.state_type, state_name = v.state_name,
      state_timestamp = v.state_timestamp, run_count = v.run_count, flow_run_run_count = v.flow_run_run_count,
      start_time = v.start_time, end_time = v.end_time, total_run_time = v.total_run_time_us * interval '1 microsecond',
      expected_start_time = v.expected_start_time, next_scheduled_start_time = v.next_scheduled_start_time, updated = now()
    FROM jsonb_to_recordset(${JSON.stringify(runs)}::jsonb) AS v(id uuid, state_id uuid, state_type state_type, state_name text,
      state_timestamp timestamptz, run_count int, flow_run_run_count int, start_time timestamptz, end_time timestamptz,
      total_run_time_us bigint, expected_start_time timestamptz, next_scheduled_start_time timestamptz)
    WHERE t.id = v.id`);
}

export async function cancelChildTaskRuns(ctx: ServiceContext): Promise<number> {
  const since = ctx.now - 86_400_000_000;
  return ctx.db.transaction(async (tx) => {
    const loaded = await tx.execute(sql`
      WITH locked AS (
        SELECT t.* FROM task_run t
        WHERE t.state_type IN ('SCHEDULED', 'PENDING', 'RUNNING', 'PAUSED', 'CANCELLING')
          AND t.flow_run_id IN (SELECT id FROM flow_run WHERE state_type = 'CANCELLED' AND end_time IS NOT NULL
                                  AND end_time >= ${toPgTimestamp(since)}::timestamptz)
        ORDER BY t.id LIMIT ${ctx.settings.cancellationCleanup.batchSize} FOR UPDATE OF t SKIP LOCKED)
      SELECT ${taskRunBookkeepingColumns('l')},
             (SELECT json_build_object('id', s.id, 'type', s.type, 'name', s.name, 'timestamp', s.timestamp::text,
                                       'message', s.message, 'data', s.data, 'state_details', s.state_details)
              FROM task_run_state s WHERE s.id = l.state_id) AS state,
             f.state_type AS flow_state_type, f.run_count AS flow_run_count, fs.state_details AS flow_state_details
      FROM locked l LEFT JOIN flow_run f ON f.id = l.flow_run_id LEFT JOIN flow_run_state fs ON fs.id = f.state_id
      ORDER BY l.id`);
    const writes = childTaskRunCancellations(loaded.rows as unknown as ChildTaskRunRow[], ctx.now);
    if (writes.length > 0) await writeTaskRunStates(tx, writes);
    return writes.length;
  });
}

export async function runCancellationCleanup(ctx: ServiceContext): Promise<{ timedOut: number; taskRuns: number; subflows: number }> {
  const timedOut = await cancelTimedOutCancellations(ctx);
  const taskRuns = await cancelChildTaskRuns(ctx);
  const subflows = await cancelOrphanedSubflows(ctx);
  return { timedOut, taskRuns, subflows };
}
