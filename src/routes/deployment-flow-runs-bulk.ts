/**
 * POST /deployments/{id}/create_flow_run/bulk: up to 100 runs of one deployment in one request, and
 * POST /deployments/{id}/create_flow_run: one run, answered with the FlowRunResponse.
 * Body: a list of DeploymentFlowRunCreate; answer: `{"results": [{flow_run_id, status, error}]}`
 * in input order, each CREATED or FAILED (a queue that does not exist, parameters that fail the
 * deployment's schema). Parameters and tags extend the deployment's; the initial state (default
 * Scheduled now) goes through the engine with force=true. A fixed number of statements for any
 * number of runs: read the deployment and queues, one INSERT, one idempotency lookup, one state
 * INSERT and one run UPDATE.
 */
import { Hono, type Context } from 'hono';
import { sql } from 'drizzle-orm';
import * as v from 'valibot';
import type { AppEnv } from '../env';
import type { Tx } from '../db/client';
import { detailError, HttpError, notFound } from '../http/errors';
import { methodNotAllowed } from '../http/method-not-allowed';
import { modelBody } from '../http/validation';
import { ConcurrencyLedger } from '../orchestration/concurrency';
import { newRunSnapshot, type RunSnapshot } from '../orchestration/context';
import { orchestrate } from '../orchestration/engine';
import { schemaValidationMessage } from '../orchestration/json-schema';
import { flowRunJobVariablesError } from '../orchestration/job-variables';
import { issueMessage, jsonObject, laxBool, list, model, opt, str, uuid } from '../schemas/common';
import { buildProposedState, flowRunPolicyInput, stateCreate, toFlowRunPolicy } from '../schemas/states';
import { applyOrchestration } from '../queries/flow-run-orchestration-store';
import { readFlowRuns } from '../queries/read-models';
import { parseMicros } from '../time';
import { createdByAutomation } from './flow-run-create';
import { pathId, requestOptions, UUID_PARAM } from './orchestration-http';
import { randomRunName } from './run-names';
import { keyValueLabels } from '../schemas/actions/fields';
import { describe } from '../openapi/describe';

export const BULK_CREATE_LIMIT = 100;

const deploymentFlowRunCreate = model({
  state: opt(stateCreate),
  name: opt(str()),
  parameters: opt(jsonObject()),
  enforce_parameter_schema: opt(laxBool()),
  context: opt(jsonObject()),
  infrastructure_document_id: opt(uuid()),
  empirical_policy: opt(flowRunPolicyInput),
  tags: opt(list(str())),
  idempotency_key: opt(str()),
  labels: v.optional(keyValueLabels()),
  parent_task_run_id: opt(uuid()),
  work_queue_name: opt(str()),
  job_variables: opt(jsonObject()),
});
type Item = v.InferOutput<typeof deploymentFlowRunCreate>;
const bulkBody = v.array(deploymentFlowRunCreate, issueMessage('list_type', 'Input should be a valid list'));

interface DeploymentRow {
  id: string;
  flow_id: string;
  version: string | null;
  parameters: Record<string, unknown>;
  tags: string[];
  labels: Record<string, unknown> | null;
  work_queue_id: string | null;
  work_pool_id: string | null;
  infrastructure_document_id: string | null;
  enforce_parameter_schema: boolean;
  parameter_openapi_schema: Record<string, unknown> | null;
  job_variables: Record<string, unknown>;
  /** The pool's base job template, null without a pool. */
  base_job_template: Record<string, unknown> | null;
}

type Result = { flow_run_id: string | null; status: 'CREATED' | 'FAILED'; error: string | null; httpStatus?: number };

async function readDeployment(tx: Tx, id: string): Promise<DeploymentRow | undefined> {
  const rows = await tx.execute(sql`
    SELECT d.id, d.flow_id, d.version, d.parameters, d.tags, d.labels, d.work_queue_id, q.work_pool_id,
           d.infrastructure_document_id, d.enforce_parameter_schema, d.parameter_openapi_schema,
           d.infra_overrides AS job_variables, p.base_job_template
    FROM deployment d LEFT JOIN work_queue q ON q.id = d.work_queue_id LEFT JOIN work_pool p ON p.id = q.work_pool_id
    WHERE d.id = ${id}`);
  return rows.rows[0] as DeploymentRow | undefined;
}

/** Queues named by the items, in the deployment's work pool. */
async function queuesByName(tx: Tx, dep: DeploymentRow, items: Item[]): Promise<Map<string, string>> {
  const names = [...new Set(items.map((i) => i.work_queue_name).filter((n): n is string => !!n))];
  if (names.length === 0 || !dep.work_pool_id) return new Map();
  const rows = await tx.execute(sql`
    SELECT id, name FROM work_queue WHERE work_pool_id = ${dep.work_pool_id} AND name IN (SELECT jsonb_array_elements_text(${JSON.stringify(names)}::jsonb))`);
  return new Map((rows.rows as { id: string; name: string }[]).map((r) => [r.name, r.id]));
}

/** The flow_run row an item becomes, or the reason it cannot. */
function runRow(c: Context<AppEnv>, dep: DeploymentRow, item: Item, queues: Map<string, string>) {
  const parameters = { ...dep.parameters, ...(item.parameters ?? {}) };
  if ((item.enforce_parameter_schema ?? dep.enforce_parameter_schema) && dep.parameter_openapi_schema) {
    const error = schemaValidationMessage(dep.parameter_openapi_schema, parameters);
    if (error) return { error: `Error creating flow run: ${error}`, status: 409 };
  }
  // After the parameters, as Prefect: the merged job variables against the pool's schema.
  let jobVariablesError: string | null;
  try {
    jobVariablesError = flowRunJobVariablesError(dep.base_job_template, dep.job_variables, item.job_variables, 'creating');
  } catch (e) {
    // An unloadable pool schema fails this item (a 422 for the single-run route), as Prefect.
    if (e instanceof HttpError) return { error: e.message, status: e.status };
    throw e;
  }
  if (jobVariablesError) return { error: jobVariablesError, status: 422 };
  let workQueueId = dep.work_queue_id;
  if (item.work_queue_name) {
    const id = queues.get(item.work_queue_name);
    if (!id) return { error: `Work queue "${item.work_queue_name}" not found.`, status: 400 };
    workQueueId = id;
  }
  return {
    row: {
      id: crypto.randomUUID(),
      flow_id: dep.flow_id,
      name: item.name || randomRunName(),
      deployment_id: dep.id,
      deployment_version: dep.version,
      parameters,
      context: item.context ?? {},
      parent_task_run_id: item.parent_task_run_id ?? null,
      infrastructure_document_id: item.infrastructure_document_id ?? dep.infrastructure_document_id,
      empirical_policy: toFlowRunPolicy(item.empirical_policy),
      tags: [...new Set([...dep.tags, ...(item.tags ?? [])])],
      labels: { ...(dep.labels ?? {}), 'prefect.flow.id': dep.flow_id, 'prefect.deployment.id': dep.id, ...(item.labels ?? {}) },
      idempotency_key: item.idempotency_key ?? null,
      work_queue_name: item.work_queue_name ?? null,
      work_queue_id: workQueueId,
      // Prefect's default is {} when the key is left out, but an explicit null is stored as null (the
      // server's own run-deployment action sends it so).
      job_variables: item.job_variables === null ? null : (item.job_variables ?? {}),
      created_by: createdByAutomation(c),
    },
  };
}

type RunRow = NonNullable<ReturnType<typeof runRow>['row']>;

async function insertRuns(tx: Tx, rows: RunRow[]) {
  const inserted = await tx.execute(sql`
    INSERT INTO flow_run (id, flow_id, name, deployment_id, deployment_version, parameters, context, parent_task_run_id,
      infrastructure_document_id, empirical_policy, tags, labels, idempotency_key, work_queue_name, work_queue_id,
      job_variables, created_by)
    SELECT id, flow_id, name, deployment_id, deployment_version, parameters, context, parent_task_run_id,
      infrastructure_document_id, empirical_policy, tags, labels, idempotency_key, work_queue_name, work_queue_id,
      job_variables, created_by
    FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS v(id uuid, flow_id uuid, name text, deployment_id uuid,
      deployment_version text, parameters jsonb, context jsonb, parent_task_run_id uuid, infrastructure_document_id uuid,
      empirical_policy jsonb, tags jsonb, labels jsonb, idempotency_key text, work_queue_name text, work_queue_id uuid,
      job_variables jsonb, created_by jsonb)
    ON CONFLICT (flow_id, idempotency_key) DO NOTHING
    RETURNING id, clock_timestamp()::text AS now`);
  return inserted.rows as { id: string; now: string }[];
}

/** Runs that already held an item's idempotency key: that run is the item's result. */
async function existingByKey(tx: Tx, flowId: string, keys: string[]): Promise<Map<string, string>> {
  if (keys.length === 0) return new Map();
  const rows = await tx.execute(sql`
    SELECT id, idempotency_key FROM flow_run WHERE flow_id = ${flowId} AND idempotency_key IN (SELECT jsonb_array_elements_text(${JSON.stringify(keys)}::jsonb))`);
  return new Map((rows.rows as { id: string; idempotency_key: string }[]).map((r) => [r.idempotency_key, r.id]));
}

/**
 * Creates runs of one deployment inside the caller's transaction: the shared core of the bulk and
 * single-run endpoints. Results are in input order.
 */
async function createDeploymentFlowRuns(c: Context<AppEnv>, tx: Tx, deploymentId: string, items: Item[]): Promise<Result[]> {
  const dep = await readDeployment(tx, deploymentId);
  if (!dep) throw notFound('Deployment not found');
  const queues = await queuesByName(tx, dep, items);
  const planned = items.map((item) => runRow(c, dep, item, queues));
  const rows = planned.flatMap((p) => (p.row ? [p.row] : []));
  const inserted = rows.length ? await insertRuns(tx, rows) : [];
  const created = new Map(inserted.map((r) => [r.id, r.now]));
  const skippedKeys = rows.filter((r) => !created.has(r.id) && r.idempotency_key).map((r) => r.idempotency_key!);
  const existing = await existingByKey(tx, dep.flow_id, skippedKeys);

  // Initial states for the new runs, forced (no deployment slot is taken), written once.
  const ledger = new ConcurrencyLedger();
  const snapshots: RunSnapshot[] = [];
  const outcomes = rows.flatMap((row, i) => {
    const at = created.get(row.id);
    if (at === undefined) return [];
    // One clock reading for the INSERT; a µs apart per run keeps the runs' states in input order.
    const now = parseMicros(at)! + i;
    const run = newRunSnapshot({
      id: row.id,
      empiricalPolicy: row.empirical_policy,
      deploymentId: dep.id,
      parentTaskRunId: row.parent_task_run_id,
    });
    snapshots.push(run);
    const item = items[planned.findIndex((p) => p.row === row)]!;
    const outcome = orchestrate({
      ...requestOptions(c, true),
      run,
      deployment: undefined,
      proposed: buildProposedState(item.state ?? { type: 'SCHEDULED' }, now),
      now,
      ledger,
    });
    return [outcome];
  });
  const failed = outcomes.find((o) => o.error !== undefined);
  if (failed) throw failed.error;
  if (outcomes.length) await applyOrchestration(tx, { now: 0, runs: snapshots, deployments: new Map(), ledger }, outcomes);

  const results = planned.map((p): Result => {
    if (!p.row) return { flow_run_id: null, status: 'FAILED', error: p.error!, httpStatus: p.status };
    const id = created.has(p.row.id) ? p.row.id : (existing.get(p.row.idempotency_key ?? '') ?? null);
    return id ? { flow_run_id: id, status: 'CREATED', error: null } : { flow_run_id: null, status: 'FAILED', error: 'Flow run could not be created.' };
  });
  return results;
}

export const deploymentFlowRunBulkRoutes = new Hono<AppEnv>()
  .post(`/:id${UUID_PARAM}/create_flow_run/bulk`, describe({ body: bulkBody }), async (c) => {
    const items = await modelBody(c, bulkBody);
    if (items.length > BULK_CREATE_LIMIT) throw detailError(400, `Cannot create more than ${BULK_CREATE_LIMIT} flow runs at once.`);
    const deploymentId = pathId(c);
    const results = await c.var.db.transaction((tx) => createDeploymentFlowRuns(c, tx, deploymentId, items));
    return c.json({ results: results.map(({ httpStatus: _, ...r }) => r) });
  })
  // What `prefect deployment run` and `run_deployment()` call: one run, answered as a FlowRunResponse.
  .post(`/:id${UUID_PARAM}/create_flow_run`, describe({ body: deploymentFlowRunCreate }), async (c) => {
    const item = await modelBody(c, deploymentFlowRunCreate);
    const deploymentId = pathId(c);
    const run = await c.var.db.transaction(async (tx) => {
      const [result] = await createDeploymentFlowRuns(c, tx, deploymentId, [item]);
      if (!result?.flow_run_id) {
        // Parameters that fail the deployment's schema are a conflict with it (409, as Prefect), job
        // variables that fail the pool's schema a 422; an unknown queue is a bad request.
        throw detailError(result?.httpStatus ?? 400, result?.error ?? 'Flow run could not be created.');
      }
      const [response] = await readFlowRuns(tx, { where: sql`flow_run.id = ${result.flow_run_id}` });
      return response;
    });
    return c.json(run, 201);
  })
  .all(`/:id${UUID_PARAM}/create_flow_run/bulk`, methodNotAllowed)
  .all(`/:id${UUID_PARAM}/create_flow_run`, methodNotAllowed);
