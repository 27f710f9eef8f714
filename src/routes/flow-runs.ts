/** Flow run field updates: PATCH /flow_runs/{id} and PATCH /flow_runs/{id}/labels. */
import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { pathUuid, uuidParam } from '../http/params';
import { modelBody } from '../http/validation';
import { FlowRunLabels, FlowRunUpdate } from '../schemas/actions/flow-runs';
import { mergeFlowRunLabels, updateFlowRun } from '../queries/flow-run-updates';
import { describe } from '../openapi/describe';

const ID = `/${uuidParam('id')}`;

export const flowRunUpdateRoutes = new Hono<AppEnv>()
  .patch(ID, describe({ body: FlowRunUpdate }), async (c) => {
    const body = await modelBody(c, FlowRunUpdate);
    await c.var.db.transaction((tx) => updateFlowRun(tx, pathUuid(c, 'id'), body));
    return c.body(null, 204);
  })
  .patch(`${ID}/labels`, describe({ body: FlowRunLabels }), async (c) => {
    const labels = await modelBody(c, FlowRunLabels);
    await mergeFlowRunLabels(c.var.db, pathUuid(c, 'id'), labels);
    return c.body(null, 204);
  });
