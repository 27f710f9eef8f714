/**
 * Deleting flow runs (DELETE /flow_runs/{id}, POST /flow_runs/bulk_delete): lock the runs, delete
 * them and their logs, release the deployment slot of each run that holds one (PENDING, RUNNING,
 * CANCELLING) and revoke its lease — a fixed number of statements for any number of runs. States,
 * task runs (and their states) and run inputs go by cascade; subflows of deleted task runs become
 * top-level runs (ON DELETE SET NULL). Logs have no foreign key, so the run DELETE carries a second
 * DELETE for them: same transaction, same statement (Prefect uses a background job and the logs
 * linger until it runs: ../shared/spec/prefect-orchestration.md §5.1).
 *
 * One statement locks, loads what the slot release needs and deletes: for runs that hold no slot the
 * request is BEGIN + that statement, then COMMIT (two round trips); the slot and lease writes, when
 * there are any, travel before COMMIT. It is lighter than orchestration's load
 * (`lockRunsForOrchestration`): no state history, no policy, no run times, and only the runs that
 * hold a slot read their state (for its lease), deployment (for its limit), lease and limit, so a
 * completed run costs its own rows and nothing more (docs/benchmarks.md, "bulk_delete against the
 * floor", fourth pass).
 */
import { sql } from 'drizzle-orm';
import type { Tx } from '../db/client';
import type { StateType } from '../orchestration/states';
import {
  applyConcurrencyChanges,
  ledgerFromRows,
  lockLeasesAndLimits,
  LEASE_ID_PATTERN,
  selectionSql,
  type LeaseRowJson,
  type LimitRowJson,
  type RunSelection,
} from './flow-run-orchestration-store';

const SLOT_HOLDING: StateType[] = ['PENDING', 'RUNNING', 'CANCELLING'];

interface LoadedJson {
  /** Locked runs, id DESC; `holding` when the run's current state holds a deployment slot. */
  runs: { id: string; state_id: string | null; holding: boolean }[];
  /** The current state of each slot-holding run, as far as this statement's snapshot sees it. */
  states: { id: string; flow_run_id: string; lease_id: string | null; limit_id: string | null }[] | null;
  leases: LeaseRowJson[] | null;
  limits: LimitRowJson[] | null;
  /** A slot holder's current state was not visible to the statement (nothing was deleted). */
  stale: boolean;
}

// Data-modifying CTEs the main query does not read run after it, so after the locks it takes; the
// foreign-key cascades run at the end of the statement. The ids go in as one array (an InitPlan), so
// both DELETEs probe their index as the separate DELETE did.
const removal = sql`,
    doomed AS (SELECT array_agg(id) AS ids FROM locked WHERE NOT EXISTS (SELECT 1 FROM stale)),
    run_logs AS (DELETE FROM log WHERE flow_run_id = ANY((SELECT ids FROM doomed)::uuid[])),
    runs_deleted AS (DELETE FROM flow_run WHERE id = ANY((SELECT ids FROM doomed)::uuid[]))`;

/**
 * Locks and loads the runs; with `remove`, the same statement also deletes them and their logs,
 * unless a slot holder's current state is not visible to it (see `stale`).
 */
async function load(tx: Tx, selection: RunSelection, remove: boolean): Promise<LoadedJson> {
  // Lock order as orchestration's: runs (id DESC) → leases (id) → limits (id); scalar subqueries run
  // left to right. The run's own state_type (written with state_id) picks the slot holders: the
  // locked row is the latest version, so a state committed while we waited counts.
  const result = await tx.execute(sql`
    WITH locked AS (${selectionSql(selection, sql`id, state_id, deployment_id, coalesce(state_type = ANY(${`{${SLOT_HOLDING.join(',')}}`}::state_type[]), false) AS holding`)}),
    states AS (
      SELECT s.id, s.flow_run_id, s.state_details->>'deployment_concurrency_lease_id' AS lease_id, d.concurrency_limit_id AS limit_id
      FROM locked r JOIN flow_run_state s ON s.id = r.state_id LEFT JOIN deployment d ON d.id = r.deployment_id
      WHERE r.holding),
    ${lockLeasesAndLimits(sql`SELECT lease_id::uuid FROM states WHERE lease_id ~* ${LEASE_ID_PATTERN}`, sql`SELECT limit_id FROM states`)},
    stale AS (
      SELECT 1 FROM locked r WHERE r.holding AND r.state_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM states s WHERE s.id = r.state_id))
    ${remove ? removal : sql``}
    SELECT (SELECT coalesce(json_agg(json_build_object('id', r.id, 'state_id', r.state_id, 'holding', r.holding) ORDER BY r.id DESC), '[]')
            FROM locked r) AS runs,
           (SELECT json_agg(s) FROM states s) AS states,
           (SELECT json_agg(l) FROM leases l) AS leases,
           (SELECT json_agg(c) FROM limits c) AS limits,
           EXISTS (SELECT 1 FROM stale) AS stale`);
  return result.rows[0] as unknown as LoadedJson;
}

export async function deleteFlowRuns(tx: Tx, selection: RunSelection, opts: { dryRun?: boolean } = {}): Promise<string[]> {
  const remove = !opts.dryRun;
  let loaded = await load(tx, selection, remove);
  // A slot holder whose state this statement's snapshot cannot see got it from a transaction that
  // committed while we waited for the lock; the statement then deleted nothing. Load (and delete)
  // again, now that the locks are held, as orchestration does; the new snapshot sees that state.
  if (loaded.stale) loaded = await load(tx, { ids: loaded.runs.map((r) => r.id) }, remove);
  if (loaded.stale) throw new Error('flow-run deletion: a locked run\'s state is still not visible');
  if (loaded.runs.length === 0) return [];
  const ledger = ledgerFromRows(loaded.limits, loaded.leases);
  for (const state of loaded.states ?? []) {
    if (state.limit_id) ledger.releaseSlots(state.limit_id, 1);
    // Prefect leaves the lease for the reaper, which releases the slot a second time (clamped);
    // revoking it here avoids that (Appendix A5).
    if (state.lease_id) ledger.revokeLease(state.lease_id);
  }
  // The slot and lease writes, if any, are sent before COMMIT: two round trips for runs that hold no
  // slot (BEGIN + lock-and-delete, COMMIT), three otherwise.
  if (remove) await applyConcurrencyChanges(tx, ledger);
  return loaded.runs.map((r) => r.id);
}
