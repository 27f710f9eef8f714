import { sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { DbOrTx } from '../../db/client';
import { concurrencyLimitV2, deployment, deploymentSchedule, workPool, workQueue } from '../../db/schema';
import { formatTimestamp } from '../../time';
import { applyReadQuery, type ReadQuery } from './query';
import type { ConcurrencyOptionsResponse, DeploymentResponse, DeploymentScheduleResponse, Json } from './types';
import { serializeCreatedBy } from './values';

const depQueue = alias(workQueue, 'dep_queue');
const depPool = alias(workPool, 'dep_pool');
const depLimit = alias(concurrencyLimitV2, 'dep_limit');

/** A deployment_schedule row as row_to_json renders it. */
interface ScheduleJson {
  id: string;
  created: string;
  updated: string;
  deployment_id: string;
  schedule: Json;
  active: boolean;
  max_scheduled_runs: number | null;
  parameters: Json;
  slug: string | null;
}

// One correlated subquery keeps the whole read a single statement, schedules newest-updated first.
const schedulesJson = sql<ScheduleJson[]>`coalesce((
  select json_agg(s order by s.updated desc, s.id)
  from ${deploymentSchedule} s
  where s.deployment_id = ${deployment.id}
), '[]'::json)`;

function selectDeployments(db: DbOrTx) {
  return db
    .select({
      dep: deployment,
      schedules: schedulesJson,
      queueId: depQueue.id,
      queueName: depQueue.name,
      poolName: depPool.name,
      limit: depLimit,
    })
    .from(deployment)
    .leftJoin(depQueue, sql`${depQueue.id} = ${deployment.workQueueId}`)
    .leftJoin(depPool, sql`${depPool.id} = ${depQueue.workPoolId}`)
    .leftJoin(depLimit, sql`${depLimit.id} = ${deployment.concurrencyLimitId}`)
    .$dynamic();
}

type DeploymentRow = Awaited<ReturnType<ReturnType<typeof selectDeployments>['execute']>>[number];

export function toScheduleResponse(s: ScheduleJson): DeploymentScheduleResponse {
  return {
    id: s.id,
    created: formatTimestamp(s.created) as string,
    updated: formatTimestamp(s.updated) as string,
    deployment_id: s.deployment_id,
    schedule: s.schedule,
    active: s.active,
    max_scheduled_runs: s.max_scheduled_runs,
    parameters: s.parameters,
    slug: s.slug,
  };
}

function concurrencyOptions(stored: DeploymentRow['dep']['concurrencyOptions']): ConcurrencyOptionsResponse | null {
  if (!stored) return null;
  return { collision_strategy: stored.collision_strategy, grace_period_seconds: stored.grace_period_seconds ?? null };
}

export function toDeploymentResponse(row: DeploymentRow): DeploymentResponse {
  const d = row.dep;
  const limit = row.limit;
  return {
    id: d.id,
    created: formatTimestamp(d.created) as string,
    updated: formatTimestamp(d.updated) as string,
    name: d.name,
    version: d.version,
    description: d.description,
    flow_id: d.flowId,
    paused: d.paused,
    schedules: row.schedules.map(toScheduleResponse),
    // Deprecated: Prefect never returns it; the limit lives in global_concurrency_limit.
    concurrency_limit: null,
    global_concurrency_limit: limit
      ? {
          id: limit.id,
          created: formatTimestamp(limit.created) as string,
          updated: formatTimestamp(limit.updated) as string,
          active: limit.active,
          name: limit.name,
          limit: limit.limit,
          active_slots: limit.activeSlots,
          slot_decay_per_second: limit.slotDecayPerSecond,
        }
      : null,
    concurrency_options: concurrencyOptions(d.concurrencyOptions),
    job_variables: d.infraOverrides,
    parameters: d.parameters,
    tags: d.tags,
    labels: d.labels ?? {},
    // From the queue relation when there is one, else the stored columns (§2.9.4).
    work_queue_name: row.queueId ? row.queueName : d.workQueueName,
    work_queue_id: row.queueId ?? d.workQueueId,
    last_polled: formatTimestamp(d.lastPolled),
    parameter_openapi_schema: d.parameterOpenapiSchema ?? null,
    path: d.path,
    pull_steps: (d.pullSteps as Json[] | null) ?? null,
    entrypoint: d.entrypoint,
    storage_document_id: d.storageDocumentId,
    infrastructure_document_id: d.infrastructureDocumentId,
    created_by: serializeCreatedBy(d.createdBy),
    updated_by: serializeCreatedBy(d.updatedBy),
    work_pool_name: row.poolName,
    status: d.status,
    enforce_parameter_schema: d.enforceParameterSchema,
  };
}

/** The statement readDeployments runs, unexecuted (for EXPLAIN in tests). */
export const deploymentsQuery = (db: DbOrTx, q: ReadQuery) => applyReadQuery(selectDeployments(db), q);

/** Deployments matching the query, with schedules, queue/pool names and concurrency limit, in one statement. */
export async function readDeployments(db: DbOrTx, q: ReadQuery = {}): Promise<DeploymentResponse[]> {
  const rows = await deploymentsQuery(db, q);
  return rows.map(toDeploymentResponse);
}
