/**
 * POST /flow_runs/bulk_delete and /flow_runs/bulk_set_state (spec §5). Each request is one
 * transaction: the selected runs (FlowRunFilter, id DESC, 1 ≤ limit ≤ 50) are locked with what
 * orchestration needs in one statement, orchestrated in memory, and written with a fixed number of
 * statements. A rule that fails for one run gives that run ABORT and a null state; the others go on.
 * A database failure rolls the whole request back (503 when retryable). `dry_run: true` (our
 * extension) answers what would happen and writes nothing.
 */
import { Hono } from 'hono';
import * as v from 'valibot';
import type { AppEnv } from '../env';
import { methodNotAllowed } from '../http/method-not-allowed';
import { embeddedBody } from '../http/validation';
import { issueMessage, laxBool, laxInt } from '../schemas/common';
import { FlowRunFilter } from '../schemas/filters';
import { buildProposedState, stateCreate } from '../schemas/states';
import { flowRunFilterSql } from '../queries/filters';
import { deleteFlowRuns } from '../queries/flow-run-deletion';
import { orchestrateFlowRuns, type RunOutcome } from '../queries/flow-run-orchestration';
import type { RunSelection } from '../queries/flow-run-orchestration-store';
import { serializeState } from '../orchestration/state-json';
import { requestOptions } from './orchestration-http';
import { describe } from '../openapi/describe';

export const BULK_OPERATION_LIMIT = 50;

const bulkLimit = v.optional(
  v.pipe(
    laxInt(),
    v.minValue(1, issueMessage('greater_than_equal', 'Input should be greater than or equal to 1', { ge: 1 })),
    v.maxValue(BULK_OPERATION_LIMIT, issueMessage('less_than_equal', `Input should be less than or equal to ${BULK_OPERATION_LIMIT}`, { le: BULK_OPERATION_LIMIT })),
  ),
  BULK_OPERATION_LIMIT,
);

const selectionBody = {
  flow_runs: v.optional(FlowRunFilter),
  limit: bulkLimit,
  dry_run: v.optional(laxBool(), false),
};

const bulkDeleteBody = v.object(selectionBody);
const bulkSetStateBody = v.object({ ...selectionBody, state: stateCreate, force: v.optional(laxBool(), false) });

const selectionOf = (body: v.InferOutput<typeof bulkDeleteBody>): RunSelection => ({
  where: body.flow_runs ? flowRunFilterSql(body.flow_runs) : undefined,
  limit: body.limit,
});

function resultJson({ runId, outcome }: RunOutcome) {
  if (!outcome || outcome.error !== undefined) {
    const err = outcome?.error;
    return {
      flow_run_id: runId,
      status: 'ABORT',
      state: null,
      details: { type: 'abort_details', reason: err instanceof Error ? err.message : String(err) },
    };
  }
  return { flow_run_id: runId, status: outcome.status, state: serializeState(outcome.state), details: outcome.details };
}

export const flowRunBulkRoutes = new Hono<AppEnv>()
  .post('/bulk_delete', describe({ body: bulkDeleteBody }), async (c) => {
    const body = await embeddedBody(c, bulkDeleteBody);
    const deleted = await c.var.db.transaction((tx) => deleteFlowRuns(tx, selectionOf(body), { dryRun: body.dry_run }));
    return c.json({ deleted });
  })
  .post('/bulk_set_state', describe({ body: bulkSetStateBody }), async (c) => {
    const body = await embeddedBody(c, bulkSetStateBody);
    const { results } = await c.var.db.transaction((tx) =>
      orchestrateFlowRuns(
        tx,
        selectionOf(body),
        // A fresh state (id, timestamp, details) per run: runs never share state_details (Appendix A1).
        (_run, now) => buildProposedState(body.state, now),
        { ...requestOptions(c, body.force), dryRun: body.dry_run },
      ),
    );
    return c.json({ results: results.map(resultJson) });
  })
  .all('/bulk_delete', methodNotAllowed)
  .all('/bulk_set_state', methodNotAllowed);
