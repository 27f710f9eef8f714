/**
 * Flow-run creation and state transitions (spec §4.1, §4.3, §4.4): POST /flow_runs/,
 * /flow_runs/{id}/set_state and /resume, DELETE /flow_runs/{id}. Transitions lock the run, orchestrate it in memory and write once, in one transaction.
 */
import { Hono } from 'hono';
import * as v from 'valibot';
import type { AppEnv } from '../env';
import { notFound } from '../http/errors';
import { embeddedBody } from '../http/validation';
import { deleteFlowRuns } from '../queries/flow-run-deletion';
import { laxBool } from '../schemas/common';
import { buildProposedState, stateCreate } from '../schemas/states';
import { createFlowRun, flowRunCreate } from './flow-run-create';
import { resumeBody, resumeFlowRun } from './flow-run-resume';
import { orchestrateOne, orchestrationResult, pathId, UUID_PARAM } from './orchestration-http';
import { describe } from '../openapi/describe';

const setStateBody = v.object({ state: stateCreate, force: v.optional(laxBool(), false) });

export const flowRunOrchestrationRoutes = new Hono<AppEnv>()
  .post('/', describe({ body: flowRunCreate }), createFlowRun)
  .post(`/:id${UUID_PARAM}/set_state`, describe({ body: setStateBody }), async (c) => {
    const body = await embeddedBody(c, setStateBody);
    const outcome = await orchestrateOne(c, pathId(c), (_run, now) => buildProposedState(body.state, now), body.force);
    // 201 exactly when this request wrote a state (§4.1).
    return c.json(orchestrationResult(outcome!), outcome!.wrote ? 201 : 200);
  })
  .post(`/:id${UUID_PARAM}/resume`, describe({ body: resumeBody }), resumeFlowRun)
  .delete(`/:id${UUID_PARAM}`, async (c) => {
    const deleted = await c.var.db.transaction((tx) => deleteFlowRuns(tx, { ids: [pathId(c)] }));
    if (deleted.length === 0) throw notFound('Flow run not found');
    return c.body(null, 204);
  });
