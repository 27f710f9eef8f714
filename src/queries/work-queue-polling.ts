/**
 * The legacy queue protocol, by queue id: POST /work_queues/{id}/get_runs (what agents and the UI
 * ask for), GET /work_queues/{id}/status, and the concurrency view of a queue and of a pool.
 */
import { asc, inArray, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { flowRun } from '../db/schema';
import { objectNotFound } from '../http/errors';
import { formatTimestamp, nowMicros, parseMicros } from '../time';
import { readFlowRuns, type FlowRunResponse } from './read-models';
import { readyEventsOfPoll } from '../events/status-events';

interface QueueRow {
  id: string;
  name: string;
  is_paused: boolean;
  concurrency_limit: number | null;
  filter: { tags?: string[] | null; deployment_ids?: string[] | null } | null;
  last_polled: string | null;
}

async function loadQueue(db: DbOrTx, id: string): Promise<QueueRow | undefined> {
  const result = await db.execute(sql`
    select id, name, is_paused, concurrency_limit, filter, last_polled from work_queue where id = ${id}`);
  return result.rows[0] as QueueRow | undefined;
}

/** A legacy tag queue's filter: runs with all its tags, of one of its deployments (any deployment when unset). */
function legacyFilterSql(f: NonNullable<QueueRow['filter']>): SQL {
  const tags = f.tags ?? null;
  const deploymentIds = f.deployment_ids ?? null;
  return sql`fr.deployment_id is not null
    ${tags ? sql`and fr.tags @> ${JSON.stringify(tags)}::jsonb` : sql``}
    ${deploymentIds ? sql`and fr.deployment_id = any(${`{${deploymentIds.join(',')}}`}::uuid[])` : sql``}`;
}

/**
 * POST /work_queues/{id}/get_runs in three statements: load the queue; select the runs and (unless
 * the UI is asking) record the poll, in one statement; read the runs.
 *
 * Which runs is Prefect's: a queue without a filter matches runs by their stored `work_queue_name`
 * (what its legacy scheduler does; runs created from a deployment in a pool have none, so they are not
 * returned here, as in Prefect), with its limit counting PENDING, RUNNING and CANCELLING runs of that
 * name; a legacy tag queue matches runs by its filter, with its limit counting PENDING and RUNNING
 * ones. A paused queue returns nothing. The poll is recorded as a worker's: `last_polled`, NOT_READY →
 * READY, and the queue's deployments READY.
 */
export async function pollWorkQueue(
  db: DbOrTx,
  queueId: string,
  window: { scheduledBefore?: string | null | undefined; limit: number },
  opts: { recordPoll: boolean },
): Promise<FlowRunResponse[]> {
  const queue = await loadQueue(db, queueId);
  if (!queue) throw objectNotFound(`Work queue with id ${queueId} not found.`);
  const matches = queue.filter ? legacyFilterSql(queue.filter) : sql`fr.work_queue_name = ${queue.name}`;
  const holding = queue.filter ? sql`('PENDING', 'RUNNING')` : sql`('PENDING', 'RUNNING', 'CANCELLING')`;
  const slots =
    queue.concurrency_limit === null
      ? sql`${window.limit}::int`
      : sql`least(${window.limit}::int, greatest(0, ${queue.concurrency_limit}::int - (
          select count(*) from flow_run fr where ${matches} and fr.state_type in ${holding})))`;
  const beforeBound = window.scheduledBefore ? sql`and fr.next_scheduled_start_time <= ${window.scheduledBefore}::timestamptz` : sql``;
  const record = opts.recordPoll
    ? sql`,
    polled_queue as (
      select id, status from work_queue where id = ${queueId} for no key update
    ),
    queue_polled as (
      update work_queue wq set last_polled = now(), updated = now(),
        status = case when wq.status = 'NOT_READY' then 'READY'::work_queue_status else wq.status end
      from polled_queue p where wq.id = p.id
      returning wq.id, wq.name, wq.status, wq.work_pool_id, p.status as old_status
    ),
    polled_deployments as (
      select id, status from deployment where work_queue_id = ${queueId} order by id for no key update
    ),
    deployments_polled as (
      update deployment d set status = 'READY', last_polled = now()
      from polled_deployments p where d.id = p.id
      returning d.id, d.name, d.status, d.flow_id, d.work_queue_id, d.concurrency_limit_id, p.status as old_status
    ),
    ${readyEventsOfPoll(sql`queue_polled`, sql`deployments_polled`)}`
    : sql``;
  const result = await db.execute(sql`
    with picked as (
      select fr.id, fr.next_scheduled_start_time from flow_run fr
      where ${queue.is_paused ? sql`false` : sql`true`} and ${matches} and fr.state_type = 'SCHEDULED' ${beforeBound}
      order by fr.next_scheduled_start_time asc, fr.id
      limit ${slots}
      for update skip locked
    )${record}
    select picked.id from picked`);
  // The poll's updates run whether or not the select reads them (Postgres runs every data-modifying CTE).
  const ids = (result.rows as { id: string }[]).map((r) => r.id);
  if (ids.length === 0) return [];
  return readFlowRuns(db, { where: inArray(flowRun.id, ids), orderBy: [asc(flowRun.nextScheduledStartTime), asc(flowRun.id)] });
}

/** Prefect's one health policy for every queue: no late run, and polled within the last minute. */
const MAXIMUM_LATE_RUNS = 0;
const MAXIMUM_SECONDS_SINCE_LAST_POLLED = 60;

export interface WorkQueueStatusDetail {
  healthy: boolean;
  late_runs_count: number;
  last_polled: string | null;
  health_check_policy: { maximum_late_runs: number; maximum_seconds_since_last_polled: number };
}

/** GET /work_queues/{id}/status in one statement: the queue's `Late` runs and its last poll. */
export async function readWorkQueueStatus(db: DbOrTx, queueId: string): Promise<WorkQueueStatusDetail> {
  const result = await db.execute(sql`
    select q.last_polled,
      (select count(*)::int from flow_run fr where fr.work_queue_id = q.id and fr.state_name = 'Late') as late
    from work_queue q where q.id = ${queueId}`);
  const row = result.rows[0] as { last_polled: string | null; late: number } | undefined;
  if (!row) throw objectNotFound(`Work queue with id ${queueId} not found`);
  const lastPolled = formatTimestamp(row.last_polled);
  const polledAt = lastPolled === null ? null : parseMicros(lastPolled);
  const recentlyPolled = polledAt !== null && (nowMicros() - polledAt) / 1_000_000 <= MAXIMUM_SECONDS_SINCE_LAST_POLLED;
  return {
    healthy: row.late <= MAXIMUM_LATE_RUNS && recentlyPolled,
    late_runs_count: row.late,
    last_polled: lastPolled,
    health_check_policy: { maximum_late_runs: MAXIMUM_LATE_RUNS, maximum_seconds_since_last_polled: MAXIMUM_SECONDS_SINCE_LAST_POLLED },
  };
}

export interface FlowRunSlotSummary {
  id: string;
  name: string;
  state_type: string | null;
  state_name: string | null;
  start_time: string | null;
  state_timestamp: string | null;
  time_in_current_state: number | null;
}

interface SlotHolderRow extends Omit<FlowRunSlotSummary, 'time_in_current_state'> {
  work_queue_id: string | null;
}

function toSlotSummary(r: SlotHolderRow, now: number): FlowRunSlotSummary {
  const stateTimestamp = formatTimestamp(r.state_timestamp);
  const stateAt = stateTimestamp === null ? null : parseMicros(stateTimestamp);
  return {
    id: r.id,
    name: r.name,
    state_type: r.state_type,
    state_name: r.state_name,
    start_time: formatTimestamp(r.start_time),
    state_timestamp: stateTimestamp,
    time_in_current_state: stateAt === null ? null : (now - stateAt) / 1_000_000,
  };
}

const pageCount = (count: number, limit: number) => (limit > 0 ? Math.ceil(count / limit) : 0);

/**
 * POST /work_queues/{id}/concurrency_status in one statement: the runs holding the queue's slots
 * (PENDING, RUNNING or CANCELLING, in the queue or, with no queue, by its name), paged by run id.
 */
export async function readWorkQueueConcurrency(db: DbOrTx, queueId: string, page: number, limit: number) {
  const result = await db.execute(sql`
    with q as (select id, name, concurrency_limit from work_queue where id = ${queueId}),
    holders as (
      select fr.id, fr.name, fr.state_type, fr.state_name, fr.start_time, fr.state_timestamp, fr.work_queue_id
      from flow_run fr, q
      where (fr.work_queue_id = q.id or (fr.work_queue_id is null and fr.work_queue_name = q.name))
        and fr.state_type in ('PENDING', 'RUNNING', 'CANCELLING')
    )
    select q.concurrency_limit, (select count(*)::int from holders) as total,
      (select coalesce(jsonb_agg(to_jsonb(h.*) order by h.id), '[]'::jsonb) from (
        select * from holders order by id limit ${limit}::int offset ${(page - 1) * limit}::int) h) as runs
    from q`);
  const row = result.rows[0] as { concurrency_limit: number | null; total: number; runs: SlotHolderRow[] } | undefined;
  if (!row) return null;
  const now = nowMicros();
  return {
    active_slots: row.total,
    concurrency_limit: row.concurrency_limit,
    flow_runs: row.runs.map((r) => toSlotSummary(r, now)),
    count: row.total,
    limit,
    pages: pageCount(row.total, limit),
    page,
  };
}

/**
 * POST /work_pools/{name}/concurrency_status in one statement: the pool's slot holders (PENDING or
 * RUNNING runs of its queues), and for a page of its queues (by priority) their holders, at most
 * `flowRunLimit` each, by run id.
 */
export async function readWorkPoolConcurrency(db: DbOrTx, poolName: string, page: number, limit: number, flowRunLimit: number) {
  const result = await db.execute(sql`
    with p as (select id, concurrency_limit from work_pool where name = ${poolName}),
    holders as (
      select fr.id, fr.name, fr.state_type, fr.state_name, fr.start_time, fr.state_timestamp, fr.work_queue_id,
        row_number() over (partition by fr.work_queue_id order by fr.id) as nth
      from flow_run fr join work_queue wq on wq.id = fr.work_queue_id, p
      where wq.work_pool_id = p.id and fr.state_type in ('PENDING', 'RUNNING')
    ),
    queue_page as (
      select wq.id, wq.name, wq.concurrency_limit, wq.priority from work_queue wq, p
      where wq.work_pool_id = p.id order by wq.priority asc, wq.id limit ${limit}::int offset ${(page - 1) * limit}::int
    )
    select p.concurrency_limit,
      (select count(*)::int from holders) as total,
      (select count(*)::int from work_queue wq where wq.work_pool_id = p.id) as queue_count,
      (select coalesce(jsonb_agg(jsonb_build_object(
          'id', qp.id, 'name', qp.name, 'concurrency_limit', qp.concurrency_limit,
          'active', (select count(*) from holders h where h.work_queue_id = qp.id),
          'runs', (select coalesce(jsonb_agg(to_jsonb(h.*) order by h.id), '[]'::jsonb) from holders h
                   where h.work_queue_id = qp.id and h.nth <= ${flowRunLimit}::int)
        ) order by qp.priority, qp.id), '[]'::jsonb) from queue_page qp) as queues
    from p`);
  const row = result.rows[0] as
    | {
        concurrency_limit: number | null;
        total: number;
        queue_count: number;
        queues: { id: string; name: string; concurrency_limit: number | null; active: number; runs: SlotHolderRow[] }[];
      }
    | undefined;
  if (!row) return null;
  const now = nowMicros();
  return {
    active_slots: row.total,
    concurrency_limit: row.concurrency_limit,
    queues: row.queues.map((q) => ({
      queue_id: q.id,
      queue_name: q.name,
      active_slots: q.active,
      concurrency_limit: q.concurrency_limit,
      flow_runs: q.runs.map((r) => toSlotSummary(r, now)),
      flow_run_count: q.active,
    })),
    count: row.queue_count,
    limit,
    pages: pageCount(row.queue_count, limit),
    page,
  };
}


export interface CoreWorkQueue {
  id: string;
  created: string;
  updated: string;
  name: string;
  description: string | null;
  is_paused: boolean;
  concurrency_limit: number | null;
  priority: number;
  work_pool_id: string | null;
  filter: { tags: string[] | null; deployment_ids: string[] | null } | null;
  last_polled: string | null;
}

/**
 * GET /deployments/{id}/work_queue_check (deprecated in Prefect) in one statement: the legacy tag
 * queues whose filter would pick up the deployment's runs (their tags a subset of its tags, their
 * deployment ids empty or naming it). Queues without a filter are never listed, as in Prefect.
 * Null when the deployment does not exist.
 */
export async function workQueuesForDeployment(db: DbOrTx, deploymentId: string): Promise<CoreWorkQueue[] | null> {
  const result = await db.execute(sql`
    select d.id as deployment_id, (
      select coalesce(jsonb_agg(to_jsonb(q.*) order by q.created, q.id), '[]'::jsonb) from work_queue q
      where q.filter is not null
        and (coalesce(q.filter -> 'tags', 'null'::jsonb) in ('null'::jsonb, '[]'::jsonb) or d.tags @> (q.filter -> 'tags'))
        and (coalesce(q.filter -> 'deployment_ids', 'null'::jsonb) in ('null'::jsonb, '[]'::jsonb)
             or (q.filter -> 'deployment_ids') @> to_jsonb(d.id::text))
    ) as queues
    from deployment d where d.id = ${deploymentId}`);
  const row = result.rows[0] as { queues: Record<string, unknown>[] } | undefined;
  if (!row) return null;
  return row.queues.map((q) => {
    const filter = q.filter as { tags?: string[] | null; deployment_ids?: string[] | null } | null;
    return {
      id: q.id as string,
      created: formatTimestamp(q.created as string) as string,
      updated: formatTimestamp(q.updated as string) as string,
      name: q.name as string,
      description: (q.description as string | null) ?? null,
      is_paused: q.is_paused as boolean,
      concurrency_limit: (q.concurrency_limit as number | null) ?? null,
      priority: q.priority as number,
      work_pool_id: (q.work_pool_id as string | null) ?? null,
      filter: filter ? { tags: filter.tags ?? null, deployment_ids: filter.deployment_ids ?? null } : null,
      last_polled: formatTimestamp(q.last_polled as string | null),
    };
  });
}
