/**
 * How many cases each property runs, and from which seed. CI runs the defaults (a fixed seed, so a
 * failure reproduces); `npm run test:properties` runs thousands of cases from a random seed it prints.
 * Both come from the environment (PROPERTY_RUNS, PROPERTY_SEED) through the Worker's bindings.
 */
import { env } from 'cloudflare:workers';
import fc from 'fast-check';

/**
 * Cases per property in CI: with a valid and a one-fault property per endpoint, 400 requests per
 * endpoint; the whole property suite takes about 8 minutes on 2 cores.
 */
export const DEFAULT_RUNS = 200;
/**
 * Cases are sent in concurrent batches of this size: a request's cost is mostly its own database
 * connection, and batches keep both cores busy (about 3x faster than one at a time).
 */
export const BATCH = 8;
export const DEFAULT_SEED = 20261123;

const intFrom = (raw: string | undefined, fallback: number) => {
  const n = Number(raw);
  return raw && Number.isInteger(n) ? n : fallback;
};

export const RUNS = Math.max(1, intFrom(env.PROPERTY_RUNS, DEFAULT_RUNS));
export const SEED = intFrom(env.PROPERTY_SEED, DEFAULT_SEED);

/** A per-property seed: every property explores its own sequence, reproducibly from SEED. */
function seedFor(name: string): number {
  let h = SEED | 0;
  for (let i = 0; i < name.length; i += 1) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h | 0;
}

/** The number of cases a property runs: RUNS, scaled for costly properties, at least 1. */
export const casesFor = (scale = 1) => Math.max(1, Math.round(RUNS * scale));

/**
 * fast-check parameters for the property called `name`; `batch` cases make one fast-check run.
 */
export function params(name: string, scale = 1, batch = 1): fc.Parameters<unknown> {
  return {
    numRuns: Math.ceil(casesFor(scale) / batch),
    seed: seedFor(name),
    endOnFailure: false,
    // Shrinking sends requests too: stop it well within the test's timeout and report what it has.
    interruptAfterTimeLimit: timeoutFor(scale) - 15_000,
    markInterruptAsFailure: true,
    verbose: 0,
  };
}

/** A vitest timeout that grows with the number of cases (each case is a few requests). */
export const timeoutFor = (scale = 1, msPerCase = 100) => 60_000 + casesFor(scale) * msPerCase;

/** Runs a property, with the seed in the failure message so that it can be replayed. */
export async function check<T>(name: string, property: fc.IAsyncProperty<T>, scale = 1, batch = 1): Promise<void> {
  await fc.assert(property, params(name, scale, batch) as fc.Parameters<T>);
}

/** Batches of BATCH cases; a failure names the case that failed, shrunk. */
export const batches = <T>(arb: fc.Arbitrary<T>) => fc.array(arb, { minLength: BATCH, maxLength: BATCH });
