/**
 * Flow reads: POST /flows/filter|count|paginate, GET /flows/{id}, GET /flows/name/{name}
 * (../shared/spec/prefect-filters.md §4.1, filters §2.9.3).
 */
import { Hono } from 'hono';
import { eq } from 'drizzle-orm';
import type { AppEnv } from '../env';
import { flow } from '../db/schema';
import { notFound } from '../http/errors';
import { pathUuid, uuidParam } from '../http/params';
import { opt } from '../schemas/common';
import { DeploymentFilter, FLOW_SORTS, FlowFilter, FlowRunFilter, TaskRunFilter, WorkPoolFilter } from '../schemas/filters';
import { FLOW_ORDER, flowsCondition } from '../queries/filters';
import { readFlows } from '../queries/read-models';
import { filterCountPaginate } from './read-support';

export const flowReadRoutes = new Hono<AppEnv>()
  .route(
    '/',
    filterCountPaginate({
      filters: {
        flows: opt(FlowFilter),
        flow_runs: opt(FlowRunFilter),
        task_runs: opt(TaskRunFilter),
        deployments: opt(DeploymentFilter),
        work_pools: opt(WorkPoolFilter),
      },
      sorts: FLOW_SORTS,
      defaultSort: 'NAME_ASC',
      order: FLOW_ORDER,
      table: flow,
      condition: flowsCondition,
      read: readFlows,
    }),
  )
  .get(`/${uuidParam('id')}`, async (c) => {
    const [found] = await readFlows(c.var.db, { where: eq(flow.id, pathUuid(c, 'id')) });
    if (!found) throw notFound('Flow not found');
    return c.json(found);
  })
  .get('/name/:name', async (c) => {
    const [found] = await readFlows(c.var.db, { where: eq(flow.name, c.req.param('name')) });
    if (!found) throw notFound('Flow not found');
    return c.json(found);
  });
