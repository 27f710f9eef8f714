/**
 * Taking and releasing slots of global concurrency limits by name (POST /v2/concurrency_limits/increment
 * and /decrement), with Prefect's decay: active slots of rate limits decay at slot_decay_per_second;
 * denied slots decay at that rate too, or, for concurrency limits, one per average occupancy
 * (clamped to 0.1..30 s).
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../db/client';
import { concurrencyLease, concurrencyLimitV2 } from '../db/schema';
import { detailError } from '../http/errors';
import { activeSlotsAfterDecay } from './concurrency-limits';

/** Prefect's maximum_concurrency_slot_wait_seconds (and the tag-limit equivalent): both default to 30. */
const MAX_WAIT_SECONDS = 30;
const MIN_OCCUPANCY_SECONDS = 0.1;
/** Occupancy is averaged over the last limit × 2 samples. */
const OCCUPANCY_SAMPLES_MULTIPLIER = 2;

const l = concurrencyLimitV2;
const secondsSinceUpdate = sql`extract(epoch from (now() - ${l.updated}))`;
const deniedDecayPerSecond = sql`case when ${l.slotDecayPerSecond} > 0 then ${l.slotDecayPerSecond}
  else 1.0 / greatest(${MIN_OCCUPANCY_SECONDS}::float8, least(${l.avgSlotOccupancySeconds}, ${MAX_WAIT_SECONDS}::float8)) end`;
export const deniedSlotsAfterDecay = sql<number>`greatest(0, ${l.deniedSlots} - floor(${deniedDecayPerSecond} * ${secondsSinceUpdate}))::int`;

type LimitRow = typeof concurrencyLimitV2.$inferSelect;
export interface MinimalLimit {
  id: string;
  name: string;
  limit: number;
}
const minimal = (r: LimitRow): MinimalLimit => ({ id: r.id, name: r.name, limit: r.limit });

async function limitsByName(db: DbOrTx, names: string[]): Promise<LimitRow[]> {
  return db.select().from(concurrencyLimitV2).where(inArray(concurrencyLimitV2.name, names)).orderBy(concurrencyLimitV2.id).for('update');
}

/** Thrown inside the increment transaction to roll it back when some limit is full. */
class LimitsFull extends Error {
  constructor(readonly limits: LimitRow[]) {
    super('concurrency limits full');
  }
}

/** How long a denied caller should wait, as Prefect computes it (its jitter included). */
export function retryAfterSeconds(active: LimitRow[], slots: number, random: () => number = Math.random): number {
  const blocking = (x: LimitRow) => (x.slotDecayPerSecond > 0 ? slots + x.deniedSlots : (slots + x.deniedSlots) / x.limit);
  const worst = active.reduce((a, b) => (blocking(b) > blocking(a) ? b : a));
  const blockingSlots = blocking(worst);
  const average =
    worst.slotDecayPerSecond === 0
      ? Math.min(Math.min(worst.avgSlotOccupancySeconds, MAX_WAIT_SECONDS) * blockingSlots, MAX_WAIT_SECONDS)
      : (1 / worst.slotDecayPerSecond) * blockingSlots;
  return clampedPoissonInterval(average, random);
}

/** An exponential inter-arrival time, clamped to about average × [0.36, 1.3]. */
function clampedPoissonInterval(average: number, random: () => number): number {
  const upperMultiple = 1.3;
  const lowerMultiple = Math.log2(2 ** upperMultiple / (2 ** upperMultiple - 1));
  const cdf = (x: number) => 1 - Math.exp(-x / average);
  const lower = cdf(Math.max(0, average * lowerMultiple));
  const upper = cdf(average * upperMultiple);
  const u = lower + (upper - lower) * random();
  return -Math.log(Math.max(1 - u, 1e-10)) * average;
}

export type IncrementResult =
  | { acquired: true; limits: MinimalLimit[]; leaseId?: string }
  | { acquired: false; retryAfterSeconds: number };

export interface LeaseHolder {
  type: 'flow_run' | 'task_run' | 'deployment';
  id: string;
}

/** A lease to record the taken slots on (increment-with-lease), so they can be given back exactly once. */
export interface LeaseRequest {
  durationSeconds: number;
  holder: LeaseHolder | null;
}

/**
 * Takes `slots` on every active limit named, all or nothing. When some limit is full nothing is
 * taken, the denied slots are recorded (in a second transaction, as Prefect does), and the caller
 * is told how long to wait.
 */
export async function incrementSlots(
  db: DbOrTx,
  names: string[],
  slots: number,
  mode: 'concurrency' | 'rate_limit',
  lease?: LeaseRequest,
): Promise<IncrementResult> {
  try {
    const { limits, leaseId } = await db.transaction(async (tx) => {
      const limits = await limitsByName(tx, names);
      const active = limits.filter((x) => x.active);
      if (active.some((x) => x.limit < slots)) throw detailError(422, 'Slots requested is greater than the limit');
      const nonDecaying = active.filter((x) => x.slotDecayPerSecond === 0).map((x) => x.name);
      if (mode === 'rate_limit' && nonDecaying.length > 0) {
        throw detailError(
          422,
          'Only concurrency limits with slot decay can be used for rate limiting. The following limits do not have a decay ' +
            `configured: '${nonDecaying.join(',')}'`,
        );
      }
      if (active.length > 0) {
        const taken = await tx
          .update(concurrencyLimitV2)
          .set({
            activeSlots: sql`${activeSlotsAfterDecay} + ${slots}`,
            deniedSlots: deniedSlotsAfterDecay,
            updated: sql`now()`,
          })
          .where(and(inArray(l.id, active.map((x) => x.id)), eq(l.active, true), sql`${activeSlotsAfterDecay} + ${slots} <= ${l.limit}`))
          .returning({ id: l.id });
        if (taken.length !== active.length) throw new LimitsFull(active);
      }
      if (!lease) return { limits: limits.map(minimal), leaseId: undefined };
      // As in Prefect, the lease names every limit found, inactive ones included (their release is
      // skipped while they stay inactive). Same transaction: no slot without its lease, or vice versa.
      const [created] = await tx
        .insert(concurrencyLease)
        .values({
          resourceIds: limits.map((x) => x.id),
          expiration: sql`clock_timestamp() + ${lease.durationSeconds} * interval '1 second'`,
          metadata: { slots, holder: lease.holder },
        })
        .returning({ id: concurrencyLease.id });
      return { limits: limits.map(minimal), leaseId: created!.id };
    });
    return leaseId === undefined ? { acquired: true, limits } : { acquired: true, limits, leaseId };
  } catch (e) {
    if (!(e instanceof LimitsFull)) throw e;
    await db
      .update(concurrencyLimitV2)
      .set({ deniedSlots: sql`${deniedSlotsAfterDecay} + ${slots}`, updated: sql`now()` })
      .where(and(inArray(l.id, e.limits.map((x) => x.id)), eq(l.active, true)));
    return { acquired: false, retryAfterSeconds: retryAfterSeconds(e.limits, slots) };
  }
}

/**
 * Releases `slots` on every active limit named (never below zero), and when the caller says how
 * long it held them, folds that into the limit's average occupancy. Returns every limit named.
 */
export async function decrementSlots(db: DbOrTx, names: string[], slots: number, occupancySeconds?: number): Promise<MinimalLimit[]> {
  return db.transaction(async (tx) => {
    const limits = await limitsByName(tx, names);
    await releaseOnActive(tx, limits, slots, occupancySeconds);
    return limits.map(minimal);
  });
}

/**
 * Releases the slots recorded on a lease and deletes it (decrement-with-lease). Deleting first
 * locks the lease row, so a concurrent release or the reaper finds it gone: the slots go back
 * exactly once. An unknown (already released or reaped) lease is a no-op, as in Prefect.
 */
export async function releaseLeaseSlots(db: DbOrTx, leaseId: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    const deleted = await tx.execute(sql`
      DELETE FROM concurrency_lease WHERE id = ${leaseId}
      RETURNING resource_ids, metadata, extract(epoch from clock_timestamp() - created)::float8 AS held_seconds`);
    const lease = deleted.rows[0] as { resource_ids: string[]; metadata: { slots?: number } | null; held_seconds: number } | undefined;
    if (!lease) return false;
    const slots = lease.metadata?.slots ?? 0;
    if (slots > 0 && lease.resource_ids.length > 0) {
      const limits = await tx.select().from(concurrencyLimitV2).where(inArray(l.id, lease.resource_ids)).orderBy(l.id).for('update');
      await releaseOnActive(tx, limits, slots, lease.held_seconds);
    }
    return true;
  });
}

async function releaseOnActive(tx: Tx, limits: LimitRow[], slots: number, occupancySeconds?: number): Promise<void> {
  const active = limits.filter((x) => x.active).map((x) => x.id);
  if (active.length === 0) return;
  const perSlot = occupancySeconds ? Math.max(occupancySeconds / slots, MIN_OCCUPANCY_SECONDS) : null;
  await tx
    .update(concurrencyLimitV2)
    .set({
      activeSlots: sql`greatest(0, ${activeSlotsAfterDecay} - ${slots})`,
      deniedSlots: deniedSlotsAfterDecay,
      updated: sql`now()`,
      ...(perSlot === null
        ? {}
        : {
            // A zero limit has no samples to average over (Prefect divides by zero there).
            avgSlotOccupancySeconds: sql`case when ${l.limit} > 0 then ${l.avgSlotOccupancySeconds}
              + (${perSlot}::float8 - ${l.avgSlotOccupancySeconds}) / (${l.limit} * ${OCCUPANCY_SAMPLES_MULTIPLIER})
              else ${l.avgSlotOccupancySeconds} end`,
          }),
    })
    .where(inArray(l.id, active));
}
