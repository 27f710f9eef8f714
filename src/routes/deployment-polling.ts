/** POST /deployments/get_scheduled_flow_runs: what `flow.serve()` and other runners poll. */
import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { DeploymentScheduledRunsBody } from '../schemas/actions/workers';
import { DEFAULT_LIMIT, readBody } from '../schemas/pagination';
import { pollDeployments } from '../queries/workers';

export const deploymentPollingRoutes = new Hono<AppEnv>().post('/get_scheduled_flow_runs', async (c) => {
  const body = await readBody(c, DeploymentScheduledRunsBody);
  const runs = await pollDeployments(c.var.db, body.deployment_ids, {
    scheduledBefore: body.scheduled_before,
    limit: body.limit ?? DEFAULT_LIMIT,
  });
  return c.json(runs);
});
