/**
 * The lease reaper (Prefect's "repossessor"): expired deployment-concurrency leases give their
 * slots back. One statement locks a bounded batch of expired leases (skipping any a request holds),
 * the decision (slots per limit) is computed in memory, then a fixed number of writes: lock the
 * limits in id order (the order requests use), release the slots (clamped at 0, active limits
 * only), delete the leases. All in one transaction.
 */
import { sql } from 'drizzle-orm';
import type { Tx } from '../db/client';
import { toPgTimestamp } from '../time';
import { uuidArray, type ServiceContext } from './context';

export interface ExpiredLease {
  id: string;
  resource_ids: string[];
  slots: number;
}

/** Slots to give back per limit id. Pure. */
export function slotsToRelease(leases: ExpiredLease[]): Map<string, number> {
  const release = new Map<string, number>();
  for (const l of leases) for (const r of l.resource_ids) release.set(r, (release.get(r) ?? 0) + l.slots);
  return release;
}

export async function reapExpiredLeases(tx: Tx, now: number, batchSize: number): Promise<number> {
  const expired = await tx.execute(sql`
    SELECT id, resource_ids, coalesce((metadata->>'slots')::int, 1) AS slots FROM concurrency_lease
    WHERE expiration < ${toPgTimestamp(now)}::timestamptz ORDER BY id LIMIT ${batchSize} FOR UPDATE SKIP LOCKED`);
  const leases = expired.rows as unknown as ExpiredLease[];
  if (leases.length === 0) return 0;
  const release = slotsToRelease(leases);
  const rows = [...release].map(([id, n]) => ({ id, n }));
  await tx.execute(sql`
    SELECT id FROM concurrency_limit_v2 WHERE id = ANY(${uuidArray([...release.keys()])}::uuid[]) ORDER BY id FOR UPDATE`);
  await tx.execute(sql`
    UPDATE concurrency_limit_v2 c SET active_slots = greatest(0, c.active_slots - v.n), updated = clock_timestamp()
    FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS v(id uuid, n int)
    WHERE c.id = v.id AND c.active`);
  await tx.execute(sql`DELETE FROM concurrency_lease WHERE id = ANY(${uuidArray(leases.map((l) => l.id))}::uuid[])`);
  return leases.length;
}

export async function runRepossessor(ctx: ServiceContext): Promise<{ reaped: number }> {
  const reaped = await ctx.db.transaction((tx) => reapExpiredLeases(tx, ctx.now, ctx.settings.repossessor.batchSize));
  return { reaped };
}
