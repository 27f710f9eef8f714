import { sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { DbOrTx } from '../../db/client';
import { concurrencyLimitV2, deployment, deploymentSchedule, workPool, workQueue } from '../../db/schema';
import { formatTimestamp } from '../../time';
import { applyReadQuery, isoTimestampSql, type ReadQuery } from './query';
import type { ConcurrencyOptionsResponse, DeploymentResponse, DeploymentScheduleResponse, Json } from './types';
import { serializeCreatedBy } from './values';

const depQueue = alias(workQueue, 'dep_queue');
const depPool = alias(workPool, 'dep_pool');
const depLimit = alias(concurrencyLimitV2, 'dep_limit');

/** A deployment_schedule row as row_to_json renders it: the response's keys, times as Postgres prints them. */
type ScheduleJson = DeploymentScheduleResponse;

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


/** serializeCreatedBy in SQL: null stays null; anything else gives the three fields (null when absent). */
const createdBySql = (column: string) => `CASE WHEN ${column} IS NULL OR ${column} = 'null'::jsonb THEN NULL ELSE (
    SELECT row_to_json(c) FROM (SELECT
      CASE WHEN jsonb_typeof(${column}) = 'object' THEN ${column}->'id' END AS id,
      CASE WHEN jsonb_typeof(${column}) = 'object' THEN ${column}->'type' END AS type,
      CASE WHEN jsonb_typeof(${column}) = 'object' THEN ${column}->'display_value' END AS display_value) c) END`;

/**
 * One deployment as JSON text, built by Postgres: the keys and values of toDeploymentResponse, in
 * its order (row_to_json keeps the column order and writes no spaces between keys). Values that are
 * jsonb come out as Postgres writes jsonb (`{"a": 1}`: a space after `:` and `,`); numbers keep the
 * digits they were stored with.
 */
const deploymentJson = sql.raw(`(SELECT row_to_json(r) FROM (SELECT
    deployment.id,
    ${isoTimestampSql('deployment.created')} AS created,
    ${isoTimestampSql('deployment.updated')} AS updated,
    deployment.name, deployment.version, deployment.description, deployment.flow_id, deployment.paused,
    coalesce((
      SELECT ('[' || string_agg(row_to_json(x)::text, ',' ORDER BY s.updated DESC, s.id) || ']')::json
      FROM deployment_schedule s CROSS JOIN LATERAL (SELECT
        s.id, ${isoTimestampSql('s.created')} AS created, ${isoTimestampSql('s.updated')} AS updated, s.deployment_id, s.schedule,
        s.active, s.max_scheduled_runs, s.parameters, s.slug) x
      WHERE s.deployment_id = deployment.id), '[]'::json) AS schedules,
    NULL::int AS concurrency_limit,
    CASE WHEN dep_limit.id IS NULL THEN NULL ELSE (SELECT row_to_json(l) FROM (SELECT
      dep_limit.id, ${isoTimestampSql('dep_limit.created')} AS created, ${isoTimestampSql('dep_limit.updated')} AS updated,
      dep_limit.active, dep_limit.name, dep_limit."limit", dep_limit.active_slots, dep_limit.slot_decay_per_second) l) END
      AS global_concurrency_limit,
    CASE WHEN deployment.concurrency_options IS NULL OR deployment.concurrency_options = 'null'::jsonb THEN NULL
      ELSE (SELECT row_to_json(o) FROM (SELECT
        deployment.concurrency_options->'collision_strategy' AS collision_strategy,
        deployment.concurrency_options->'grace_period_seconds' AS grace_period_seconds) o) END AS concurrency_options,
    deployment.infra_overrides AS job_variables,
    deployment.parameters, deployment.tags,
    CASE WHEN deployment.labels IS NULL OR deployment.labels = 'null'::jsonb THEN '{}'::jsonb ELSE deployment.labels END AS labels,
    CASE WHEN dep_queue.id IS NOT NULL THEN dep_queue.name ELSE deployment.work_queue_name END AS work_queue_name,
    coalesce(dep_queue.id, deployment.work_queue_id) AS work_queue_id,
    ${isoTimestampSql('deployment.last_polled')} AS last_polled,
    deployment.parameter_openapi_schema, deployment.path, deployment.pull_steps, deployment.entrypoint,
    deployment.storage_document_id, deployment.infrastructure_document_id,
    ${createdBySql('deployment.created_by')} AS created_by,
    ${createdBySql('deployment.updated_by')} AS updated_by,
    dep_pool.name AS work_pool_name, deployment.status, deployment.enforce_parameter_schema) r)::text`);

/**
 * The JSON text of readDeployments' answer, built by Postgres in the same single statement: the
 * Worker passes it through instead of parsing rows and serialising them again (a 200-deployment
 * page was about 290 KB and 8 ms of Worker CPU that way).
 */
export async function readDeploymentsJson(db: DbOrTx, q: ReadQuery = {}): Promise<string> {
  const result = await db.execute(deploymentsJsonQuery(db, q));
  return (result.rows[0] as { body: string }).body;
}

/** The statement readDeploymentsJson runs, unexecuted (for EXPLAIN in tests). */
export function deploymentsJsonQuery(db: DbOrTx, q: ReadQuery): SQL {
  // The page's ids first, from narrow rows: filtering and sorting whole deployment rows (and their
  // joins) before the limit cost more than building the JSON (a work_pools filter sorted 3,000 wide
  // rows for a 200-row page). Every sort ends in the id, so the aggregate's order is the page's.
  const page = applyReadQuery(db.select({ id: deployment.id }).from(deployment).$dynamic(), q);
  const order = q.orderBy?.length ? sql` order by ${sql.join(q.orderBy, sql`, `)}` : sql``;
  return sql`select '[' || coalesce(string_agg(${deploymentJson}, ','${order}), '') || ']' as body
    from (${page}) page join ${deployment} on ${deployment.id} = page.id ${sql.raw(`
    left join work_queue dep_queue on dep_queue.id = deployment.work_queue_id
    left join work_pool dep_pool on dep_pool.id = dep_queue.work_pool_id
    left join concurrency_limit_v2 dep_limit on dep_limit.id = deployment.concurrency_limit_id`)}`;
}

/** Deployments matching the query, with schedules, queue/pool names and concurrency limit, in one statement. */
export async function readDeployments(db: DbOrTx, q: ReadQuery = {}): Promise<DeploymentResponse[]> {
  const rows = await deploymentsQuery(db, q);
  return rows.map(toDeploymentResponse);
}
