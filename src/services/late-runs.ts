/**
 * Late runs (Prefect's MarkLateRuns): runs still SCHEDULED ("Scheduled") more than
 * `PREFECT_SERVER_SERVICES_LATE_RUNS_AFTER_SECONDS` after their scheduled start get a `Late` state
 * (type SCHEDULED) with the same scheduled time. One statement locks and loads a bounded batch,
 * the proposals are decided in memory, and the states are written with a fixed number of statements
 * (the bulk orchestration path). A run that changed meanwhile is left alone (Prefect's
 * EnsureOnlyScheduledFlowsMarkedLate).
 */
import { sql } from 'drizzle-orm';
import type { RunSnapshot } from '../orchestration/context';
import type { OrchState } from '../orchestration/states';
import { orchestrateFlowRuns, orchestrationSettings } from '../queries/flow-run-orchestration';
import { buildProposedState } from '../schemas/states';
import { formatMicros, toPgTimestamp, type Micros } from '../time';
import type { ServiceContext } from './context';

/** The Late state for a run, or null when the run is not (or no longer) a late Scheduled run. Pure. */
export function lateProposal(run: RunSnapshot, now: Micros, threshold: Micros): OrchState | null {
  const state = run.state;
  if (!state || state.type !== 'SCHEDULED' || state.name !== 'Scheduled') return null;
  if (run.nextScheduledStartTime === null || run.nextScheduledStartTime > threshold) return null;
  return buildProposedState(
    { type: 'SCHEDULED', name: 'Late', state_details: { scheduled_time: formatMicros(run.nextScheduledStartTime) } },
    now,
  );
}

export async function runLateRuns(ctx: ServiceContext): Promise<{ marked: number }> {
  const { afterSeconds, batchSize } = ctx.settings.lateRuns;
  const threshold = ctx.now - afterSeconds * 1_000_000;
  const { results } = await ctx.db.transaction((tx) =>
    orchestrateFlowRuns(
      tx,
      {
        where: sql`state_type = 'SCHEDULED' AND state_name = 'Scheduled'
          AND next_scheduled_start_time <= ${toPgTimestamp(threshold)}::timestamptz`,
        limit: batchSize,
      },
      (run, now) => lateProposal(run, now, threshold),
      { force: true, apiVersion: null, clientVersion: null, settings: orchestrationSettings(ctx.env) },
    ),
  );
  return { marked: results.filter((r) => r.outcome?.wrote).length };
}
