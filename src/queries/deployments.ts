/**
 * Writes of deployments: the upsert behind POST /deployments/, PATCH, and delete (§4.4 of the filters
 * spec). Callers run each in one transaction.
 */
import { eq, inArray, sql } from 'drizzle-orm';
import type { PgInsertValue, PgUpdateSetSource } from 'drizzle-orm/pg-core';
import type { DbOrTx } from '../db/client';
import {
  deploymentEventRows,
  deploymentSnapshot,
  deploymentUpdatedEvent,
  insertEventResources,
  insertEvents,
} from '../events/status-events';
import { type CreatedBy, concurrencyLimitV2, deployment, flow } from '../db/schema';
import { detailError, notFound } from '../http/errors';
import { withoutRequired, type DeploymentCreate, type DeploymentUpdate } from '../schemas/actions/deployments';
import { schemaValidationMessage } from '../orchestration/json-schema';
import { checkDeploymentJobVariables, checkDeploymentUpdateJobVariables } from '../orchestration/job-variables';
import { deleteAllSchedules, deleteScheduledRuns, insertSchedules } from './deployment-schedules';
import { DEFAULT_AGENT_POOL, requirePoolByName, type WorkPoolRow } from './work-pools';
import { defaultQueueOfPool, ensureLegacyWorkQueue, ensurePoolQueue } from './work-queues';

type DeploymentInsert = typeof deployment.$inferInsert;
export type DeploymentRow = typeof deployment.$inferSelect;

/**
 * The queue a deployment's pool / queue names point at: the named queue of the pool (created when
 * missing), the pool's default queue, or a legacy queue of that name. On update an explicit null
 * pool detaches the queue. `undefined` means "leave it".
 */
async function resolveWorkQueueId(
  tx: DbOrTx,
  body: { work_pool_name?: string | null | undefined; work_queue_name?: string | null | undefined },
  opts: { nullPoolDetaches: boolean; pool?: WorkPoolRow | undefined },
): Promise<string | null | undefined> {
  const { work_pool_name: poolName, work_queue_name: queueName } = body;
  if (poolName && queueName) return ensurePoolQueue(tx, poolName, queueName);
  if (poolName) return opts.pool ? opts.pool.defaultQueueId : defaultQueueOfPool(tx, poolName);
  if (opts.nullPoolDetaches && 'work_pool_name' in body && poolName === null) return null;
  if (queueName) return ensureLegacyWorkQueue(tx, queueName);
  return undefined;
}

/** Blocks are not part of this port, so any block reference is unknown (Prefect's 409). */
function rejectBlockReferences(body: { storage_document_id?: string | null; infrastructure_document_id?: string | null }) {
  const message = (kind: string, id: string) =>
    `Error creating deployment. Could not find ${kind} block with id: ${id}. This usually occurs when applying a ` +
    'deployment specification that was built against a different Prefect database / workspace.';
  if (body.infrastructure_document_id) throw detailError(409, message('infrastructure', body.infrastructure_document_id));
  if (body.storage_document_id) throw detailError(409, message('storage', body.storage_document_id));
}

async function requireGlobalLimit(db: DbOrTx, id: string): Promise<void> {
  const [row] = await db.select({ id: concurrencyLimitV2.id }).from(concurrencyLimitV2).where(eq(concurrencyLimitV2.id, id));
  if (!row) throw notFound('Concurrency limit not found');
}

/** The columns both create and update take straight from the body, when sent. */
function sentColumns(body: DeploymentCreate | DeploymentUpdate): Partial<DeploymentInsert> {
  const set: Partial<DeploymentInsert> = {};
  const has = (k: string) => k in body;
  if (has('version')) set.version = body.version ?? null;
  if (has('description')) set.description = body.description ?? null;
  if (body.paused != null) set.paused = body.paused;
  if (has('concurrency_options')) set.concurrencyOptions = body.concurrency_options ?? null;
  if (has('global_concurrency_limit_id')) set.concurrencyLimitId = body.global_concurrency_limit_id ?? null;
  if (has('parameter_openapi_schema')) set.parameterOpenapiSchema = body.parameter_openapi_schema ?? null;
  if (body.tags != null) set.tags = body.tags;
  if (has('pull_steps')) set.pullSteps = body.pull_steps ?? null;
  if (has('work_queue_name')) set.workQueueName = body.work_queue_name ?? null;
  if (has('path')) set.path = body.path ?? null;
  if (has('entrypoint')) set.entrypoint = body.entrypoint ?? null;
  if (has('storage_document_id')) set.storageDocumentId = body.storage_document_id ?? null;
  if (has('infrastructure_document_id')) set.infrastructureDocumentId = body.infrastructure_document_id ?? null;
  if (body.enforce_parameter_schema != null) set.enforceParameterSchema = body.enforce_parameter_schema;
  // job_variables are stored as infra_overrides, and only when non-empty (an empty object keeps the old ones).
  if (body.job_variables && Object.keys(body.job_variables).length > 0) set.infraOverrides = body.job_variables;
  return set;
}

/**
 * Creates, updates or deletes the `deployment:<id>` limit behind a deployment's `concurrency_limit`
 * (null deletes it). An existing linked limit, whatever its name, is the one that is changed.
 */
async function applyDeploymentConcurrencyLimit(tx: DbOrTx, deploymentId: string, limit: number | null): Promise<string | null> {
  const [linked] = await tx
    .select({ id: concurrencyLimitV2.id, limit: concurrencyLimitV2.limit })
    .from(deployment)
    .leftJoin(concurrencyLimitV2, eq(concurrencyLimitV2.id, deployment.concurrencyLimitId))
    .where(eq(deployment.id, deploymentId));
  const currentId = linked?.id ?? null;
  if (currentId === null && limit === null) return null;
  if (currentId !== null && linked?.limit === limit) return null;
  if (limit === null) {
    // The FK (ON DELETE SET NULL) unlinks the deployment.
    await tx.delete(concurrencyLimitV2).where(eq(concurrencyLimitV2.id, currentId as string));
    await tx.update(deployment).set({ concurrencyLimit: null }).where(eq(deployment.id, deploymentId));
  } else if (currentId !== null) {
    await tx
      .update(concurrencyLimitV2)
      .set({ limit, updated: sql`now()` })
      .where(eq(concurrencyLimitV2.id, currentId));
    await tx.update(deployment).set({ concurrencyLimit: limit }).where(eq(deployment.id, deploymentId));
  } else {
    // The deployment's own limit may exist unlinked (a body that also sent global_concurrency_limit_id:
    // null unlinked it): take it back rather than collide with its name.
    const [created] = await tx
      .insert(concurrencyLimitV2)
      .values({ name: `deployment:${deploymentId}`, limit })
      .onConflictDoUpdate({ target: concurrencyLimitV2.name, set: { limit, updated: sql`now()` } })
      .returning({ id: concurrencyLimitV2.id });
    await tx
      .update(deployment)
      .set({ concurrencyLimit: limit, concurrencyLimitId: created?.id })
      .where(eq(deployment.id, deploymentId));
    return created?.id ?? null;
  }
  return null;
}

/**
 * Prefect's `prefect.deployment.updated` for `id` against the snapshot `before`. A limit that
 * `concurrency_limit` just created and linked is not reported as a concurrency_limit_id change (3.9.1
 * compares with its ORM object, on which the new link is not yet visible); unlinking one is.
 */
async function emitDeploymentUpdated(tx: DbOrTx, id: string, before: unknown, linkedLimitId: string | null): Promise<void> {
  if (typeof before !== 'object' || before === null) return;
  const snapshot = linkedLimitId ? { ...before, concurrency_limit_id: linkedLimitId } : before;
  await tx.execute(deploymentUpdatedEvent(id, snapshot));
}

/**
 * POST /deployments/: inserts, or updates the deployment with the same (flow_id, name). On update
 * only the fields sent change, except that parameters, labels and `updated` are always rewritten
 * and the schedules are always replaced (cleared when none are sent).
 */
export async function upsertDeployment(
  tx: DbOrTx,
  body: DeploymentCreate,
  actor: { createdBy: CreatedBy | null },
): Promise<{ id: string; created: boolean }> {
  const pool =
    body.work_pool_name && body.work_pool_name !== DEFAULT_AGENT_POOL ? await requirePoolByName(tx, body.work_pool_name) : undefined;
  if (pool) checkDeploymentJobVariables(pool.baseJobTemplate, body.job_variables);
  if (body.global_concurrency_limit_id) await requireGlobalLimit(tx, body.global_concurrency_limit_id);
  const workQueueId = await resolveWorkQueueId(tx, body, { nullPoolDetaches: false, pool });
  rejectBlockReferences(body);

  const sent = sentColumns(body);
  if (workQueueId !== undefined) sent.workQueueId = workQueueId;
  // The flow's labels, then the system label, then the caller's (later ones win).
  const labels = sql`coalesce((select ${flow.labels} from ${flow} where ${flow.id} = ${body.flow_id}), '{}'::jsonb)
    || jsonb_build_object('prefect.flow.id', ${body.flow_id}::text) || ${JSON.stringify(body.labels ?? {})}::jsonb`;
  const always = { parameters: body.parameters ?? {}, labels, updated: sql`now()` };
  if ('concurrency_limit' in body) sent.concurrencyLimit = body.concurrency_limit ?? null;
  const values: PgInsertValue<typeof deployment> = {
    // App defaults that differ from the column defaults.
    enforceParameterSchema: true,
    pullSteps: [],
    parameterOpenapiSchema: {},
    ...sent,
    ...always,
    name: body.name,
    flowId: body.flow_id,
    createdBy: actor.createdBy,
    updatedBy: actor.createdBy,
  };
  const onConflict: PgUpdateSetSource<typeof deployment> = { ...sent, ...always };
  if (actor.createdBy) onConflict.updatedBy = actor.createdBy;
  const upsert = tx
    .insert(deployment)
    .values(values)
    .onConflictDoUpdate({ target: [deployment.flowId, deployment.name], set: onConflict });
  // A genuinely new row (not an ON CONFLICT update) gets Prefect's `prefect.deployment.created` event;
  // an existing one's fields are snapshotted (the CTE `old` sees the row as it was before the statement)
  // for its `prefect.deployment.updated`, emitted once the concurrency limit is settled too.
  const result = await tx.execute(sql`
    with old as (select ${deploymentSnapshot} as snapshot from deployment d where d.flow_id = ${body.flow_id} and d.name = ${body.name}),
    up as (${upsert.getSQL()}
      returning id, created = now() as is_new, name, status, flow_id, work_queue_id, concurrency_limit_id),
    events as (${insertEvents(deploymentEventRows(sql`(select * from up where is_new)`, sql`'prefect.deployment.created'`))}),
    event_resources as (${insertEventResources})
    select id, is_new as created, (select snapshot from old) as before from up`);
  const row = result.rows[0] as { id: string; created: boolean; before: unknown } | undefined;
  if (!row) throw new Error('deployment upsert returned no row');

  await deleteScheduledRuns(tx, row.id, { autoScheduledOnly: true, futureOnly: true });
  await deleteAllSchedules(tx, row.id);
  await insertSchedules(tx, row.id, (body.schedules ?? []).map((s) => ({ ...s, max_scheduled_runs: null })));
  const linked = 'concurrency_limit' in body ? await applyDeploymentConcurrencyLimit(tx, row.id, body.concurrency_limit ?? null) : null;
  if (!row.created) await emitDeploymentUpdated(tx, row.id, row.before, linked);
  return { id: row.id, created: row.created };
}

/**
 * While schema enforcement is on (sent, or already set), the parameters (sent, or stored) must fit
 * the parameter schema (sent, or stored): a 409, as Prefect answers on update.
 */
function checkParametersOnUpdate(current: DeploymentRow, body: DeploymentUpdate): void {
  if (!(body.enforce_parameter_schema ?? current.enforceParameterSchema)) return;
  const schema = body.parameter_openapi_schema || current.parameterOpenapiSchema;
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    throw detailError(
      409,
      'Error updating deployment: Cannot update parameters because parameter schema enforcement is enabled and the ' +
        'deployment does not have a valid parameter schema.',
    );
  }
  const error = schemaValidationMessage(withoutRequired(schema) as Record<string, unknown>, body.parameters ?? current.parameters);
  if (error) throw detailError(409, `Error updating deployment: ${error}`);
}

/**
 * PATCH /deployments/{id} without the schedules (see deployment-schedules.ts): the fields sent, the
 * queue they name (an explicit null pool detaches it), and the deployment's own limit.
 */
export async function updateDeployment(tx: DbOrTx, current: DeploymentRow, body: DeploymentUpdate): Promise<void> {
  const pool = body.work_pool_name ? await requirePoolByName(tx, body.work_pool_name) : undefined;
  if (pool) checkDeploymentUpdateJobVariables(pool.baseJobTemplate, body.job_variables);
  checkParametersOnUpdate(current, body);
  if (body.global_concurrency_limit_id) await requireGlobalLimit(tx, body.global_concurrency_limit_id);
  const set: PgUpdateSetSource<typeof deployment> = { ...sentColumns(body), updated: sql`now()` };
  if ('parameters' in body && body.parameters != null) set.parameters = body.parameters;
  const queueId = await resolveWorkQueueId(tx, body, { nullPoolDetaches: true, pool });
  if (queueId !== undefined) set.workQueueId = queueId;
  if ('concurrency_limit' in body) set.concurrencyLimit = body.concurrency_limit ?? null;
  // The CTE sees the row before the UPDATE: the snapshot that Prefect's `updated` event compares with.
  const update = tx.update(deployment).set(set).where(eq(deployment.id, current.id));
  const result = await tx.execute(sql`
    with old as (select ${deploymentSnapshot} as snapshot from deployment d where d.id = ${current.id})
    ${update.getSQL()} returning (select snapshot from old) as before`);
  const before = (result.rows[0] as { before: unknown } | undefined)?.before;
  await deleteScheduledRuns(tx, current.id, { autoScheduledOnly: true, futureOnly: true });
  const linked = 'concurrency_limit' in body ? await applyDeploymentConcurrencyLimit(tx, current.id, body.concurrency_limit ?? null) : null;
  await emitDeploymentUpdated(tx, current.id, before, linked);
}

/**
 * Deletes deployments the way Prefect does: first their SCHEDULED runs that never ran (manual ones
 * too), then the rows (schedules cascade) with their `prefect.deployment.deleted` events, then their
 * linked concurrency limits. Other runs keep
 * their now-dangling deployment_id. Returns the ids deleted.
 */
export async function deleteDeployments(tx: DbOrTx, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  await deleteScheduledRuns(tx, ids, { autoScheduledOnly: false, futureOnly: false });
  // The rows and their `prefect.deployment.deleted` events (read before the limits go, so they still
  // name their concurrency limit, as Prefect's do), then the limits they pointed at.
  const result = await tx.execute(sql`
    with gone as (
      delete from deployment where id = any(${`{${ids.join(',')}}`}::uuid[])
      returning id, name, status, flow_id, work_queue_id, concurrency_limit_id
    ),
    events as (${insertEvents(deploymentEventRows(sql`gone`, sql`'prefect.deployment.deleted'`))}),
    event_resources as (${insertEventResources})
    select id, concurrency_limit_id from gone`);
  const rows = result.rows as { id: string; concurrency_limit_id: string | null }[];
  const limits = rows.flatMap((r) => (r.concurrency_limit_id ? [r.concurrency_limit_id] : []));
  await tx.delete(concurrencyLimitV2).where(inArray(concurrencyLimitV2.id, limits));
  return rows.map((r) => r.id);
}

export async function findDeployment(db: DbOrTx, id: string): Promise<DeploymentRow | undefined> {
  const [row] = await db.select().from(deployment).where(eq(deployment.id, id));
  return row;
}

/** Sets `paused`; pausing also deletes the auto-scheduled runs still waiting. False when missing. */
export async function setDeploymentPaused(tx: DbOrTx, id: string, paused: boolean): Promise<boolean> {
  const rows = await tx
    .update(deployment)
    .set({ paused, updated: sql`now()` })
    .where(eq(deployment.id, id))
    .returning({ id: deployment.id });
  if (rows.length === 0) return false;
  if (paused) await deleteScheduledRuns(tx, id, { autoScheduledOnly: true, futureOnly: false });
  return true;
}
