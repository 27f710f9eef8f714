import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { workPool, workQueue } from '../../db/schema';
import { formatTimestamp } from '../../time';
import { applyReadQuery, qualified, type ReadQuery } from './query';
import type { Json, WorkPoolResponse, WorkPoolStorageConfiguration, WorkQueueResponse } from './types';

/** Runs in PENDING or RUNNING whose queue belongs to the pool; only computed when the pool has a limit (§4.5). */
const poolActiveSlots = sql<number | null>`case when ${qualified(workPool.concurrencyLimit)} is null then null else (
  select count(*)::int from flow_run fr join work_queue q on q.id = fr.work_queue_id
  where q.work_pool_id = ${qualified(workPool.id)} and fr.state_type in ('PENDING', 'RUNNING')
) end`;

function storageConfiguration(stored: Json): WorkPoolStorageConfiguration {
  return {
    bundle_upload_step: (stored.bundle_upload_step as Json | undefined) ?? null,
    bundle_execution_step: (stored.bundle_execution_step as Json | undefined) ?? null,
    default_result_storage_block_id: (stored.default_result_storage_block_id as string | undefined) ?? null,
  };
}

/** Work pools matching the query, in one statement. */
export async function readWorkPools(db: DbOrTx, q: ReadQuery = {}): Promise<WorkPoolResponse[]> {
  const select = db.select({ pool: workPool, activeSlots: poolActiveSlots }).from(workPool).$dynamic();
  const rows = await applyReadQuery(select, q);
  return rows.map(({ pool: p, activeSlots }) => ({
    id: p.id,
    created: formatTimestamp(p.created) as string,
    updated: formatTimestamp(p.updated) as string,
    name: p.name,
    description: p.description,
    type: p.type,
    base_job_template: p.baseJobTemplate,
    is_paused: p.isPaused,
    concurrency_limit: p.concurrencyLimit,
    // Prefect reports no status for agent pools.
    status: p.type === 'prefect-agent' ? null : p.status,
    default_queue_id: p.defaultQueueId,
    storage_configuration: storageConfiguration(p.storageConfiguration),
    active_slots: activeSlots,
  }));
}

/**
 * How a queue's active_slots is counted: under /work_queues/* (PENDING, RUNNING or CANCELLING runs of
 * the queue, or for a legacy filter queue the PENDING/RUNNING runs it matches), or under
 * /work_pools/{name}/queues/* (PENDING or RUNNING runs of the queue).
 */
export type QueueSlotsMode = 'work_queues' | 'pool_queues';

function queueActiveSlots(mode: QueueSlotsMode) {
  if (mode === 'pool_queues') {
    return sql<number | null>`case when ${workQueue.concurrencyLimit} is null then null else (
      select count(*)::int from flow_run fr
      where fr.work_queue_id = ${workQueue.id} and fr.state_type in ('PENDING', 'RUNNING')
    ) end`;
  }
  const tags = sql`(${workQueue.filter} -> 'tags')`;
  const deploymentIds = sql`(${workQueue.filter} -> 'deployment_ids')`;
  const nonEmpty = (x: typeof tags) => sql`(jsonb_typeof(${x}) = 'array' and jsonb_array_length(${x}) > 0)`;
  return sql<number | null>`case
    when ${workQueue.concurrencyLimit} is null then null
    when ${workQueue.filter} is null then (
      select count(*)::int from flow_run fr
      where fr.work_queue_id = ${workQueue.id} and fr.state_type in ('PENDING', 'RUNNING', 'CANCELLING')
    )
    else (
      select count(*)::int from flow_run fr
      where fr.state_type in ('PENDING', 'RUNNING')
        and (not ${nonEmpty(tags)} or fr.tags @> ${tags})
        and (not ${nonEmpty(deploymentIds)} or fr.deployment_id::text in (select jsonb_array_elements_text(${deploymentIds})))
    )
  end`;
}

/** Work queues matching the query, with their pool's name, in one statement. */
export async function readWorkQueues(
  db: DbOrTx,
  q: ReadQuery = {},
  opts: { activeSlots: QueueSlotsMode } = { activeSlots: 'work_queues' },
): Promise<WorkQueueResponse[]> {
  const select = db
    .select({ queue: workQueue, poolName: workPool.name, activeSlots: queueActiveSlots(opts.activeSlots) })
    .from(workQueue)
    .innerJoin(workPool, sql`${workPool.id} = ${workQueue.workPoolId}`)
    .$dynamic();
  const rows = await applyReadQuery(select, q);
  return rows.map(({ queue: w, poolName, activeSlots }) => ({
    id: w.id,
    created: formatTimestamp(w.created) as string,
    updated: formatTimestamp(w.updated) as string,
    name: w.name,
    description: w.description,
    is_paused: w.isPaused,
    concurrency_limit: w.concurrencyLimit,
    priority: w.priority,
    work_pool_id: w.workPoolId,
    filter: w.filter ? { tags: w.filter.tags ?? null, deployment_ids: w.filter.deployment_ids ?? null } : null,
    last_polled: formatTimestamp(w.lastPolled),
    work_pool_name: poolName,
    status: w.status,
    active_slots: activeSlots,
  }));
}
