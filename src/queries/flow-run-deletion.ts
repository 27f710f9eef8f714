/**
 * Deleting flow runs (DELETE /flow_runs/{id}, POST /flow_runs/bulk_delete): lock the runs with
 * the same one-statement load orchestration uses, release the deployment slot of each run that
 * holds one (PENDING, RUNNING, CANCELLING), revoke its lease, and delete the runs and their logs — four
 * statements for any number of runs. States, task runs (and their states) and run inputs go by
 * cascade; subflows of deleted task runs become top-level runs (ON DELETE SET NULL). Logs have no
 * foreign key, so the run DELETE carries a second DELETE for them in a CTE: same transaction, same
 * statement (Prefect uses a background job and the logs linger until it runs:
 * ../shared/spec/prefect-orchestration.md §5.1).
 */
import { sql } from 'drizzle-orm';
import type { Tx } from '../db/client';
import { deferred } from '../db/pipeline';
import { applyConcurrencyChanges, deploymentOf, lockRunsForOrchestration, type RunSelection } from './flow-run-orchestration-store';

const SLOT_HOLDING = new Set(['PENDING', 'RUNNING', 'CANCELLING']);

export async function deleteFlowRuns(tx: Tx, selection: RunSelection, opts: { dryRun?: boolean } = {}): Promise<string[]> {
  const batch = await lockRunsForOrchestration(tx, selection);
  if (batch.runs.length === 0) return [];
  for (const run of batch.runs) {
    if (!run.state || !SLOT_HOLDING.has(run.state.type)) continue;
    const limitId = deploymentOf(batch, run)?.concurrencyLimitId;
    if (limitId) batch.ledger.releaseSlots(limitId, 1);
    // Prefect leaves the lease for the reaper, which releases the slot a second time (clamped);
    // revoking it here avoids that (Appendix A5).
    const leaseId = run.state.stateDetails.deployment_concurrency_lease_id;
    if (leaseId) batch.ledger.revokeLease(leaseId);
  }
  const ids = batch.runs.map((r) => r.id);
  if (opts.dryRun) return ids;
  const idArray = `{${ids.join(',')}}`;
  // Sent together with the slot and lease writes, if any, before COMMIT: three round trips per request.
  await tx.execute(deferred(sql`
    WITH run_logs AS (DELETE FROM log WHERE flow_run_id = ANY(${idArray}::uuid[]))
    DELETE FROM flow_run WHERE id = ANY(${idArray}::uuid[])`));
  await applyConcurrencyChanges(tx, batch.ledger);
  return ids;
}
