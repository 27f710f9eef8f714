/**
 * POST /flow_runs/ (spec: prefect-filters.md §4.2, prefect-orchestration.md §4.3). Inserts the run
 * (201), or returns the run that already holds the idempotency key (200, untouched); a new run's
 * initial state (default Pending) goes through the engine with force=true.
 */
import type { Context } from 'hono';
import { and, eq, sql } from 'drizzle-orm';
import * as v from 'valibot';
import type { AppEnv } from '../env';
import type { Tx } from '../db/client';
import { flowRun, workPool, workQueue } from '../db/schema';
import { notFound } from '../http/errors';
import { modelBody } from '../http/validation';
import { ConcurrencyLedger } from '../orchestration/concurrency';
import { newRunSnapshot } from '../orchestration/context';
import { orchestrate } from '../orchestration/engine';
import { jsonObject, list, model, opt, str, uuid } from '../schemas/common';
import { buildProposedState, flowRunPolicyInput, stateCreate, toFlowRunPolicy } from '../schemas/states';
import { readFlowRuns } from '../queries/read-models';
import { applyOrchestration } from '../queries/flow-run-orchestration-store';
import { parseMicros } from '../time';
import { randomRunName } from './run-names';
import { keyValueLabels } from '../schemas/actions/fields';
import { requestOptions } from './orchestration-http';

export const flowRunCreate = model({
  name: opt(str()),
  flow_id: uuid(),
  deployment_id: opt(uuid()),
  state: opt(stateCreate),
  flow_version: opt(str()),
  parameters: opt(jsonObject()),
  context: opt(jsonObject()),
  parent_task_run_id: opt(uuid()),
  infrastructure_document_id: opt(uuid()),
  empirical_policy: opt(flowRunPolicyInput),
  tags: opt(list(str())),
  labels: v.optional(keyValueLabels()),
  idempotency_key: opt(str()),
  work_pool_name: opt(str()),
  work_queue_name: opt(str()),
  job_variables: opt(jsonObject()),
});
type FlowRunCreate = v.InferOutput<typeof flowRunCreate>;

/** `{id, type: AUTOMATION, display_value}` when an automation created the run (§1.11). */
export function createdByAutomation(c: Context<AppEnv>) {
  const id = c.req.header('prefect-automation-id');
  const name = c.req.header('prefect-automation-name');
  if (!id || !name) return null;
  let display: string;
  try {
    display = new TextDecoder().decode(Uint8Array.from(atob(name), (ch) => ch.charCodeAt(0)));
  } catch {
    display = name;
  }
  return { id: id.toLowerCase(), type: 'AUTOMATION', display_value: display };
}

/** The queue a run lands in: a pool's named queue, or its default queue (404s as Prefect words them). */
async function resolveWorkQueue(tx: Tx, pool: string | null | undefined, queue: string | null | undefined): Promise<string | null> {
  if (!pool) return null;
  if (queue) {
    const [row] = await tx
      .select({ id: workQueue.id })
      .from(workQueue)
      .innerJoin(workPool, eq(workPool.id, workQueue.workPoolId))
      .where(and(eq(workPool.name, pool), eq(workQueue.name, queue)));
    if (!row) throw notFound(`Work pool queue '${pool}/${queue}' not found.`);
    return row.id;
  }
  const [row] = await tx.select({ id: workPool.defaultQueueId }).from(workPool).where(eq(workPool.name, pool));
  if (!row) throw notFound(`Work pool "${pool}" not found.`);
  return row.id;
}

async function insertRun(tx: Tx, body: FlowRunCreate, workQueueId: string | null, createdBy: unknown) {
  const policy = toFlowRunPolicy(body.empirical_policy);
  const deploymentId = body.deployment_id ?? null;
  // Labels: the deployment's (or else the flow's), then Prefect's ids (the flow id is the deployment's
  // flow when there is one), then the caller's. Unsent job_variables are {} — or null when a work pool but no deployment is named — as Prefect 3.8.8
  // stores them (measured with npm run compat).
  const result = await tx.execute(sql`
    INSERT INTO flow_run (flow_id, name, deployment_id, flow_version, parameters, context, parent_task_run_id,
      infrastructure_document_id, empirical_policy, tags, labels, idempotency_key, work_queue_name, work_queue_id,
      job_variables, created_by)
    VALUES (${body.flow_id}, ${body.name || randomRunName()}, ${deploymentId}, ${body.flow_version ?? null},
      ${JSON.stringify(body.parameters ?? {})}::jsonb, ${JSON.stringify(body.context ?? {})}::jsonb, ${body.parent_task_run_id ?? null},
      ${body.infrastructure_document_id ?? null}, ${JSON.stringify(policy)}::jsonb, ${JSON.stringify(body.tags ?? [])}::jsonb,
      (SELECT CASE WHEN d.id IS NOT NULL
                THEN coalesce(d.labels, '{}') || jsonb_build_object('prefect.flow.id', d.flow_id::text, 'prefect.deployment.id', d.id::text)
                ELSE coalesce(f.labels, '{}') || jsonb_build_object('prefect.flow.id', ${body.flow_id}::text) END
       FROM (SELECT 1) one
       LEFT JOIN flow f ON f.id = ${body.flow_id}
       LEFT JOIN deployment d ON d.id = ${deploymentId}) || ${JSON.stringify(body.labels ?? {})}::jsonb,
      ${body.idempotency_key ?? null}, ${body.work_queue_name ?? null}, ${workQueueId},
      ${body.job_variables != null ? JSON.stringify(body.job_variables) : body.work_pool_name && !body.deployment_id ? null : '{}'}::jsonb,
      ${createdBy === null ? null : JSON.stringify(createdBy)}::jsonb)
    ON CONFLICT (flow_id, idempotency_key) DO NOTHING
    RETURNING id, clock_timestamp()::text AS now`);
  return { row: result.rows[0] as { id: string; now: string } | undefined, policy };
}

export async function createFlowRun(c: Context<AppEnv>) {
  const body = await modelBody(c, flowRunCreate);
  return c.var.db.transaction(async (tx) => {
    const workQueueId = await resolveWorkQueue(tx, body.work_pool_name, body.work_queue_name);
    const { row, policy } = await insertRun(tx, body, workQueueId, createdByAutomation(c));
    if (!row) {
      const [existing] = await readFlowRuns(tx, {
        where: and(eq(flowRun.flowId, body.flow_id), eq(flowRun.idempotencyKey, body.idempotency_key!)),
      });
      return c.json(existing, 200);
    }
    const now = parseMicros(row.now)!;
    const run = newRunSnapshot({
      id: row.id,
      empiricalPolicy: policy,
      deploymentId: body.deployment_id ?? null,
      parentTaskRunId: body.parent_task_run_id ?? null,
    });
    const ledger = new ConcurrencyLedger();
    // Forced: the minimal policy never needs the deployment, and no slot is taken (§4.3).
    const outcome = orchestrate({
      ...requestOptions(c, true),
      run,
      deployment: undefined,
      proposed: buildProposedState(body.state ?? { type: 'PENDING' }, now),
      now,
      ledger,
    });
    if (outcome.error !== undefined) throw outcome.error;
    await applyOrchestration(tx, { now, runs: [run], deployments: new Map(), ledger }, [outcome]);
    const [created] = await readFlowRuns(tx, { where: eq(flowRun.id, row.id) });
    return c.json(created, 201);
  });
}
