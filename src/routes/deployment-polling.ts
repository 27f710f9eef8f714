/**
 * POST /deployments/get_scheduled_flow_runs (what `flow.serve()` and other runners poll) and
 * GET /deployments/{id}/work_queue_check (the legacy queues that would pick up a deployment).
 */
import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { notFound } from '../http/errors';
import { pathUuid, uuidParam } from '../http/params';
import { DeploymentScheduledRunsBody } from '../schemas/actions/workers';
import { DEFAULT_LIMIT, readBody } from '../schemas/pagination';
import { pollDeployments } from '../queries/workers';
import { workQueuesForDeployment } from '../queries/work-queue-polling';
import { describe } from '../openapi/describe';

export const deploymentPollingRoutes = new Hono<AppEnv>()
  .post('/get_scheduled_flow_runs', describe({ body: DeploymentScheduledRunsBody }), async (c) => {
    const body = await readBody(c, DeploymentScheduledRunsBody);
    const runs = await pollDeployments(c.var.db, body.deployment_ids, {
      scheduledBefore: body.scheduled_before,
      limit: body.limit ?? DEFAULT_LIMIT,
    });
    return c.json(runs);
  })
  .get(`/${uuidParam('id')}/work_queue_check`, async (c) => {
    const queues = await workQueuesForDeployment(c.var.db, pathUuid(c, 'id'));
    if (!queues) throw notFound('Deployment not found');
    return c.json(queues);
  });
