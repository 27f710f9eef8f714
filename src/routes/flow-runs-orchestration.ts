/**
 * Flow-run state transitions (spec §4.1, §4.4): POST /flow_runs/{id}/set_state and /resume.
 * Both lock the run, orchestrate it in memory and write once, in one transaction.
 */
import { Hono } from 'hono';
import * as v from 'valibot';
import type { AppEnv } from '../env';
import { embeddedBody } from '../http/validation';
import { laxBool } from '../schemas/common';
import { buildProposedState, stateCreate } from '../schemas/states';
import { resumeFlowRun } from './flow-run-resume';
import { orchestrateOne, orchestrationResult, pathId, UUID_PARAM } from './orchestration-http';

const setStateBody = v.object({ state: stateCreate, force: v.optional(laxBool(), false) });

export const flowRunOrchestrationRoutes = new Hono<AppEnv>()
  .post(`/:id${UUID_PARAM}/set_state`, async (c) => {
    const body = await embeddedBody(c, setStateBody);
    const outcome = await orchestrateOne(c, pathId(c), (_run, now) => buildProposedState(body.state, now), body.force);
    // 201 exactly when this request wrote a state (§4.1).
    return c.json(orchestrationResult(outcome!), outcome!.wrote ? 201 : 200);
  })
  .post(`/:id${UUID_PARAM}/resume`, resumeFlowRun);
