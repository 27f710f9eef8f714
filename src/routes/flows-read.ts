/**
 * Flow reads: POST /flows/filter|count|paginate, GET /flows/{id}, GET /flows/name/{name}
 * (../shared/spec/prefect-filters.md §4.1, filters §2.9.3).
 */
import { Hono } from 'hono';
import * as v from 'valibot';
import { eq } from 'drizzle-orm';
import type { AppEnv } from '../env';
import { flow } from '../db/schema';
import { notFound } from '../http/errors';
import { methodNotAllowed } from '../http/method-not-allowed';
import { pathUuid, uuidParam } from '../http/params';
import { enumOf, opt } from '../schemas/common';
import { DeploymentFilter, FLOW_SORTS, FlowFilter, FlowRunFilter, TaskRunFilter, WorkPoolFilter } from '../schemas/filters';
import { DEFAULT_LIMIT, limitField, offsetField, pageField, readBody } from '../schemas/pagination';
import { FLOW_ORDER, flowsCondition } from '../queries/filters';
import { readFlows } from '../queries/read-models';
import { countWhere, paginate } from './read-support';

const filters = {
  flows: opt(FlowFilter),
  flow_runs: opt(FlowRunFilter),
  task_runs: opt(TaskRunFilter),
  deployments: opt(DeploymentFilter),
  work_pools: opt(WorkPoolFilter),
};
const sort = opt(enumOf(FLOW_SORTS));
const CountBody = v.object(filters);
const FilterBody = v.object({ ...filters, sort, limit: limitField(), offset: offsetField() });
const PaginateBody = v.object({ ...filters, sort, limit: limitField(), page: pageField() });

export const flowReadRoutes = new Hono<AppEnv>()
  .post('/filter', async (c) => {
    const body = await readBody(c, FilterBody);
    const flows = await readFlows(c.var.db, {
      where: flowsCondition(body),
      orderBy: FLOW_ORDER[body.sort ?? 'NAME_ASC'],
      limit: body.limit ?? DEFAULT_LIMIT,
      offset: body.offset ?? 0,
    });
    return c.json(flows);
  })
  .post('/count', async (c) => {
    const body = await readBody(c, CountBody);
    return c.json(await countWhere(c.var.db, flow, flowsCondition(body)));
  })
  .post('/paginate', async (c) => {
    const body = await readBody(c, PaginateBody);
    const where = flowsCondition(body);
    const page = await paginate(
      body,
      () => countWhere(c.var.db, flow, where),
      (limit, offset) => readFlows(c.var.db, { where, orderBy: FLOW_ORDER[body.sort ?? 'NAME_ASC'], limit, offset }),
    );
    return c.json(page);
  })
  .all('/filter', methodNotAllowed)
  .all('/count', methodNotAllowed)
  .all('/paginate', methodNotAllowed)
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
