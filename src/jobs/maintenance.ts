/**
 * Background work run from the Worker's cron trigger (Prefect runs these as server services):
 * - the lease reaper ("repossessor"): expired deployment-concurrency leases give their slots back;
 * - the cancellation timeout: runs stuck in CANCELLING for too long are marked CANCELLED.
 */
import { sql } from 'drizzle-orm';
import { createDb, type Tx } from '../db/client';
import type { Env } from '../env';
import { buildProposedState } from '../schemas/states';
import { orchestrateFlowRuns, orchestrationSettings } from '../queries/flow-run-orchestration';

const REAP_BATCH = 500;
/** Prefect's default cancellation timeout (seconds). */
export const CANCELLING_TIMEOUT_SECONDS = 300;

/**
 * Reaps expired leases: lock them (skipping any a request holds), lock their limits in id order
 * (the order requests use), release the slots (clamped at 0, active limits only), delete the leases.
 */
export async function reapExpiredLeases(tx: Tx): Promise<number> {
  const expired = await tx.execute(sql`
    SELECT id, resource_ids, coalesce((metadata->>'slots')::int, 1) AS slots FROM concurrency_lease
    WHERE expiration < clock_timestamp() ORDER BY id LIMIT ${REAP_BATCH} FOR UPDATE SKIP LOCKED`);
  const leases = expired.rows as { id: string; resource_ids: string[]; slots: number }[];
  if (leases.length === 0) return 0;
  const release = new Map<string, number>();
  for (const l of leases) for (const r of l.resource_ids) release.set(r, (release.get(r) ?? 0) + l.slots);
  const rows = [...release].map(([id, n]) => ({ id, n }));
  await tx.execute(sql`
    SELECT id FROM concurrency_limit_v2 WHERE id = ANY(${`{${[...release.keys()].join(',')}}`}::uuid[]) ORDER BY id FOR UPDATE`);
  await tx.execute(sql`
    UPDATE concurrency_limit_v2 c SET active_slots = greatest(0, c.active_slots - v.n), updated = clock_timestamp()
    FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS v(id uuid, n int)
    WHERE c.id = v.id AND c.active`);
  await tx.execute(sql`DELETE FROM concurrency_lease WHERE id = ANY(${`{${leases.map((l) => l.id).join(',')}}`}::uuid[])`);
  return leases.length;
}

/** Forces runs that have been CANCELLING for longer than the timeout into CANCELLED. */
export async function cancelTimedOutCancellations(tx: Tx, env: Env, timeoutSeconds = CANCELLING_TIMEOUT_SECONDS): Promise<number> {
  const { results } = await orchestrateFlowRuns(
    tx,
    {
      where: sql`state_type = 'CANCELLING' AND state_timestamp < clock_timestamp() - ${timeoutSeconds} * interval '1 second'`,
      limit: 50,
    },
    (_run, now) => buildProposedState({ type: 'CANCELLED', message: 'Flow run cancellation timed out; marked this flow run as Cancelled.' }, now),
    { force: true, apiVersion: null, clientVersion: null, settings: orchestrationSettings(env) },
  );
  return results.filter((r) => r.outcome?.wrote).length;
}

export async function runMaintenance(env: Env): Promise<{ reaped: number; cancelled: number }> {
  const handle = createDb(env);
  try {
    const reaped = await handle.db.transaction((tx) => reapExpiredLeases(tx));
    const cancelled = await handle.db.transaction((tx) => cancelTimedOutCancellations(tx, env));
    return { reaped, cancelled };
  } finally {
    await handle.close();
  }
}
