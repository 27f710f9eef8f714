// @ts-check
// Benchmark parameters: read once from the environment, so both servers run with the same numbers.

/** The logical dataset at scale 1 (the "realistic database"). */
export const FULL_SCALE = {
  flows: 200,
  deployments: 10_000,
  flowRuns: 1_000_000,
};

/** Fixed, not scaled: a handful of work pools, each with the same four queues. */
export const WORK_POOLS = ['k8s-prod', 'k8s-staging', 'ecs-prod', 'docker-local', 'process-dev', 'gpu', 'batch-nightly', 'edge-sites'];
export const WORK_POOL_TYPES = ['kubernetes', 'kubernetes', 'ecs', 'docker', 'process', 'kubernetes', 'process', 'docker'];
export const WORK_QUEUES = ['default', 'high', 'low', 'backfill'];

/** Every bulk request names exactly this many runs (Prefect's maximum). */
export const BULK_SIZE = 50;
/** The bulk scenarios, each with its own block of reserved runs at the end of the run range. */
export const BULK_BLOCKS = /** @type {const} */ (['delete', 'cancel', 'reschedule']);
/** Unmeasured passes before the floor's timed ones (bench/lib/floor.mjs), all on one set of runs. */
export const FLOOR_WARM_PASSES = 3;
/** The reserved blocks may take at most this share of all runs (they are also part of the dataset). */
const MAX_RESERVED_SHARE = 0.3;

/**
 * @typedef {{ from: number, to: number }} Block  run indexes [from, to)
 * @typedef {{
 *   scale: number, flows: number, deployments: number, flowRuns: number,
 *   requests: number, bulkRequests: number, warmup: number, concurrency: number, maxSeconds: number,
 *   planCheck: 'fail' | 'warn', blocks: Record<typeof BULK_BLOCKS[number], Block>,
 *   pooler: 'none' | 'pgbouncer' | 'both', floorRepeats: number,
 * }} BenchConfig
 */

/** @param {string | undefined} raw @param {number} fallback */
function num(raw, fallback) {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`not a positive number: ${raw}`);
  return n;
}

/**
 * @param {Record<string, string | undefined>} env
 * @returns {BenchConfig}
 */
export function benchConfig(env = process.env) {
  const scale = num(env.BENCH_SCALE, 1);
  const flows = Math.max(10, Math.round(FULL_SCALE.flows * scale));
  const deployments = Math.max(50, Math.round(FULL_SCALE.deployments * scale));
  const flowRuns = Math.max(5_000, Math.round(FULL_SCALE.flowRuns * scale));
  const warmup = Math.round(num(env.BENCH_WARMUP, 5));
  // Sets of 50 runs per bulk scenario after the plan-capture pass and the warm-up: the measured
  // requests, then the floor's replay (one set for its warm-up passes, one per timed pass), so the
  // floor never touches runs the Worker's requests use. The floor takes at most a quarter of them.
  const sets = Math.floor((flowRuns * MAX_RESERVED_SHARE) / (BULK_BLOCKS.length * BULK_SIZE)) - 1 - warmup;
  const floorRepeats = Math.min(Math.round(num(env.BENCH_FLOOR_REPEATS, 20)), Math.max(1, Math.floor(sets / 4)));
  const floorSets = 1 + floorRepeats;
  const bulkRequests = Math.min(Math.round(num(env.BENCH_BULK_REQUESTS, 60)), sets - floorSets);
  if (bulkRequests < 1) throw new Error(`BENCH_SCALE=${scale} leaves no runs for the bulk scenarios`);
  const blockSize = (1 + warmup + bulkRequests + floorSets) * BULK_SIZE;
  /** @type {Record<string, Block>} */
  const blocks = {};
  let next = flowRuns - BULK_BLOCKS.length * blockSize;
  for (const name of BULK_BLOCKS) {
    blocks[name] = { from: next, to: next + blockSize };
    next += blockSize;
  }
  const pooler = env.BENCH_POOLER ?? 'none';
  if (pooler !== 'none' && pooler !== 'pgbouncer' && pooler !== 'both' && pooler !== '') {
    throw new Error(`BENCH_POOLER must be "pgbouncer" or "both", not "${pooler}"`);
  }
  const planCheck = env.BENCH_PLAN_CHECK === 'warn' || env.BENCH_PLAN_CHECK === 'fail' ? env.BENCH_PLAN_CHECK : scale >= 0.1 ? 'fail' : 'warn';
  return {
    scale,
    flows,
    deployments,
    flowRuns,
    requests: Math.round(num(env.BENCH_REQUESTS, 200)),
    bulkRequests,
    warmup,
    concurrency: Math.round(num(env.BENCH_CONCURRENCY, 4)),
    maxSeconds: num(env.BENCH_MAX_SECONDS, 30),
    planCheck,
    blocks: /** @type {BenchConfig['blocks']} */ (blocks),
    pooler: pooler === 'pgbouncer' || pooler === 'both' ? pooler : 'none',
    floorRepeats,
  };
}
