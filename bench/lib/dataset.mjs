// @ts-check
// The dataset's SQL with its parameters filled in. No Node APIs here: the workerd tests seed a small
// dataset with it too (test/http/bench-seed.test.ts).
import { WORK_POOLS, WORK_POOL_TYPES, WORK_QUEUES } from './config.mjs';

/** The anchor of every timestamp in the dataset (a fixed instant, so both seeds are identical). */
export const T0 = "'2026-11-01 00:00:00+00'::timestamptz";

const sqlList = (/** @type {string[]} */ xs) => xs.map((x) => `'${x.replace(/'/g, "''")}'`).join(', ');

/**
 * The statements of bench/seed/dataset.sql (its text: `text`) with the scale filled in.
 * @param {string} text
 * @param {import('./config.mjs').BenchConfig} config
 * @returns {string[]}
 */
export function datasetStatements(text, config) {
  const { blocks } = config;
  /** @type {Record<string, string | number>} */
  const params = {
    T0,
    FLOWS: config.flows,
    DEPLOYMENTS: config.deployments,
    RUNS: config.flowRuns,
    POOLS: WORK_POOLS.length,
    QUEUES: WORK_QUEUES.length,
    WORK_POOLS: sqlList(WORK_POOLS),
    WORK_POOL_TYPES: sqlList(WORK_POOL_TYPES),
    WORK_QUEUES: sqlList(WORK_QUEUES),
    RESERVED_FROM: Math.min(...Object.values(blocks).map((b) => b.from)),
    DELETE_FROM: blocks.delete.from,
    DELETE_TO: blocks.delete.to,
    CANCEL_FROM: blocks.cancel.from,
    CANCEL_TO: blocks.cancel.to,
    RESCHEDULE_FROM: blocks.reschedule.from,
    RESCHEDULE_TO: blocks.reschedule.to,
  };
  const filled = text.replace(/\{\{(\w+)\}\}/g, (_, name) => {
    if (!(name in params)) throw new Error(`dataset.sql: unknown placeholder {{${name}}}`);
    return String(params[name]);
  });
  return filled
    .split('--> statement-breakpoint')
    .map((s) => s.trim())
    .filter((s) => s.split('\n').some((line) => line.trim() !== '' && !line.trim().startsWith('--')));
}

