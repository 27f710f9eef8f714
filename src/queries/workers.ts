/**
 * The worker protocol's reads and writes: heartbeats, the worker list of a pool, and the polls for
 * scheduled runs (by pool, by deployment, by legacy queue id). Every request runs a fixed number of
 * statements, however many queues, deployments or runs it touches.
 */
import { and, asc, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { deployment, flowRun, worker } from '../db/schema';
import { notFound } from '../http/errors';
import { formatTimestamp, nowMicros, parseMicros } from '../time';
import type { WorkerFilter } from '../schemas/actions/workers';
import { after, before, combine, notAnyOf, anyOf, when } from './filter-sql/criteria';
import { readFlowRuns, type FlowRunResponse } from './read-models';
import { poolNotFound } from './work-pools';
import { insertEventResources, insertEvents, poolFollows, readyEventsOfPoll, sqlUuid7, workPoolStatusEventRows } from '../events/status-events';

/** Prefect's defaults for a worker's liveness: offline after 3 missed heartbeats of 30 s (or its own interval). */
const DEFAULT_HEARTBEAT_INTERVAL_SECONDS = 30;
const INACTIVITY_HEARTBEAT_MULTIPLE = 3;

/** Validated UUIDs as one Postgres uuid[] parameter. */
const pgUuidArray = (ids: readonly string[]) => sql`${`{${ids.join(',')}}`}::uuid[]`;

/**
 * Records a heartbeat in one statement: upserts the worker (ONLINE, now, and the interval when sent)
 * and turns a NOT_READY pool READY, recording the transition and emitting `prefect.work-pool.ready`.
 * Null when the pool does not exist.
 */
export async function recordWorkerHeartbeat(
  db: DbOrTx,
  poolName: string,
  workerName: string,
  intervalSeconds: number | null | undefined,
): Promise<string | null> {
  const interval = intervalSeconds ?? null;
  const result = await db.execute(sql`
    with pool as (select id, last_status_event_id, last_transitioned_status_at from work_pool where name = ${poolName}),
    upserted as (
      insert into worker (work_pool_id, name, last_heartbeat_time, status, heartbeat_interval_seconds)
      select pool.id, ${workerName}, now(), 'ONLINE', ${interval}::int from pool
      on conflict (work_pool_id, name) do update set
        last_heartbeat_time = excluded.last_heartbeat_time,
        status = 'ONLINE',
        heartbeat_interval_seconds = coalesce(excluded.heartbeat_interval_seconds, worker.heartbeat_interval_seconds)
      -- updated is left alone, as in Prefect: a heartbeat is not an update of the worker.
    ),
    ready as (
      update work_pool p set status = 'READY', last_transitioned_status_at = now(),
        last_status_event_id = ${sqlUuid7}, updated = now()
      -- The row's own status (re-read after any concurrent pause commits), not the snapshot's.
      from pool where p.id = pool.id and p.status = 'NOT_READY'
      returning p.id, p.name, p.type, p.status, p.last_status_event_id as event_id, p.last_transitioned_status_at as occurred,
        ${poolFollows(sql`pool.last_status_event_id`, sql`pool.last_transitioned_status_at`)} as follows
    ),
    events as (${insertEvents(workPoolStatusEventRows(sql`ready`))}),
    event_resources as (${insertEventResources})
    select pool.id from pool`);
  const row = result.rows[0] as { id: string } | undefined;
  return row?.id ?? null;
}

export interface WorkerResponse {
  id: string;
  created: string;
  updated: string;
  name: string;
  work_pool_id: string;
  last_heartbeat_time: string | null;
  heartbeat_interval_seconds: number | null;
  status: 'ONLINE' | 'OFFLINE';
}

type WorkerRow = typeof worker.$inferSelect;

/** Prefect derives a listed worker's status from its last heartbeat, not from the stored column. */
function toWorkerResponse(w: WorkerRow, now: number): WorkerResponse {
  const lastBeat = formatTimestamp(w.lastHeartbeatTime);
  const horizon = now - (w.heartbeatIntervalSeconds || DEFAULT_HEARTBEAT_INTERVAL_SECONDS) * INACTIVITY_HEARTBEAT_MULTIPLE * 1_000_000;
  const beatAt = lastBeat === null ? null : parseMicros(lastBeat);
  return {
    id: w.id,
    created: formatTimestamp(w.created) as string,
    updated: formatTimestamp(w.updated) as string,
    name: w.name,
    work_pool_id: w.workPoolId,
    last_heartbeat_time: lastBeat,
    heartbeat_interval_seconds: w.heartbeatIntervalSeconds,
    status: beatAt !== null && beatAt > horizon ? 'ONLINE' : 'OFFLINE',
  };
}

function workerFilterSql(f: WorkerFilter): SQL {
  return combine(
    [
      when(f.last_heartbeat_time, (x) => combine([before(worker.lastHeartbeatTime, x.before_), after(worker.lastHeartbeatTime, x.after_)])),
      when(f.status, (x) => combine([anyOf(worker.status, x.any_), notAnyOf(worker.status, x.not_any_)])),
    ],
    f.operator,
  );
}

/**
 * The workers of a pool, latest heartbeat first, in one statement (the pool is looked up in it);
 * null when the pool does not exist.
 */
export async function readPoolWorkers(
  db: DbOrTx,
  poolName: string,
  filter: WorkerFilter | null | undefined,
  limit: number,
  offset: number,
): Promise<WorkerResponse[] | null> {
  const poolId = sql`(select id from work_pool where name = ${poolName})`;
  // A left join from the pool keeps one row when the pool exists but nothing matches.
  const matching = db
    .select()
    .from(worker)
    .where(and(sql`${worker.workPoolId} = ${poolId}`, filter ? workerFilterSql(filter) : undefined))
    .orderBy(desc(worker.lastHeartbeatTime), asc(worker.id))
    .limit(limit)
    .offset(offset)
    .as('w');
  const rows = await db.execute(sql`
    select p.id as pool_id, to_jsonb(w.*) as w
    from work_pool p left join ${matching} on true
    where p.name = ${poolName}
    order by w.last_heartbeat_time desc, w.id`);
  if (rows.rows.length === 0) return null;
  const now = nowMicros();
  return (rows.rows as { w: Record<string, unknown> | null }[])
    .filter((r) => r.w !== null)
    .map((r) => toWorkerResponse(workerFromJson(r.w as Record<string, unknown>), now));
}

/** A worker row from `to_jsonb(worker.*)` (snake_case keys, timestamps as ISO text). */
function workerFromJson(j: Record<string, unknown>): WorkerRow {
  return {
    id: j.id as string,
    created: j.created as string,
    updated: j.updated as string,
    workPoolId: j.work_pool_id as string,
    name: j.name as string,
    lastHeartbeatTime: j.last_heartbeat_time as string,
    heartbeatIntervalSeconds: (j.heartbeat_interval_seconds as number | null) ?? null,
    status: j.status as WorkerRow['status'],
  } as WorkerRow;
}

/** Deletes a pool's worker in one statement: 'deleted', 'no_worker' or 'no_pool'. */
export async function deletePoolWorker(db: DbOrTx, poolName: string, workerName: string): Promise<'deleted' | 'no_worker' | 'no_pool'> {
  const result = await db.execute(sql`
    with pool as (select id, last_status_event_id, last_transitioned_status_at from work_pool where name = ${poolName}),
    gone as (delete from worker w using pool where w.work_pool_id = pool.id and w.name = ${workerName} returning w.id)
    select (select count(*)::int from pool) as pools, (select count(*)::int from gone) as deleted`);
  const row = result.rows[0] as { pools: number; deleted: number };
  if (row.pools === 0) return 'no_pool';
  return row.deleted > 0 ? 'deleted' : 'no_worker';
}

export interface PollWindow {
  scheduledBefore?: string | null | undefined;
  scheduledAfter?: string | null | undefined;
  limit: number;
}

export interface WorkerFlowRunResponse {
  work_pool_id: string;
  work_queue_id: string;
  flow_run: Omit<FlowRunResponse, 'work_pool_id' | 'work_pool_name'>;
}

/**
 * The pool and the ids of the named queues, in one statement. Throws Prefect's 404s: the pool, then
 * the first name (in the order sent) that the pool has no queue of.
 */
async function resolvePoolQueues(db: DbOrTx, poolName: string, queueNames: readonly string[]): Promise<{ poolId: string; queueIds: string[] }> {
  const result = await db.execute(sql`
    select p.id as pool_id, (
      select coalesce(jsonb_agg(jsonb_build_object('name', n.name, 'id', q.id) order by n.ord), '[]'::jsonb)
      from jsonb_array_elements_text(${JSON.stringify(queueNames)}::jsonb) with ordinality as n(name, ord)
      left join work_queue q on q.work_pool_id = p.id and q.name = n.name
    ) as queues
    from work_pool p where p.name = ${poolName}`);
  const row = result.rows[0] as { pool_id: string; queues: { name: string; id: string | null }[] } | undefined;
  if (!row) throw poolNotFound(poolName);
  const missing = row.queues.find((q) => q.id === null);
  if (missing) throw notFound(`Work pool queue '${poolName}/${missing.name}' not found.`);
  return { poolId: row.pool_id, queueIds: row.queues.map((q) => q.id as string) };
}

/** Prefect's per-pool and per-queue caps when the caller sets none. */
const POOL_RUN_CAP = 1000;
const QUEUE_RUN_CAP = 1000;

/**
 * A worker's poll (POST /work_pools/{name}/get_scheduled_flow_runs), in three statements whatever the
 * number of queues and runs: resolve the pool and the named queues; in one statement select the runs
 * and record the poll; read the selected runs.
 *
 * The selection is Prefect's: SCHEDULED runs (not in-process retries) of the pool's unpaused queues
 * (all of them, or the named ones), in an unpaused pool, within the time window, at most the free
 * slots of each queue's and the pool's concurrency limit (runs PENDING or RUNNING; the pool counts
 * only runs in unpaused queues), ordered by queue priority then scheduled time.
 *
 * Recording the poll is Prefect's too: every polled queue (paused ones included) gets `last_polled`
 * (and `updated`), and NOT_READY ones become READY; every deployment of those queues gets `last_polled` and READY,
 * with its `updated` left alone. Queues and deployments are locked in id order, so concurrent polls
 * cannot deadlock.
 */
export async function pollWorkPool(db: DbOrTx, poolName: string, queueNames: readonly string[] | null | undefined, window: PollWindow): Promise<WorkerFlowRunResponse[]> {
  const named = queueNames && queueNames.length > 0 ? queueNames : null;
  const { poolId, queueIds } = await resolvePoolQueues(db, poolName, named ?? []);
  const inQueues = named ? sql`and wq.id = any(${pgUuidArray(queueIds)})` : sql``;
  const afterBound = window.scheduledAfter ? sql`and fr.next_scheduled_start_time >= ${window.scheduledAfter}::timestamptz` : sql``;
  const beforeBound = window.scheduledBefore ? sql`and fr.next_scheduled_start_time <= ${window.scheduledBefore}::timestamptz` : sql``;
  const result = await db.execute(sql`
    with pool_slots as (
      select wp.id, greatest(0, wp.concurrency_limit - count(fr.id)) as available_slots
      from work_pool wp
      join work_queue wq on wq.work_pool_id = wp.id
      left join flow_run fr on fr.work_queue_id = wq.id and fr.state_type in ('RUNNING', 'PENDING')
      where wp.id = ${poolId} and wp.is_paused is false and wq.is_paused is false and wp.concurrency_limit is not null
      group by wp.id
    ),
    queue_slots as (
      select wq.id, greatest(0, wq.concurrency_limit - count(fr.id)) as available_slots
      from work_queue wq
      left join flow_run fr on fr.work_queue_id = wq.id and fr.state_type in ('RUNNING', 'PENDING')
      where wq.work_pool_id = ${poolId} and wq.is_paused is false and wq.concurrency_limit is not null
      group by wq.id
    ),
    picked as (
      select wp.id as work_pool_id, chosen.work_queue_id, chosen.id, chosen.work_queue_name, chosen.priority, chosen.next_scheduled_start_time
      from work_pool wp
      left join pool_slots on pool_slots.id = wp.id
      cross join lateral (
        select fr_inner.id, fr_inner.work_queue_id, fr_inner.work_queue_name, fr_inner.next_scheduled_start_time, wq.priority
        from work_queue wq
        left join queue_slots on queue_slots.id = wq.id
        cross join lateral (
          select fr.id, fr.work_queue_id, fr.work_queue_name, fr.next_scheduled_start_time
          from flow_run fr
          where fr.work_queue_id = wq.id
            and fr.state_type = 'SCHEDULED'
            and (fr.empirical_policy->>'retry_type' is null or fr.empirical_policy->>'retry_type' != 'in_process')
            ${afterBound}
            ${beforeBound}
          order by fr.next_scheduled_start_time asc, fr.id
          limit least(${QUEUE_RUN_CAP}::int, queue_slots.available_slots)
          for update skip locked
        ) fr_inner
        where wq.work_pool_id = wp.id and wq.is_paused is false ${inQueues}
        order by wq.priority asc, fr_inner.next_scheduled_start_time asc, fr_inner.id
        limit least(${POOL_RUN_CAP}::int, pool_slots.available_slots)
      ) chosen
      where wp.id = ${poolId} and wp.is_paused is false
      order by chosen.priority asc, chosen.next_scheduled_start_time asc, chosen.id
      limit ${window.limit}::int
    ),
    polled as (
      select wq.id, wq.status from work_queue wq
      where wq.work_pool_id = ${poolId} ${inQueues}
      order by wq.id for no key update
    ),
    queues_polled as (
      update work_queue wq set last_polled = now(), updated = now(),
        status = case when wq.status = 'NOT_READY' then 'READY'::work_queue_status else wq.status end
      from polled where wq.id = polled.id
      returning wq.id, wq.name, wq.status, wq.work_pool_id, polled.status as old_status
    ),
    polled_deployments as (
      select d.id, d.status from deployment d where d.work_queue_id in (select id from polled)
      order by d.id for no key update
    ),
    deployments_polled as (
      update deployment d set status = 'READY', last_polled = now()
      from polled_deployments where d.id = polled_deployments.id
      returning d.id, d.name, d.status, d.flow_id, d.work_queue_id, d.concurrency_limit_id, polled_deployments.status as old_status
    ),
    ${readyEventsOfPoll(sql`queues_polled`, sql`deployments_polled`)}
    select picked.work_pool_id, picked.work_queue_id, picked.id, picked.work_queue_name
    from picked
    order by picked.priority asc, picked.next_scheduled_start_time asc, picked.id`);
  // The poll's updates run whether or not the select reads them (Postgres runs every data-modifying CTE).
  const picked = result.rows as { work_pool_id: string; work_queue_id: string; id: string; work_queue_name: string | null }[];
  if (picked.length === 0) return [];
  const runs = new Map((await readFlowRuns(db, { where: inArray(flowRun.id, picked.map((p) => p.id)) })).map((r) => [r.id, r]));
  return picked.flatMap((p) => {
    const run = runs.get(p.id);
    return run ? [{ work_pool_id: p.work_pool_id, work_queue_id: p.work_queue_id, flow_run: asCoreFlowRun(run, p.work_queue_name) }] : [];
  });
}

/** Prefect's core FlowRun (what a worker poll returns): no pool fields, and the stored queue name. */
function asCoreFlowRun(run: FlowRunResponse, storedQueueName: string | null): WorkerFlowRunResponse['flow_run'] {
  const { work_pool_id: _pool, work_pool_name: _poolName, ...core } = run;
  return { ...core, work_queue_name: storedQueueName };
}

/**
 * A runner's poll (POST /deployments/get_scheduled_flow_runs), in two statements: mark the existing
 * deployments READY with `last_polled` (locked in id order, `updated` untouched; `prefect.deployment.ready`
 * for those that were not), then read their
 * SCHEDULED runs due before the bound, soonest first.
 */
export async function pollDeployments(db: DbOrTx, deploymentIds: readonly string[], window: PollWindow): Promise<FlowRunResponse[]> {
  if (deploymentIds.length === 0) return [];
  await db.execute(sql`
    with locked as (select id, status from deployment where id = any(${pgUuidArray(deploymentIds)}) order by id for no key update),
    deployments_polled as (
      update deployment d set status = 'READY', last_polled = now() from locked where d.id = locked.id
      returning d.id, d.name, d.status, d.flow_id, d.work_queue_id, d.concurrency_limit_id, locked.status as old_status
    ),
    ${readyEventsOfPoll(null, sql`deployments_polled`)}
    select 1`);
  return readFlowRuns(db, {
    where: and(
      sql`${flowRun.deploymentId} in (select ${deployment.id} from ${deployment} where ${deployment.id} = any(${pgUuidArray(deploymentIds)}))`,
      eq(flowRun.stateType, 'SCHEDULED'),
      window.scheduledBefore ? sql`${flowRun.nextScheduledStartTime} <= ${window.scheduledBefore}::timestamptz` : undefined,
    ),
    orderBy: [asc(flowRun.nextScheduledStartTime), asc(flowRun.id)],
    limit: window.limit,
  });
}
