/**
 * Deployment reads: POST /deployments/filter|count|paginate, GET /deployments/{id},
 * GET /deployments/name/{flow_name}/{deployment_name} (../shared/spec/prefect-filters.md §4.4, §2.9.4).
 */
import { Hono } from 'hono';
import { and, eq, sql } from 'drizzle-orm';
import type { AppEnv } from '../env';
import { deployment, flow } from '../db/schema';
import { notFound } from '../http/errors';
import { pathUuid, uuidParam } from '../http/params';
import { DEPLOYMENT_SORTS } from '../schemas/filters';
import { DEPLOYMENT_ORDER, deploymentsCondition } from '../queries/filters';
import { readDeployments, readDeploymentsJson } from '../queries/read-models';
import { flowRunFilterKeys } from './flow-runs-read';
import { filterCountPaginate } from './read-support';

export const deploymentReadRoutes = new Hono<AppEnv>()
  .route(
    '/',
    filterCountPaginate({
      // The same six filters as flow runs.
      filters: flowRunFilterKeys,
      sorts: DEPLOYMENT_SORTS,
      defaultSort: 'NAME_ASC',
      order: DEPLOYMENT_ORDER,
      table: deployment,
      condition: deploymentsCondition,
      read: readDeployments,
      readJson: readDeploymentsJson,
    }),
  )
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
