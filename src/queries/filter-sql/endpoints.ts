/**
 * The top-level filters of each endpoint family, joined across entities (../shared/spec/prefect-filters.md §2.9).
 * Different top-level filters are ANDed. A filter that is present, even `{}`, requires the related row
 * to exist; related rows are tested with correlated EXISTS so results are never duplicated.
 * Each function returns undefined when nothing restricts the rows.
 */
import { and, sql, type SQL } from 'drizzle-orm';
import { deployment, flow, flowRun, taskRun, workPool, workQueue } from '../../db/schema';
import type {
  DeploymentFilter,
  FlowFilter,
  FlowRunFilter,
  TaskRunFilter,
  WorkPoolFilter,
  WorkQueueFilter,
} from '../../schemas/filters';
import { exists, when } from './criteria';
import {
  deploymentFilterSql,
  flowFilterSql,
  flowRunFilterSql,
  taskRunFilterSql,
  workPoolFilterSql,
  workQueueFilterSql,
} from './entities';

type Maybe<T> = T | null | undefined;
const given = <T>(x: Maybe<T>): x is T => x !== null && x !== undefined;
const all = (criteria: (SQL | undefined)[]) => and(...criteria.filter((c): c is SQL => c !== undefined));

export interface FlowRunFilters {
  flows?: Maybe<FlowFilter>;
  flow_runs?: Maybe<FlowRunFilter>;
  task_runs?: Maybe<TaskRunFilter>;
  deployments?: Maybe<DeploymentFilter>;
  work_pools?: Maybe<WorkPoolFilter>;
  work_pool_queues?: Maybe<WorkQueueFilter>;
}
export type FlowFilters = Omit<FlowRunFilters, 'work_pool_queues'>;
export type DeploymentFilters = FlowRunFilters;
export type TaskRunFilters = Omit<FlowRunFilters, 'work_pools' | 'work_pool_queues'>;

/** The queue Q (`work_queue`) is in a pool satisfying the filter. */
const queuePoolSql = (f: WorkPoolFilter) =>
  exists(sql`${workPool}`, sql`${workPool.id} = ${workQueue.workPoolId}`, workPoolFilterSql(f));

/** EXISTS a queue with `work_queue.id = <queueId>` satisfying the queue and/or pool filters. */
function queueExists(queueId: SQL, queues: Maybe<WorkQueueFilter>, pools: Maybe<WorkPoolFilter>): SQL | undefined {
  if (!given(queues) && !given(pools)) return undefined;
  return exists(
    sql`${workQueue}`,
    sql`${workQueue.id} = ${queueId}`,
    when(queues, workQueueFilterSql),
    when(pools, queuePoolSql),
  );
}

/** EXISTS a task run of the flow run in scope (`flow_run`) satisfying the filter. */
const taskRunOfRunSql = (f: TaskRunFilter) =>
  exists(sql`${taskRun}`, sql`${taskRun.flowRunId} = ${flowRun.id}`, taskRunFilterSql(f));

/** Conditions on `flow_run` for /flow_runs/filter, /count, /paginate (§2.9.1); also bulk endpoints. */
export function flowRunsCondition(f: FlowRunFilters): SQL | undefined {
  return all([
    when(f.flow_runs, flowRunFilterSql),
    when(f.flows, (x) => exists(sql`${flow}`, sql`${flow.id} = ${flowRun.flowId}`, flowFilterSql(x))),
    when(f.task_runs, taskRunOfRunSql),
    when(f.deployments, (x) =>
      exists(sql`${deployment}`, sql`${deployment.id} = ${flowRun.deploymentId}`, deploymentFilterSql(x)),
    ),
    queueExists(sql`${flowRun.workQueueId}`, f.work_pool_queues, f.work_pools),
  ]);
}

/** Conditions on `flow` for /flows/filter, /count, /paginate (§2.9.3). */
export function flowsCondition(f: FlowFilters): SQL | undefined {
  const deploymentsOfFlow =
    given(f.deployments) || given(f.work_pools)
      ? exists(
          sql`${deployment}`,
          sql`${deployment.flowId} = ${flow.id}`,
          when(f.deployments, deploymentFilterSql),
          queueExists(sql`${deployment.workQueueId}`, undefined, f.work_pools),
        )
      : undefined;
  const runsOfFlow =
    given(f.flow_runs) || given(f.task_runs)
      ? exists(
          sql`${flowRun}`,
          sql`${flowRun.flowId} = ${flow.id}`,
          when(f.flow_runs, flowRunFilterSql),
          when(f.task_runs, taskRunOfRunSql),
        )
      : undefined;
  return all([when(f.flows, flowFilterSql), deploymentsOfFlow, runsOfFlow]);
}

/** Conditions on `deployment` for /deployments/filter, /count, /paginate (§2.9.4). */
export function deploymentsCondition(f: DeploymentFilters): SQL | undefined {
  const runsOfDeployment =
    given(f.flow_runs) || given(f.task_runs)
      ? exists(
          sql`${flowRun}`,
          sql`${flowRun.deploymentId} = ${deployment.id}`,
          when(f.flow_runs, flowRunFilterSql),
          when(f.task_runs, taskRunOfRunSql),
        )
      : undefined;
  return all([
    when(f.deployments, deploymentFilterSql),
    when(f.flows, (x) => exists(sql`${flow}`, sql`${flow.id} = ${deployment.flowId}`, flowFilterSql(x))),
    runsOfDeployment,
    queueExists(sql`${deployment.workQueueId}`, f.work_pool_queues, f.work_pools),
  ]);
}

/** Conditions on `task_run` for /task_runs/filter, /count, /paginate (§2.9.5). */
export function taskRunsCondition(f: TaskRunFilters): SQL | undefined {
  const run =
    given(f.flows) || given(f.flow_runs) || given(f.deployments)
      ? exists(
          sql`${flowRun}`,
          sql`${flowRun.id} = ${taskRun.flowRunId}`,
          when(f.flow_runs, flowRunFilterSql),
          when(f.flows, (x) => exists(sql`${flow}`, sql`${flow.id} = ${flowRun.flowId}`, flowFilterSql(x))),
          when(f.deployments, (x) =>
            exists(sql`${deployment}`, sql`${deployment.id} = ${flowRun.deploymentId}`, deploymentFilterSql(x)),
          ),
        )
      : undefined;
  return all([when(f.task_runs, taskRunFilterSql), run]);
}

export function workPoolsCondition(f: Maybe<WorkPoolFilter>): SQL | undefined {
  return when(f, workPoolFilterSql);
}

export function workQueuesCondition(f: Maybe<WorkQueueFilter>): SQL | undefined {
  return when(f, workQueueFilterSql);
}
