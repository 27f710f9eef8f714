/**
 * Flow-run reads: POST /flow_runs/filter|count|paginate, GET /flow_runs/{id}
 * (../shared/spec/prefect-filters.md §4.2, filters §2.9.1).
 */
import { Hono } from 'hono';
import * as v from 'valibot';
import { eq } from 'drizzle-orm';
import type { AppEnv } from '../env';
import { flowRun } from '../db/schema';
import { notFound } from '../http/errors';
import { methodNotAllowed } from '../http/method-not-allowed';
import { pathUuid, uuidParam } from '../http/params';
import { enumOf, opt } from '../schemas/common';
import {
  DeploymentFilter,
  FLOW_RUN_SORTS,
  FlowFilter,
  FlowRunFilter,
  TaskRunFilter,
  WorkPoolFilter,
  WorkQueueFilter,
} from '../schemas/filters';
import { DEFAULT_LIMIT, limitField, offsetField, pageField, readBody } from '../schemas/pagination';
import { FLOW_RUN_ORDER, flowRunsCondition } from '../queries/filters';
import { readFlowRuns } from '../queries/read-models';
import { countWhere, paginate } from './read-support';

/** The six top-level filters flow-run endpoints accept (exported for reuse by other flow-run bodies). */
export const flowRunFilterKeys = {
  flows: opt(FlowFilter),
  flow_runs: opt(FlowRunFilter),
  task_runs: opt(TaskRunFilter),
  deployments: opt(DeploymentFilter),
  work_pools: opt(WorkPoolFilter),
  work_pool_queues: opt(WorkQueueFilter),
};
const sort = opt(enumOf(FLOW_RUN_SORTS));
const CountBody = v.object(flowRunFilterKeys);
const FilterBody = v.object({ ...flowRunFilterKeys, sort, limit: limitField(), offset: offsetField() });
const PaginateBody = v.object({ ...flowRunFilterKeys, sort, limit: limitField(), page: pageField() });

export const flowRunReadRoutes = new Hono<AppEnv>()
  .post('/filter', async (c) => {
    const body = await readBody(c, FilterBody);
    const runs = await readFlowRuns(c.var.db, {
      where: flowRunsCondition(body),
      orderBy: FLOW_RUN_ORDER[body.sort ?? 'ID_DESC'],
      limit: body.limit ?? DEFAULT_LIMIT,
      offset: body.offset ?? 0,
    });
    return c.json(runs);
  })
  .post('/count', async (c) => {
    const body = await readBody(c, CountBody);
    return c.json(await countWhere(c.var.db, flowRun, flowRunsCondition(body)));
  })
  .post('/paginate', async (c) => {
    const body = await readBody(c, PaginateBody);
    const where = flowRunsCondition(body);
    const page = await paginate(
      body,
      () => countWhere(c.var.db, flowRun, where),
      (limit, offset) => readFlowRuns(c.var.db, { where, orderBy: FLOW_RUN_ORDER[body.sort ?? 'ID_DESC'], limit, offset }),
    );
    return c.json(page);
  })
  .all('/filter', methodNotAllowed)
  .all('/count', methodNotAllowed)
  .all('/paginate', methodNotAllowed)
  .get(`/${uuidParam('id')}`, async (c) => {
    const [found] = await readFlowRuns(c.var.db, { where: eq(flowRun.id, pathUuid(c, 'id')) });
    if (!found) throw notFound('Flow run not found');
    return c.json(found);
  });
