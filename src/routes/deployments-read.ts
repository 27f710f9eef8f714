/**
 * Deployment reads: POST /deployments/filter|count|paginate, GET /deployments/{id},
 * GET /deployments/name/{flow_name}/{deployment_name} (../shared/spec/prefect-filters.md §4.4, §2.9.4).
 */
import { Hono } from 'hono';
import * as v from 'valibot';
import { and, eq, sql } from 'drizzle-orm';
import type { AppEnv } from '../env';
import { deployment, flow } from '../db/schema';
import { notFound } from '../http/errors';
import { methodNotAllowed } from '../http/method-not-allowed';
import { pathUuid, uuidParam } from '../http/params';
import { enumOf, opt } from '../schemas/common';
import {
  DEPLOYMENT_SORTS,
  DeploymentFilter,
  FlowFilter,
  FlowRunFilter,
  TaskRunFilter,
  WorkPoolFilter,
  WorkQueueFilter,
} from '../schemas/filters';
import { DEFAULT_LIMIT, limitField, offsetField, pageField, readBody } from '../schemas/pagination';
import { DEPLOYMENT_ORDER, deploymentsCondition } from '../queries/filters';
import { readDeployments } from '../queries/read-models';
import { countWhere, paginate } from './read-support';

const filters = {
  flows: opt(FlowFilter),
  flow_runs: opt(FlowRunFilter),
  task_runs: opt(TaskRunFilter),
  deployments: opt(DeploymentFilter),
  work_pools: opt(WorkPoolFilter),
  work_pool_queues: opt(WorkQueueFilter),
};
const sort = opt(enumOf(DEPLOYMENT_SORTS));
const CountBody = v.object(filters);
const FilterBody = v.object({ ...filters, sort, limit: limitField(), offset: offsetField() });
const PaginateBody = v.object({ ...filters, sort, limit: limitField(), page: pageField() });

export const deploymentReadRoutes = new Hono<AppEnv>()
  .post('/filter', async (c) => {
    const body = await readBody(c, FilterBody);
    const deployments = await readDeployments(c.var.db, {
      where: deploymentsCondition(body),
      orderBy: DEPLOYMENT_ORDER[body.sort ?? 'NAME_ASC'],
      limit: body.limit ?? DEFAULT_LIMIT,
      offset: body.offset ?? 0,
    });
    return c.json(deployments);
  })
  .post('/count', async (c) => {
    const body = await readBody(c, CountBody);
    return c.json(await countWhere(c.var.db, deployment, deploymentsCondition(body)));
  })
  .post('/paginate', async (c) => {
    const body = await readBody(c, PaginateBody);
    const where = deploymentsCondition(body);
    const page = await paginate(
      body,
      () => countWhere(c.var.db, deployment, where),
      (limit, offset) =>
        readDeployments(c.var.db, { where, orderBy: DEPLOYMENT_ORDER[body.sort ?? 'NAME_ASC'], limit, offset }),
    );
    return c.json(page);
  })
  .all('/filter', methodNotAllowed)
  .all('/count', methodNotAllowed)
  .all('/paginate', methodNotAllowed)
  .get(`/${uuidParam('id')}`, async (c) => {
    const [found] = await readDeployments(c.var.db, { where: eq(deployment.id, pathUuid(c, 'id')) });
    if (!found) throw notFound('Deployment not found');
    return c.json(found);
  })
  .get('/name/:flow_name/:deployment_name', async (c) => {
    const flowId = sql`(select ${flow.id} from ${flow} where ${flow.name} = ${c.req.param('flow_name')})`;
    const [found] = await readDeployments(c.var.db, {
      where: and(eq(deployment.name, c.req.param('deployment_name')), sql`${deployment.flowId} = ${flowId}`),
    });
    if (!found) throw notFound('Deployment not found');
    return c.json(found);
  });
