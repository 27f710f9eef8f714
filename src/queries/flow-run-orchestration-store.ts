/**
 * Persistence for flow-run orchestration, built for many runs at once (spec §5.2, "our design"):
 *
 * 1. `lockRunsForOrchestration` locks the selected runs (ORDER BY id DESC … FOR UPDATE) and loads
 *    everything the rules read — current states, deployments, the leases the states name and the
 *    concurrency limits involved (both locked too, leases before limits) — in ONE statement.
 * 2. The engine runs for every run in memory.
 * 3. `applyOrchestration` writes the outcomes with a fixed number of statements, whatever the
 *    number of runs: one INSERT of states, one UPDATE of runs, three for parent task runs (lock,
 *    load, write; and two for legacy task-run retries: lock, write), one for slot counts, one for leases.
 *
 * The writes of step 3 whose results nothing reads are `deferred` (../db/pipeline.ts): they travel
 * together, with the next statement or just before COMMIT, so a request whose writes are all of that
 * kind costs three round trips (BEGIN + lock-and-load, the writes, COMMIT), whatever its number of
 * statements.
 *
 * Lock order everywhere: flow runs (id DESC), then leases (id), then limits (id), then subflows'
 * parent task runs (id); the lease reaper skips locked leases. That order keeps concurrent requests
 * free of deadlocks.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Tx } from '../db/client';
import { deferred } from '../db/pipeline';
import { ConcurrencyLedger, type ConcurrencyLimit, type Lease, type LeaseMetadata } from '../orchestration/concurrency';
import type { DeploymentSnapshot, ParentTaskSync, RunSnapshot } from '../orchestration/context';
import type { OrchestrationOutcome } from '../orchestration/engine';
import { stateFromRow, type StateRowJson } from '../orchestration/state-json';
import { isUnpersistedData, normalizePolicy, type OrchState, type StateType } from '../orchestration/states';
import { applyTaskRunTransforms } from '../orchestration/task-run-policy';
import { latestStateMicros, runTimesRecord, taskRunBookkeeping, taskRunBookkeepingColumns, type TaskRunBookkeepingRow } from './task-run-bookkeeping';
import { parseMicros, toPgTimestamp, type Micros } from '../time';
import { flowRunStateEvent } from '../events/flow-run-events';

export interface OrchestrationBatch {
  /** The database clock when the runs were locked. */
  now: Micros;
  /** The locked runs, id DESC. */
  runs: RunSnapshot[];
  /** Deployments by id; a run whose deployment_id is absent here names a deleted deployment. */
  deployments: Map<string, DeploymentSnapshot>;
  ledger: ConcurrencyLedger;
}

/** Which runs to lock: explicit ids, or a condition on `flow_run` with a limit (bulk endpoints). */
export type RunSelection = { ids: string[] } | { where: SQL | undefined; limit: number };

interface RunRowJson {
  id: string;
  state_id: string | null;
  run_count: number;
  start_time: string | null;
  end_time: string | null;
  total_run_time_us: number;
  expected_start_time: string | null;
  next_scheduled_start_time: string | null;
  empirical_policy: unknown;
  deployment_id: string | null;
  parent_task_run_id: string | null;
  infrastructure_pid: string | null;
}

interface LoadedJson {
  now: string;
  runs: RunRowJson[];
  states: (StateRowJson & { flow_run_id: string })[];
  recent: { flow_run_id: string; ts: string[] }[] | null;
  deps: { id: string; concurrency_limit_id: string | null; concurrency_options: DeploymentSnapshot['concurrencyOptions'] }[] | null;
  leases: LeaseRowJson[] | null;
  limits: LimitRowJson[] | null;
}

/** What `lockLeasesAndLimits` returns per lease and per limit (json_agg of its CTEs). */
export interface LeaseRowJson {
  id: string;
  resource_ids: string[];
  expiration: string;
  metadata: LeaseMetadata | null;
}
export interface LimitRowJson {
  id: string;
  limit: number;
  active_slots: number;
  active: boolean;
}

/** A state's `deployment_concurrency_lease_id` is only looked up when it is a UUID. */
export const LEASE_ID_PATTERN = sql.raw(`'^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'`);

/**
 * CTEs `leases` and `limits` (after the runs' lock, in this order, each by id): the leases with ids
 * `leaseIds` and the limits with ids `limitIds` or held by those leases, locked FOR UPDATE.
 */
export const lockLeasesAndLimits = (leaseIds: SQL, limitIds: SQL) => sql`
    leases AS (
      SELECT id, resource_ids, expiration, metadata FROM concurrency_lease
      WHERE id IN (${leaseIds})
      ORDER BY id FOR UPDATE),
    limits AS (
      SELECT id, "limit", active_slots, active FROM concurrency_limit_v2
      WHERE id IN (${limitIds} UNION ALL SELECT unnest(resource_ids) FROM leases)
      ORDER BY id FOR UPDATE)`;

/** The ledger of the limits and leases a lock statement loaded. */
export function ledgerFromRows(limits: LimitRowJson[] | null, leases: LeaseRowJson[] | null): ConcurrencyLedger {
  return new ConcurrencyLedger(
    (limits ?? []).map((l): ConcurrencyLimit => ({ id: l.id, limit: l.limit, activeSlots: l.active_slots, active: l.active })),
    (leases ?? []).map((l): Lease => ({ id: l.id, resourceIds: l.resource_ids, expiration: parseMicros(l.expiration)!, metadata: l.metadata })),
  );
}

const micros = (t: string | null): Micros | null => (t === null ? null : parseMicros(t));

/** The statement that locks the selected runs, id DESC, and returns `columns` of them. */
export function selectionSql(selection: RunSelection, columns: SQL = sql`*`): SQL {
  if ('ids' in selection) {
    return sql`SELECT ${columns} FROM flow_run WHERE id = ANY(${toUuidArray(selection.ids)}) ORDER BY id DESC FOR UPDATE`;
  }
  const where = selection.where ? sql`WHERE ${selection.where}` : sql``;
  return sql`SELECT ${columns} FROM flow_run ${where} ORDER BY id DESC LIMIT ${selection.limit} FOR UPDATE`;
}

const toUuidArray = (ids: string[]) => sql`${`{${ids.join(',')}}`}::uuid[]`;

async function load(tx: Tx, selection: RunSelection): Promise<LoadedJson> {
  // Scalar subqueries run left to right, so rows are locked runs → leases → limits.
  const result = await tx.execute(sql`
    WITH clock AS MATERIALIZED (SELECT clock_timestamp() AS now),
    locked AS (${selectionSql(selection)}),
    runs AS (
      SELECT id, state_id, run_count, start_time, end_time,
             (extract(epoch FROM total_run_time) * 1000000)::bigint AS total_run_time_us,
             expected_start_time, next_scheduled_start_time, empirical_policy, deployment_id,
             parent_task_run_id, infrastructure_pid
      FROM locked),
    states AS (
      SELECT s.id, s.flow_run_id, s.type, s.name, s.timestamp, s.message, s.data, s.state_details
      FROM flow_run_state s JOIN runs r ON s.id = r.state_id),
    recent AS (
      SELECT flow_run_id, array_agg(timestamp) AS ts FROM flow_run_state
      WHERE flow_run_id IN (SELECT id FROM runs) AND timestamp >= (SELECT now FROM clock)
      GROUP BY flow_run_id),
    deps AS (
      SELECT id, concurrency_limit_id, concurrency_options FROM deployment
      WHERE id IN (SELECT deployment_id FROM runs)),
    ${lockLeasesAndLimits(
      sql`SELECT (state_details->>'deployment_concurrency_lease_id')::uuid FROM states
        WHERE state_details->>'deployment_concurrency_lease_id' ~* ${LEASE_ID_PATTERN}`,
      sql`SELECT concurrency_limit_id FROM deps`,
    )}
    SELECT (SELECT now FROM clock)::text AS now,
           (SELECT coalesce(json_agg(r ORDER BY r.id DESC), '[]') FROM runs r) AS runs,
           (SELECT coalesce(json_agg(s), '[]') FROM states s) AS states,
           (SELECT json_agg(x) FROM recent x) AS recent,
           (SELECT json_agg(d) FROM deps d) AS deps,
           (SELECT json_agg(l) FROM leases l) AS leases,
           (SELECT json_agg(c) FROM limits c) AS limits`);
  return result.rows[0] as unknown as LoadedJson;
}

/**
 * Locks the selected runs and loads what orchestration reads. One statement; a second only when a
 * concurrent transaction committed a new state for a run while we waited for its lock (our
 * statement's snapshot predates that state, so it is loaded again now that the lock is held).
 */
export async function lockRunsForOrchestration(tx: Tx, selection: RunSelection): Promise<OrchestrationBatch> {
  let loaded = await load(tx, selection);
  const seen = new Set(loaded.states.map((s) => s.id));
  if (loaded.runs.some((r) => r.state_id !== null && !seen.has(r.state_id))) {
    loaded = await load(tx, { ids: loaded.runs.map((r) => r.id) });
  }
  const now = parseMicros(loaded.now)!;
  const states = new Map(loaded.states.map((s) => [s.flow_run_id, stateFromRow(s)]));
  const recent = new Map((loaded.recent ?? []).map((r) => [r.flow_run_id, r.ts.map((t) => parseMicros(t)!)]));
  const runs = loaded.runs.map(
    (r): RunSnapshot => ({
      id: r.id,
      runCount: r.run_count,
      startTime: micros(r.start_time),
      endTime: micros(r.end_time),
      totalRunTime: Number(r.total_run_time_us),
      expectedStartTime: micros(r.expected_start_time),
      nextScheduledStartTime: micros(r.next_scheduled_start_time),
      empiricalPolicy: normalizePolicy(r.empirical_policy),
      deploymentId: r.deployment_id,
      parentTaskRunId: r.parent_task_run_id,
      infrastructurePid: r.infrastructure_pid,
      state: states.get(r.id) ?? null,
      recentStateTimestamps: recent.get(r.id) ?? [],
    }),
  );
  const deployments = new Map(
    (loaded.deps ?? []).map((d): [string, DeploymentSnapshot] => [
      d.id,
      { id: d.id, concurrencyLimitId: d.concurrency_limit_id, concurrencyOptions: d.concurrency_options },
    ]),
  );
  return { now, runs, deployments, ledger: ledgerFromRows(loaded.limits, loaded.leases) };
}

/** The deployment argument the engine expects: undefined (none), null (deleted) or the snapshot. */
export const deploymentOf = (batch: OrchestrationBatch, run: RunSnapshot) =>
  run.deploymentId === null ? undefined : (batch.deployments.get(run.deploymentId) ?? null);

const ts = (us: Micros | null) => (us === null ? null : toPgTimestamp(us));
const json = (rows: unknown[]) => sql`${JSON.stringify(rows)}::jsonb`;

export function stateRecord(runId: string, s: OrchState) {
  return {
    id: s.id,
    owner_id: runId,
    type: s.type,
    timestamp: toPgTimestamp(s.timestamp),
    name: s.name,
    message: s.message,
    state_details: s.stateDetails,
    // Unpersisted result placeholders are echoed in the response but never stored (§1.5).
    data: isUnpersistedData(s.data) ? null : s.data,
  };
}

/**
 * The `event` rows for the states in CTE `v`: Prefect's resource for the run, and its related resources
 * (flow, deployment, work queue, work pool, parent task run, then the tags of all of them, then the
 * deployment or automation that created it).
 */
const flowRunEventsInsert = sql`
  INSERT INTO event (id, occurred, event, resource_id, resource, related_resource_ids, related, payload, received, recorded, follows)
  SELECT b.id, b.occurred, b.event, b.resource->>'prefect.resource.id', b.resource,
    coalesce((SELECT jsonb_agg(x->>'prefect.resource.id') FROM jsonb_array_elements(b.related) x), '[]'::jsonb),
    b.related, b.payload, clock_timestamp(), clock_timestamp(), b.follows
  FROM (
    SELECT v.id, v.timestamp AS occurred, v.ev->>'event' AS event,
      jsonb_build_object(
        'prefect.resource.id', 'prefect.flow-run.' || fr.id, 'prefect.resource.name', fr.name,
        'prefect.run-count', v.ev->>'run_count', 'prefect.state-message', v.ev->>'state_message',
        'prefect.state-name', v.ev->>'state_name', 'prefect.state-timestamp', v.ev->>'state_timestamp',
        'prefect.state-type', v.ev->>'state_type') AS resource,
      coalesce((
        SELECT jsonb_agg(r.x ORDER BY r.ord, r.tag COLLATE "C") FROM (
          SELECT 1 AS ord, NULL::text AS tag, jsonb_build_object('prefect.resource.id', 'prefect.flow.' || f.id,
            'prefect.resource.role', 'flow', 'prefect.resource.name', f.name) AS x WHERE f.id IS NOT NULL
          UNION ALL SELECT 2, NULL, jsonb_build_object('prefect.resource.id', 'prefect.deployment.' || d.id,
            'prefect.resource.role', 'deployment', 'prefect.resource.name', d.name) WHERE d.id IS NOT NULL
          UNION ALL SELECT 3, NULL, jsonb_build_object('prefect.resource.id', 'prefect.work-queue.' || wq.id,
            'prefect.resource.role', 'work-queue', 'prefect.resource.name', wq.name) WHERE wq.id IS NOT NULL
          UNION ALL SELECT 4, NULL, jsonb_build_object('prefect.resource.id', 'prefect.work-pool.' || wp.id,
            'prefect.resource.role', 'work-pool', 'prefect.resource.name', wp.name, 'prefect.work-pool.type', wp.type) WHERE wp.id IS NOT NULL
          UNION ALL SELECT 5, NULL, jsonb_build_object('prefect.resource.id', 'prefect.task-run.' || ptr.id,
            'prefect.resource.role', 'task-run', 'prefect.resource.name', ptr.name) WHERE ptr.id IS NOT NULL
          UNION ALL SELECT 6, t.tag, jsonb_build_object('prefect.resource.id', 'prefect.tag.' || t.tag, 'prefect.resource.role', 'tag')
            FROM (SELECT DISTINCT jsonb_array_elements_text(s.tags) AS tag
                  FROM (VALUES (fr.tags), (f.tags), (d.tags), (ptr.tags)) AS s(tags) WHERE jsonb_typeof(s.tags) = 'array') t
          UNION ALL SELECT 7, NULL, jsonb_strip_nulls(jsonb_build_object(
              'prefect.resource.id', CASE fr.created_by->>'type' WHEN 'DEPLOYMENT' THEN 'prefect.deployment.' ELSE 'prefect.automation.' END
                || (fr.created_by->>'id'),
              'prefect.resource.role', 'creator', 'prefect.resource.name', nullif(fr.created_by->>'display_value', '')))
            WHERE fr.created_by->>'type' IN ('DEPLOYMENT', 'AUTOMATION')
        ) r), '[]'::jsonb) AS related,
      v.ev->'payload' AS payload, (v.ev->>'follows')::uuid AS follows
    FROM v JOIN flow_run fr ON fr.id = v.owner_id
    LEFT JOIN flow f ON f.id = fr.flow_id
    LEFT JOIN deployment d ON d.id = fr.deployment_id
    LEFT JOIN work_queue wq ON wq.id = fr.work_queue_id
    LEFT JOIN work_pool wp ON wp.id = wq.work_pool_id
    LEFT JOIN task_run ptr ON ptr.id = fr.parent_task_run_id
  ) b
  ORDER BY b.id
  ON CONFLICT (id) DO NOTHING
  RETURNING id, occurred, resource, related`;

/** One `event_resource` row per resource of each event just inserted (in CTE `events`). */
const eventResourcesInsert = sql`
  INSERT INTO event_resource (occurred, resource_id, resource_role, resource, event_id)
  SELECT e.occurred, r.x->>'prefect.resource.id', coalesce(r.x->>'prefect.resource.role', ''),
    r.x - 'prefect.resource.id' - 'prefect.resource.role', e.id
  FROM events e CROSS JOIN LATERAL jsonb_array_elements(jsonb_build_array(e.resource) || e.related) AS r(x)`;

/**
 * Writes every outcome of a batch: a fixed number of statements for any number of runs. The new
 * states (with their events) and the runs' new columns go in one statement, as data-modifying CTEs:
 * one round trip less per request, and foreign keys are checked at the end of the statement, when
 * both are there.
 */
export async function applyOrchestration(tx: Tx, batch: OrchestrationBatch, outcomes: OrchestrationOutcome[]): Promise<void> {
  const written = outcomes.filter((o) => o.wrote && o.state && !o.error);
  let stateCtes: SQL | null = null;
  if (written.length > 0) {
    const initialStates = new Map(batch.runs.map((r) => [r.id, r.state]));
    const rows = written.map((o) => ({
      ...stateRecord(o.run.id, o.state!),
      ev: flowRunStateEvent(initialStates.get(o.run.id) ?? null, o.state!, o.run.runCount),
    }));
    // The states, and their `prefect.flow-run.<State>` events with their resources.
    stateCtes = sql`
      v AS (
        SELECT * FROM jsonb_to_recordset(${json(rows)})
          AS v(id uuid, owner_id uuid, type state_type, timestamp timestamptz, name text, message text, state_details jsonb, data jsonb, ev jsonb)
      ), states AS (
        INSERT INTO flow_run_state (id, flow_run_id, type, timestamp, name, message, state_details, data)
        SELECT id, owner_id, type, timestamp, name, message, state_details, data FROM v
        RETURNING 1
      ), events AS (
        ${flowRunEventsInsert}
      )`;
  }

  const changedRuns = outcomes.filter((o) => o.runChanged && !o.error).map((o) => o.run);
  if (changedRuns.length > 0) {
    const rows = changedRuns.map((r) => ({
      id: r.id,
      state_id: r.state?.id ?? null,
      state_type: r.state?.type ?? null,
      state_name: r.state?.name ?? null,
      state_timestamp: ts(r.state?.timestamp ?? null),
      ...runTimesRecord(r),
      empirical_policy: r.empiricalPolicy,
    }));
    // The event builder above reads flow_run too: in one statement it sees the rows as they were
    // before this UPDATE (one snapshot), as it did when it ran first.
    await tx.execute(deferred(sql`
      ${stateCtes ? sql`WITH ${stateCtes}, resources AS (${eventResourcesInsert})` : sql``}
      UPDATE flow_run fr SET
        state_id = r.state_id, state_type = r.state_type, state_name = r.state_name,
        state_timestamp = r.state_timestamp, run_count = r.run_count, start_time = r.start_time,
        end_time = r.end_time, total_run_time = r.total_run_time_us * interval '1 microsecond',
        expected_start_time = r.expected_start_time, next_scheduled_start_time = r.next_scheduled_start_time,
        empirical_policy = r.empirical_policy, updated = clock_timestamp()
      FROM jsonb_to_recordset(${json(rows)}) AS r(
        id uuid, state_id uuid, state_type state_type, state_name text, state_timestamp timestamptz,
        run_count int, start_time timestamptz, end_time timestamptz, total_run_time_us bigint,
        expected_start_time timestamptz, next_scheduled_start_time timestamptz, empirical_policy jsonb)
      WHERE fr.id = r.id`));
  } else if (stateCtes) {
    await tx.execute(deferred(sql`WITH ${stateCtes} ${eventResourcesInsert}`));
  }

  const syncs = outcomes.filter((o) => o.parentTaskSync && !o.error).map((o) => o.parentTaskSync!);
  if (syncs.length > 0) await syncParentTaskRuns(tx, syncs);

  const retrying = outcomes.filter((o) => o.retryFailedTaskRuns && !o.error).map((o) => o.run.id);
  if (retrying.length > 0) await retryFailedTaskRuns(tx, retrying, batch.now);

  await applyConcurrencyChanges(tx, batch.ledger);
}

interface ParentTaskRowJson extends TaskRunBookkeepingRow {
  state_type: StateType | null;
  state_timestamp: string | null;
}

/**
 * Forces each subflow's new state onto its parent task run (global transform #11), with the task-run
 * transforms of ../orchestration/task-run-policy.ts (the same ones POST /task_runs/{id}/set_state
 * applies). Three statements for any number of parents: lock them, load them, write states and runs.
 */
async function syncParentTaskRuns(tx: Tx, syncs: ParentTaskSync[]): Promise<void> {
  // One state per parent: when several subflows of a batch share a parent (create_flow_run/bulk items
  // naming the same parent_task_run_id), the last one wins, as if they had been sent one by one; two
  // states of one task at one timestamp would break the (task_run_id, timestamp) key.
  const proposed = new Map(syncs.map((s) => [s.taskRunId, s.state]));
  // Locked in id order, in a statement of their own: concurrent requests for the same parent queue
  // here instead of deadlocking. The load below is a new statement, so (READ COMMITTED) its snapshot
  // includes the state the other request committed, and our timestamp lands after it; a load inside
  // the locking statement would still read the states from before the wait.
  const ids = toUuidArray([...proposed.keys()]);
  await tx.execute(sql`SELECT id FROM task_run WHERE id = ANY(${ids}) ORDER BY id FOR NO KEY UPDATE`);
  const loaded = await tx.execute(sql`
    SELECT ${taskRunBookkeepingColumns('task_run')}, state_type, state_timestamp::text
    FROM task_run WHERE id = ANY(${ids})`);
  const written = (loaded.rows as unknown as ParentTaskRowJson[]).map((row) => {
    const before = taskRunBookkeeping(row);
    const initial = row.state_type === null ? null : ({ type: row.state_type, timestamp: micros(row.state_timestamp)! } as OrchState);
    const state = proposed.get(row.id)!;
    // The mirrored state is a copy made after the subflow's (Prefect stamps it anew), and a task's
    // states are unique per timestamp: one microsecond later, and past its latest state if needed.
    const latest = latestStateMicros(row);
    const timestamp = Math.max(state.timestamp + 1, latest !== null ? latest + 1 : 0);
    return applyTaskRunTransforms(before, initial, { ...state, timestamp });
  });
  if (written.length === 0) return;
  const rows = written.map(({ run, state }) => ({
    ...stateRecord(run.id, state),
    ...runTimesRecord(run),
  }));
  await tx.execute(sql`
    WITH v AS (
      SELECT * FROM jsonb_to_recordset(${json(rows)}) AS v(
        id uuid, owner_id uuid, type state_type, timestamp timestamptz, name text, message text, state_details jsonb, data jsonb,
        run_count int, start_time timestamptz, end_time timestamptz, total_run_time_us bigint,
        expected_start_time timestamptz, next_scheduled_start_time timestamptz)),
    ins AS (
      INSERT INTO task_run_state (id, task_run_id, type, timestamp, name, message, state_details, data)
      SELECT id, owner_id, type, timestamp, name, message, state_details, data FROM v)
    UPDATE task_run tr SET
      state_id = v.id, state_type = v.type, state_name = v.name, state_timestamp = v.timestamp,
      run_count = v.run_count, start_time = v.start_time, end_time = v.end_time,
      total_run_time = v.total_run_time_us * interval '1 microsecond',
      expected_start_time = v.expected_start_time, next_scheduled_start_time = v.next_scheduled_start_time,
      updated = clock_timestamp()
    FROM v WHERE tr.id = v.owner_id`);
}

/**
 * Legacy automatic retries (API < 0.8.3, spec §3.2 #15): every FAILED task run of the retried flow
 * runs is forced to AwaitingRetry (scheduled now) with its run_count reset to 0.
 */
async function retryFailedTaskRuns(tx: Tx, flowRunIds: string[], now: Micros): Promise<void> {
  // Locked in a statement of their own, as in syncParentTaskRuns: the write below then reads the
  // latest states committed by writers we waited for, and stamps AwaitingRetry after them.
  const locked = await tx.execute(sql`
    SELECT id FROM task_run WHERE flow_run_id = ANY(${toUuidArray(flowRunIds)}) AND state_type = 'FAILED' ORDER BY id FOR NO KEY UPDATE`);
  if (locked.rows.length === 0) return;
  await tx.execute(sql`
    WITH t AS (
      SELECT f.id, f.flow_run_id, gen_random_uuid() AS state_id,
             GREATEST(${toPgTimestamp(now)}::timestamptz,
                      (SELECT max(s.timestamp) + interval '1 microsecond' FROM task_run_state s WHERE s.task_run_id = f.id)) AS ts
      FROM task_run f WHERE f.id = ANY(${toUuidArray((locked.rows as { id: string }[]).map((r) => r.id))}) AND f.state_type = 'FAILED'),
    ins AS (
      INSERT INTO task_run_state (id, task_run_id, type, timestamp, name, state_details)
      SELECT state_id, id, 'SCHEDULED', ts, 'AwaitingRetry',
             jsonb_build_object('flow_run_id', flow_run_id, 'task_run_id', id,
                                'scheduled_time', to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
      FROM t)
    UPDATE task_run tr SET
      state_id = t.state_id, state_type = 'SCHEDULED', state_name = 'AwaitingRetry', state_timestamp = t.ts,
      run_count = 0, end_time = NULL, next_scheduled_start_time = t.ts,
      expected_start_time = coalesce(tr.expected_start_time, t.ts), updated = clock_timestamp()
    FROM t WHERE tr.id = t.id`);
}

/** Slot counts (absolute: the rows are locked) and lease creations, renewals and revocations. */
export async function applyConcurrencyChanges(tx: Tx, ledger: ConcurrencyLedger): Promise<void> {
  const changes = ledger.changes();
  if (changes.slots.length > 0) {
    await tx.execute(deferred(sql`
      UPDATE concurrency_limit_v2 c SET active_slots = v.active_slots, updated = clock_timestamp()
      FROM jsonb_to_recordset(${json(changes.slots.map((s) => ({ id: s.id, active_slots: s.activeSlots })))}) AS v(id uuid, active_slots int)
      WHERE c.id = v.id`));
  }
  const leaseRow = (l: Lease) => ({ id: l.id, resource_ids: l.resourceIds, expiration: toPgTimestamp(l.expiration), metadata: l.metadata });
  const { createdLeases, renewedLeases, revokedLeaseIds } = changes;
  if (createdLeases.length + renewedLeases.length + revokedLeaseIds.length === 0) return;
  await tx.execute(deferred(sql`
    WITH created AS (
      INSERT INTO concurrency_lease (id, resource_ids, expiration, metadata)
      SELECT id, resource_ids, expiration, metadata
      FROM jsonb_to_recordset(${json(createdLeases.map(leaseRow))}) AS v(id uuid, resource_ids uuid[], expiration timestamptz, metadata jsonb)
      RETURNING 1),
    renewed AS (
      UPDATE concurrency_lease l SET expiration = v.expiration
      FROM jsonb_to_recordset(${json(renewedLeases.map(leaseRow))}) AS v(id uuid, expiration timestamptz)
      WHERE l.id = v.id RETURNING 1),
    revoked AS (DELETE FROM concurrency_lease WHERE id = ANY(${toUuidArray(revokedLeaseIds)}) RETURNING 1)
    SELECT (SELECT count(*) FROM created), (SELECT count(*) FROM renewed), (SELECT count(*) FROM revoked)`));
}
