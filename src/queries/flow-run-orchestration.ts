/**
 * Orchestrating flow runs against the database: lock and load (one statement), run the engine for
 * every run in memory, write once. Single-run and bulk endpoints share this.
 */
import type { Tx } from '../db/client';
import type { Env } from '../env';
import { DEFAULT_SETTINGS, type OrchestrationSettings, type RunSnapshot } from '../orchestration/context';
import { orchestrate, type OrchestrationOutcome } from '../orchestration/engine';
import type { OrchState } from '../orchestration/states';
import type { ApiVersion } from '../orchestration/versions';
import type { Micros } from '../time';
import { applyOrchestration, deploymentOf, lockRunsForOrchestration, type OrchestrationBatch, type RunSelection } from './flow-run-orchestration-store';

export interface OrchestrationRequest {
  force: boolean;
  apiVersion: ApiVersion;
  clientVersion: string | null;
  settings: OrchestrationSettings;
  /** Nothing is written (bulk `dry_run`). */
  dryRun?: boolean;
}

/** The proposed state for one run, built at the database time `now` (null: leave this run alone). */
export type ProposalFor = (run: RunSnapshot, now: Micros) => OrchState | null;

export interface RunOutcome {
  runId: string;
  outcome: OrchestrationOutcome | null;
}

/** Locks the selected runs, orchestrates each in id-DESC order, and writes the outcomes. */
export async function orchestrateFlowRuns(
  tx: Tx,
  selection: RunSelection,
  proposalFor: ProposalFor,
  request: OrchestrationRequest,
): Promise<{ batch: OrchestrationBatch; results: RunOutcome[] }> {
  const batch = await lockRunsForOrchestration(tx, selection);
  const results = orchestrateBatch(batch, proposalFor, request);
  if (!request.dryRun) await applyOrchestration(tx, batch, outcomesOf(results));
  return { batch, results };
}

export const outcomesOf = (results: RunOutcome[]) => results.flatMap((r) => (r.outcome ? [r.outcome] : []));

/** Runs the engine for every locked run, in order, sharing the batch's concurrency ledger. Pure. */
export function orchestrateBatch(batch: OrchestrationBatch, proposalFor: ProposalFor, request: OrchestrationRequest): RunOutcome[] {
  return batch.runs.map((run, index): RunOutcome => {
    // Each run's state gets its own time, one microsecond after the previous run's, as Prefect's
    // one-by-one writes do: distinct, increasing timestamps from the one database clock reading.
    const now = batch.now + index;
    const proposed = proposalFor(run, now);
    if (!proposed) return { runId: run.id, outcome: null };
    const outcome = orchestrate({
      run,
      deployment: deploymentOf(batch, run),
      proposed,
      force: request.force,
      apiVersion: request.apiVersion,
      clientVersion: request.clientVersion,
      now,
      ledger: batch.ledger,
      settings: request.settings,
    });
    return { runId: run.id, outcome };
  });
}

/** Server settings that orchestration reads, from Worker vars when set. */
export function orchestrationSettings(env: Env): OrchestrationSettings {
  const num = (x: string | undefined, fallback: number) => (x !== undefined && Number.isFinite(Number(x)) && x.trim() !== '' ? Number(x) : fallback);
  return {
    initialDeploymentLeaseDuration: num(env.PREFECT_SERVER_CONCURRENCY_INITIAL_DEPLOYMENT_LEASE_DURATION, DEFAULT_SETTINGS.initialDeploymentLeaseDuration),
    concurrencySlotWaitSeconds: num(env.PREFECT_DEPLOYMENTS_CONCURRENCY_SLOT_WAIT_SECONDS, DEFAULT_SETTINGS.concurrencySlotWaitSeconds),
  };
}
