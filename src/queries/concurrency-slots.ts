/**
 * Taking and releasing slots of global concurrency limits by name (POST /v2/concurrency_limits/increment
 * and /decrement), with Prefect's decay: active slots of rate limits decay at slot_decay_per_second;
 * denied slots decay at that rate too, or, for concurrency limits, one per average occupancy
 * (clamped to 0.1..30 s).
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { concurrencyLimitV2 } from '../db/schema';
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
const deniedSlotsAfterDecay = sql<number>`greatest(0, ${l.deniedSlots} - floor(${deniedDecayPerSecond} * ${secondsSinceUpdate}))::int`;

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

export type IncrementResult = { acquired: true; limits: MinimalLimit[] } | { acquired: false; retryAfterSeconds: number };

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
): Promise<IncrementResult> {
  try {
    const limits = await db.transaction(async (tx) => {
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
      return limits.map(minimal);
    });
    return { acquired: true, limits };
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
    const active = limits.filter((x) => x.active).map((x) => x.id);
    if (active.length > 0) {
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
    return limits.map(minimal);
  });
}
