/** PATCH-style writes of flow runs (their states are written by the orchestration engine, not here). */
import { eq, sql } from 'drizzle-orm';
import type { PgUpdateSetSource } from 'drizzle-orm/pg-core';
import type { DbOrTx } from '../db/client';
import { deployment, flowRun, workPool, workQueue } from '../db/schema';
import { flowRunJobVariablesError } from '../orchestration/job-variables';
import { detailError, notFound, objectNotFound } from '../http/errors';
import { randomRunName } from '../routes/run-names';
import { toFlowRunPolicy } from '../schemas/states';
import type { FlowRunUpdate } from '../schemas/actions/flow-runs';

const runNotFound = () => notFound('Flow run not found');

/**
 * Job variables may only change while the run is SCHEDULED and belongs to an existing deployment
 * (the worker has not picked it up yet), and must fit its pool's schema over the deployment's (422).
 */
async function checkJobVariablesEditable(db: DbOrTx, id: string, jobVariables: Record<string, unknown>): Promise<void> {
  const [run] = await db
    .select({
      stateType: flowRun.stateType,
      deploymentId: flowRun.deploymentId,
      deploymentExists: sql<boolean>`${deployment.id} is not null`,
      deploymentJobVariables: deployment.infraOverrides,
      template: workPool.baseJobTemplate,
    })
    .from(flowRun)
    .leftJoin(deployment, eq(deployment.id, flowRun.deploymentId))
    .leftJoin(workQueue, eq(workQueue.id, deployment.workQueueId))
    .leftJoin(workPool, eq(workPool.id, workQueue.workPoolId))
    .where(eq(flowRun.id, id));
  if (!run) throw runNotFound();
  if (run.stateType === null) throw detailError(400, 'Flow run state is required to update job variables but none exists');
  if (run.stateType !== 'SCHEDULED') {
    throw detailError(400, `Job variables for a flow run in state ${run.stateType} cannot be updated`);
  }
  if (!run.deploymentExists) throw detailError(400, 'A deployment for the flow run could not be found');
  const error = flowRunJobVariablesError(run.template, run.deploymentJobVariables, jobVariables, 'updating');
  if (error) throw detailError(422, error);
}

/** Writes the fields sent (FlowRunUpdate); 404 when the run does not exist. */
export async function updateFlowRun(tx: DbOrTx, id: string, body: FlowRunUpdate): Promise<void> {
  if (body.job_variables != null) await checkJobVariablesEditable(tx, id, body.job_variables);
  const set: PgUpdateSetSource<typeof flowRun> = { updated: sql`now()` };
  if ('name' in body) set.name = body.name || randomRunName();
  if ('flow_version' in body) set.flowVersion = body.flow_version ?? null;
  if (body.parameters !== undefined) set.parameters = body.parameters;
  if (body.empirical_policy !== undefined) set.empiricalPolicy = { ...toFlowRunPolicy(body.empirical_policy) };
  if (body.tags !== undefined) set.tags = body.tags;
  if ('infrastructure_pid' in body) set.infrastructurePid = body.infrastructure_pid ?? null;
  if ('job_variables' in body) set.jobVariables = body.job_variables ?? null;
  const rows = await tx.update(flowRun).set(set).where(eq(flowRun.id, id)).returning({ id: flowRun.id });
  if (rows.length === 0) throw runNotFound();
}

/** Merges labels over the run's own (later keys win). */
export async function mergeFlowRunLabels(db: DbOrTx, id: string, labels: Record<string, unknown>): Promise<void> {
  const rows = await db
    .update(flowRun)
    .set({
      labels: sql`coalesce(${flowRun.labels}, '{}'::jsonb) || ${JSON.stringify(labels)}::jsonb`,
      updated: sql`now()`,
    })
    .where(eq(flowRun.id, id))
    .returning({ id: flowRun.id });
  if (rows.length === 0) throw objectNotFound(`Flow run with id ${id} not found`);
}
