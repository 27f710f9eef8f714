/**
 * Flow-run reads: POST /flow_runs/filter|count|paginate, GET /flow_runs/{id}
 * (../shared/spec/prefect-filters.md §4.2, filters §2.9.1).
 */
import { Hono } from 'hono';
import { eq } from 'drizzle-orm';
import type { AppEnv } from '../env';
import { flowRun } from '../db/schema';
import { notFound } from '../http/errors';
import { pathUuid, uuidParam } from '../http/params';
import { opt } from '../schemas/common';
import {
  DeploymentFilter,
  FLOW_RUN_SORTS,
  FlowFilter,
  FlowRunFilter,
  TaskRunFilter,
  WorkPoolFilter,
  WorkQueueFilter,
} from '../schemas/filters';
import { FLOW_RUN_ORDER, flowRunsCondition } from '../queries/filters';
import { readFlowRuns } from '../queries/read-models';
import { filterCountPaginate } from './read-support';

/** The six top-level filters flow-run endpoints accept (exported for reuse by other flow-run bodies). */
export const flowRunFilterKeys = {
  flows: opt(FlowFilter),
  flow_runs: opt(FlowRunFilter),
  task_runs: opt(TaskRunFilter),
  deployments: opt(DeploymentFilter),
  work_pools: opt(WorkPoolFilter),
  work_pool_queues: opt(WorkQueueFilter),
};

export const flowRunReadRoutes = new Hono<AppEnv>()
  .route(
    '/',
    filterCountPaginate({
      filters: flowRunFilterKeys,
      sorts: FLOW_RUN_SORTS,
      defaultSort: 'ID_DESC',
      order: FLOW_RUN_ORDER,
      table: flowRun,
      condition: flowRunsCondition,
      read: readFlowRuns,
    }),
  )
  .get(`/${uuidParam('id')}`, async (c) => {
    const [found] = await readFlowRuns(c.var.db, { where: eq(flowRun.id, pathUuid(c, 'id')) });
    if (!found) throw notFound('Flow run not found');
    return c.json(found);
  });
