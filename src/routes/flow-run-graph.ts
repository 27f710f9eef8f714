/**
 * GET /flow_runs/{id}/graph-v2: the task and subflow graph the UI draws (src/queries/flow-run-graph.ts),
 * and the legacy GET /flow_runs/{id}/graph (src/queries/task-run-dependencies.ts).
 */
import { Hono } from 'hono';
import * as v from 'valibot';
import type { AppEnv } from '../env';
import { detailError, objectNotFound, RequestValidationError } from '../http/errors';
import { pathUuid, uuidParam } from '../http/params';
import { toValidationIssue } from '../http/validation';
import { dateTime, opt } from '../schemas/common';
import { flowRunGraphSettings } from '../schemas/admin-settings';
import { readFlowRunGraph } from '../queries/flow-run-graph';
import { readTaskRunDependencies } from '../queries/task-run-dependencies';

const GraphQuery = v.object({ since: opt(dateTime()) });

export const flowRunGraphRoutes = new Hono<AppEnv>()
  .get(`/${uuidParam('id')}/graph`, async (c) => {
    const id = pathUuid(c, 'id');
    const dependencies = await readTaskRunDependencies(c.var.db, id);
    if (!dependencies) throw objectNotFound(`Flow run with id ${id} not found`);
    return c.json(dependencies);
  })
  .get(`/${uuidParam('id')}/graph-v2`, async (c) => {
  const id = pathUuid(c, 'id');
  const parsed = v.safeParse(GraphQuery, { since: c.req.query('since') });
  if (!parsed.success) throw new RequestValidationError(parsed.issues.map((i) => toValidationIssue(i, ['query'])), null);
  const query = parsed.output;
  const limits = flowRunGraphSettings(c.env);
  const result = await readFlowRunGraph(c.var.db, id, {
    since: query.since ?? null,
    maxNodes: limits.max_nodes,
    maxArtifacts: limits.max_artifacts,
  });
  if (!result.found) throw objectNotFound(`Flow run ${id} not found`);
  if (result.tooLarge) throw detailError(400, `The graph of flow run ${id} has more than ${limits.max_nodes} nodes.`);
  return c.json(result.graph);
});
