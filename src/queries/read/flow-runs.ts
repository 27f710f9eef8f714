import { sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { DbOrTx } from '../../db/client';
import { flowRun, flowRunState, workPool, workQueue } from '../../db/schema';
import { formatTimestamp, nowMicros } from '../../time';
import { applyReadQuery, type ReadQuery } from './query';
import type { FlowRunResponse } from './types';
import {
  estimatedRunTime,
  estimatedStartTimeDelta,
  serializeCreatedBy,
  serializeFlowRunPolicy,
  serializeState,
} from './values';

// Aliased so that a caller's condition can use EXISTS over work_queue/work_pool without ambiguity.
const runQueue = alias(workQueue, 'run_queue');
const runPool = alias(workPool, 'run_pool');
const runState = alias(flowRunState, 'run_state');

const totalRunTimeSeconds = sql<number>`extract(epoch from ${flowRun.totalRunTime})::float8`;

function selectFlowRuns(db: DbOrTx) {
  return db
    .select({
      run: flowRun,
      totalRunTimeSeconds,
      queueId: runQueue.id,
      queueName: runQueue.name,
      poolId: runPool.id,
      poolName: runPool.name,
      state: {
        id: runState.id,
        type: runState.type,
        name: runState.name,
        timestamp: runState.timestamp,
        message: runState.message,
        data: runState.data,
        stateDetails: runState.stateDetails,
      },
    })
    .from(flowRun)
    .leftJoin(runQueue, sql`${runQueue.id} = ${flowRun.workQueueId}`)
    .leftJoin(runPool, sql`${runPool.id} = ${runQueue.workPoolId}`)
    .leftJoin(runState, sql`${runState.id} = ${flowRun.stateId}`)
    .$dynamic();
}

type FlowRunRow = Awaited<ReturnType<ReturnType<typeof selectFlowRuns>['execute']>>[number];

export function toFlowRunResponse(row: FlowRunRow, now = nowMicros()): FlowRunResponse {
  const r = row.run;
  return {
    id: r.id,
    created: formatTimestamp(r.created) as string,
    updated: formatTimestamp(r.updated) as string,
    name: r.name,
    flow_id: r.flowId,
    state_id: r.stateId,
    deployment_id: r.deploymentId,
    deployment_version: r.deploymentVersion,
    // From the queue relation when there is one, else the stored columns (§2.9.2).
    work_queue_id: row.queueId ?? r.workQueueId,
    work_queue_name: row.queueId ? row.queueName : r.workQueueName,
    flow_version: r.flowVersion,
    parameters: r.parameters,
    idempotency_key: r.idempotencyKey,
    context: r.context,
    empirical_policy: serializeFlowRunPolicy(r.empiricalPolicy),
    tags: r.tags,
    labels: r.labels ?? {},
    parent_task_run_id: r.parentTaskRunId,
    state_type: r.stateType,
    state_name: r.stateName,
    run_count: r.runCount,
    expected_start_time: formatTimestamp(r.expectedStartTime),
    next_scheduled_start_time: formatTimestamp(r.nextScheduledStartTime),
    start_time: formatTimestamp(r.startTime),
    end_time: formatTimestamp(r.endTime),
    total_run_time: row.totalRunTimeSeconds,
    estimated_run_time: estimatedRunTime(row.totalRunTimeSeconds, r.stateType, r.stateTimestamp, now),
    estimated_start_time_delta: estimatedStartTimeDelta(r.startTime, r.expectedStartTime, r.stateType, now),
    auto_scheduled: r.autoScheduled,
    infrastructure_document_id: r.infrastructureDocumentId,
    infrastructure_pid: r.infrastructurePid,
    created_by: serializeCreatedBy(r.createdBy),
    work_pool_id: row.poolId,
    work_pool_name: row.poolName,
    state: row.state ? serializeState(row.state) : null,
    job_variables: r.jobVariables ?? null,
  };
}

/** The statement readFlowRuns runs, unexecuted (for EXPLAIN in tests). */
export const flowRunsQuery = (db: DbOrTx, q: ReadQuery) => applyReadQuery(selectFlowRuns(db), q);

/** Flow runs matching the query, with their state and queue/pool names, in one statement. */
export async function readFlowRuns(db: DbOrTx, q: ReadQuery = {}): Promise<FlowRunResponse[]> {
  const rows = await flowRunsQuery(db, q);
  const now = nowMicros();
  return rows.map((row) => toFlowRunResponse(row, now));
}
