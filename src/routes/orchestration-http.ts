/** Helpers the flow-run orchestration routes share: path ids, request options, result bodies. */
import type { Context } from 'hono';
import type { AppEnv } from '../env';
import { objectNotFound } from '../http/errors';
import type { OrchestrationOutcome } from '../orchestration/engine';
import { serializeState } from '../orchestration/state-json';
import { pathUuid } from '../http/params';
import { orchestrateFlowRuns, orchestrationSettings, type ProposalFor } from '../queries/flow-run-orchestration';

/** Path UUIDs as Prefect's router matches them: hyphens optional, any case. */
export const UUID_PARAM = '{[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}}';
/** The path id, canonical; each hyphen is optional on its own (some dropped, some kept), as in Prefect. */
export const pathId = (c: Context<AppEnv>) => pathUuid(c, 'id');

export const orchestrationResult = (o: OrchestrationOutcome) => ({
  state: serializeState(o.state),
  status: o.status,
  details: o.details,
});

export const requestOptions = (c: Context<AppEnv>, force: boolean) => ({
  force,
  apiVersion: c.var.apiVersion,
  clientVersion: c.var.clientVersion,
  settings: orchestrationSettings(c.env),
});

/** Orchestrates one run; a rule error is a 500 (Prefect re-raises it), a missing run a 404. */
export async function orchestrateOne(c: Context<AppEnv>, runId: string, proposal: ProposalFor, force: boolean) {
  return c.var.db.transaction(async (tx) => {
    const { results } = await orchestrateFlowRuns(tx, { ids: [runId] }, proposal, requestOptions(c, force));
    const result = results[0];
    if (!result) throw objectNotFound(`Flow run with id ${runId} not found`);
    if (result.outcome?.error !== undefined) throw result.outcome.error;
    return result.outcome;
  });
}

