/**
 * Sort enums → ORDER BY (../shared/spec/prefect-filters.md §3). Postgres' default NULL placement is
 * kept (ASC: last, DESC: first). Deliberate difference: `id` is appended as a final tie-breaker, so
 * ties come back in a stable order and pagination never repeats or skips a row.
 */
import { asc, desc, sql, type SQL } from 'drizzle-orm';
import { deployment, flow, flowRun, log, taskRun, variable } from '../../db/schema';
import type { DeploymentSort, FlowRunSort, FlowSort, LogSort, TaskRunSort, VariableSort } from '../../schemas/filters';

const flowRunStart = sql`coalesce(${flowRun.startTime}, ${flowRun.expectedStartTime})`;

export const FLOW_RUN_ORDER: Record<FlowRunSort, SQL[]> = {
  ID_DESC: [desc(flowRun.id)],
  START_TIME_ASC: [asc(flowRunStart), asc(flowRun.id)],
  START_TIME_DESC: [desc(flowRunStart), desc(flowRun.id)],
  EXPECTED_START_TIME_ASC: [asc(flowRun.expectedStartTime), asc(flowRun.id)],
  EXPECTED_START_TIME_DESC: [desc(flowRun.expectedStartTime), desc(flowRun.id)],
  NAME_ASC: [asc(flowRun.name), asc(flowRun.id)],
  NAME_DESC: [desc(flowRun.name), desc(flowRun.id)],
  NEXT_SCHEDULED_START_TIME_ASC: [asc(flowRun.nextScheduledStartTime), asc(flowRun.id)],
  END_TIME_DESC: [desc(flowRun.endTime), desc(flowRun.id)],
};

/** Run time so far: the stored total, plus the current RUNNING stretch (Prefect's `estimated_run_time`). */
const taskRunDuration = sql`case when ${taskRun.stateType} = 'RUNNING' then ${taskRun.totalRunTime} + (now() - ${taskRun.stateTimestamp}) else ${taskRun.totalRunTime} end`;

export const TASK_RUN_ORDER: Record<TaskRunSort, SQL[]> = {
  ID_DESC: [desc(taskRun.id)],
  EXPECTED_START_TIME_ASC: [asc(taskRun.expectedStartTime), asc(taskRun.id)],
  EXPECTED_START_TIME_DESC: [desc(taskRun.expectedStartTime), desc(taskRun.id)],
  NAME_ASC: [asc(taskRun.name), asc(taskRun.id)],
  NAME_DESC: [desc(taskRun.name), desc(taskRun.id)],
  NEXT_SCHEDULED_START_TIME_ASC: [asc(taskRun.nextScheduledStartTime), asc(taskRun.id)],
  END_TIME_DESC: [desc(taskRun.endTime), desc(taskRun.id)],
  // Ties (runs that have not started) are broken as in Prefect: newest expected start first.
  DURATION_DESC: [desc(taskRunDuration), desc(taskRun.expectedStartTime), desc(taskRun.id)],
  DURATION_ASC: [asc(taskRunDuration), desc(taskRun.expectedStartTime), desc(taskRun.id)],
};

export const FLOW_ORDER: Record<FlowSort, SQL[]> = {
  CREATED_DESC: [desc(flow.created), desc(flow.id)],
  UPDATED_DESC: [desc(flow.updated), desc(flow.id)],
  NAME_ASC: [asc(flow.name), asc(flow.id)],
  NAME_DESC: [desc(flow.name), desc(flow.id)],
};

export const DEPLOYMENT_ORDER: Record<DeploymentSort, SQL[]> = {
  CREATED_DESC: [desc(deployment.created), desc(deployment.id)],
  UPDATED_DESC: [desc(deployment.updated), desc(deployment.id)],
  NAME_ASC: [asc(deployment.name), asc(deployment.id)],
  NAME_DESC: [desc(deployment.name), desc(deployment.id)],
};

export const LOG_ORDER: Record<LogSort, SQL[]> = {
  TIMESTAMP_ASC: [asc(log.timestamp), asc(log.id)],
  TIMESTAMP_DESC: [desc(log.timestamp), desc(log.id)],
};

export const VARIABLE_ORDER: Record<VariableSort, SQL[]> = {
  CREATED_DESC: [desc(variable.created), desc(variable.id)],
  UPDATED_DESC: [desc(variable.updated), desc(variable.id)],
  NAME_DESC: [desc(variable.name), desc(variable.id)],
  NAME_ASC: [asc(variable.name), asc(variable.id)],
};
