/**
 * Deleting flow runs (DELETE /flow_runs/{id}, POST /flow_runs/bulk_delete): lock the runs, release
 * the deployment slot of each run that holds one (PENDING, RUNNING, CANCELLING), revoke its lease,
 * and delete the runs and their logs — four statements for any number of runs. States, task runs
 * (and their states) and run inputs go by cascade; subflows of deleted task runs become top-level
 * runs (ON DELETE SET NULL). Logs have no foreign key, so the run DELETE carries a second DELETE for
 * them in a CTE: same transaction, same statement (Prefect uses a background job and the logs
 * linger until it runs: ../shared/spec/prefect-orchestration.md §5.1).
 *
 * The lock statement is a lighter one than orchestration's (`lockRunsForOrchestration`): deletion
 * reads no state history, no policy and no run times, and only the runs that hold a slot need their
 * state (for its lease), deployment (for its limit), lease and limit. A completed run costs its
 * flow_run row and nothing more, so the pages the DELETE does not read anyway stay unread
 * (docs/benchmarks.md, "bulk_delete against the floor", fourth pass).
 */
import { sql } from 'drizzle-orm';
import type { Tx } from '../db/client';
import { deferred } from '../db/pipeline';
import { ConcurrencyLedger, type LeaseMetadata } from '../orchestration/concurrency';
import type { StateType } from '../orchestration/states';
import { parseMicros } from '../time';
import { applyConcurrencyChanges, selectionSql, type RunSelection } from './flow-run-orchestration-store';

const SLOT_HOLDING: StateType[] = ['PENDING', 'RUNNING', 'CANCELLING'];
const UUID = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';

interface LoadedJson {
  /** Locked runs, id DESC; `holding` when the run's current state holds a deployment slot. */
  runs: { id: string; state_id: string | null; holding: boolean }[];
  /** The current state of each slot-holding run, as far as this statement's snapshot sees it. */
  states: { id: string; flow_run_id: string; lease_id: string | null; limit_id: string | null }[] | null;
  leases: { id: string; resource_ids: string[]; expiration: string; metadata: LeaseMetadata | null }[] | null;
  limits: { id: string; limit: number; active_slots: number; active: boolean }[] | null;
}

async function load(tx: Tx, selection: RunSelection): Promise<LoadedJson> {
  // Lock order as orchestration's: runs (id DESC) → leases (id) → limits (id); scalar subqueries run
  // left to right. The run's own state_type (written with state_id) picks the slot holders: the
  // locked row is the latest version, so a state committed while we waited counts.
  const result = await tx.execute(sql`
    WITH locked AS (${selectionSql(selection, sql`id, state_id, deployment_id, coalesce(state_type = ANY(${`{${SLOT_HOLDING.join(',')}}`}::state_type[]), false) AS holding`)}),
    states AS (
      SELECT s.id, s.flow_run_id, s.state_details->>'deployment_concurrency_lease_id' AS lease_id, d.concurrency_limit_id AS limit_id
      FROM locked r JOIN flow_run_state s ON s.id = r.state_id LEFT JOIN deployment d ON d.id = r.deployment_id
      WHERE r.holding),
    leases AS (
      SELECT id, resource_ids, expiration, metadata FROM concurrency_lease
      WHERE id IN (SELECT lease_id::uuid FROM states WHERE lease_id ~* ${UUID})
      ORDER BY id FOR UPDATE),
    limits AS (
      SELECT id, "limit", active_slots, active FROM concurrency_limit_v2
      WHERE id IN (SELECT limit_id FROM states UNION ALL SELECT unnest(resource_ids) FROM leases)
      ORDER BY id FOR UPDATE)
    SELECT (SELECT coalesce(json_agg(json_build_object('id', r.id, 'state_id', r.state_id, 'holding', r.holding) ORDER BY r.id DESC), '[]')
            FROM locked r) AS runs,
           (SELECT json_agg(s) FROM states s) AS states,
           (SELECT json_agg(l) FROM leases l) AS leases,
           (SELECT json_agg(c) FROM limits c) AS limits`);
  return result.rows[0] as unknown as LoadedJson;
}

export async function deleteFlowRuns(tx: Tx, selection: RunSelection, opts: { dryRun?: boolean } = {}): Promise<string[]> {
  let loaded = await load(tx, selection);
  // A slot holder whose state this statement's snapshot cannot see got it from a transaction that
  // committed while we waited for the lock: load again, now that the locks are held (as orchestration does).
  const seen = (l: LoadedJson) => new Set((l.states ?? []).map((s) => s.id));
  const stale = (l: LoadedJson, ids: Set<string>) => l.runs.some((r) => r.holding && r.state_id !== null && !ids.has(r.state_id));
  if (stale(loaded, seen(loaded))) loaded = await load(tx, { ids: loaded.runs.map((r) => r.id) });
  if (loaded.runs.length === 0) return [];
  const ledger = new ConcurrencyLedger(
    (loaded.limits ?? []).map((l) => ({ id: l.id, limit: l.limit, activeSlots: l.active_slots, active: l.active })),
    (loaded.leases ?? []).map((l) => ({ id: l.id, resourceIds: l.resource_ids, expiration: parseMicros(l.expiration)!, metadata: l.metadata })),
  );
  for (const state of loaded.states ?? []) {
    if (state.limit_id) ledger.releaseSlots(state.limit_id, 1);
    // Prefect leaves the lease for the reaper, which releases the slot a second time (clamped);
    // revoking it here avoids that (Appendix A5).
    if (state.lease_id) ledger.revokeLease(state.lease_id);
  }
  const ids = loaded.runs.map((r) => r.id);
  if (opts.dryRun) return ids;
  const idArray = `{${ids.join(',')}}`;
  // Sent together with the slot and lease writes, if any, before COMMIT: three round trips per request.
  await tx.execute(deferred(sql`
    WITH run_logs AS (DELETE FROM log WHERE flow_run_id = ANY(${idArray}::uuid[]))
    DELETE FROM flow_run WHERE id = ANY(${idArray}::uuid[])`));
  await applyConcurrencyChanges(tx, ledger);
  return ids;
}
