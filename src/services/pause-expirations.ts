/**
 * Pause expirations (Prefect's FailExpiredPauses): PAUSED runs whose `pause_timeout` has passed are
 * forced to FAILED ("The flow was paused and never resumed."). One statement locks and loads a
 * bounded batch, the decision is made in memory per run, and the states are written with a fixed
 * number of statements.
 */
import { sql } from 'drizzle-orm';
import type { RunSnapshot } from '../orchestration/context';
import type { OrchState } from '../orchestration/states';
import { orchestrateFlowRuns, orchestrationSettings } from '../queries/flow-run-orchestration';
import { buildProposedState } from '../schemas/states';
import { parseMicros, toPgTimestamp, type Micros } from '../time';
import type { ServiceContext } from './context';

export const PAUSE_EXPIRED_MESSAGE = 'The flow was paused and never resumed.';

/** FAILED for a run whose pause timed out before `clock`, else null. Pure. */
export function expiredPauseProposal(run: RunSnapshot, now: Micros, clock: Micros): OrchState | null {
  const state = run.state;
  if (!state || state.type !== 'PAUSED') return null;
  const timeout = state.stateDetails.pause_timeout;
  const at = typeof timeout === 'string' ? parseMicros(timeout) : null;
  if (at === null || at >= clock) return null;
  return buildProposedState({ type: 'FAILED', message: PAUSE_EXPIRED_MESSAGE }, now);
}

export async function runPauseExpirations(ctx: ServiceContext): Promise<{ failed: number }> {
  const clock = ctx.now;
  const { results } = await ctx.db.transaction((tx) =>
    orchestrateFlowRuns(
      tx,
      {
        where: sql`state_type = 'PAUSED' AND EXISTS (
          SELECT 1 FROM flow_run_state s WHERE s.id = flow_run.state_id
            AND s.state_details->>'pause_timeout' ~ '^\\d{4}-'
            AND (s.state_details->>'pause_timeout')::timestamptz < ${toPgTimestamp(clock)}::timestamptz)`,
        limit: ctx.settings.pauseExpirations.batchSize,
      },
      (run, now) => expiredPauseProposal(run, now, clock),
      { force: true, apiVersion: null, clientVersion: null, settings: orchestrationSettings(ctx.env) },
    ),
  );
  return { failed: results.filter((r) => r.outcome?.wrote).length };
}
