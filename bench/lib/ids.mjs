// @ts-check
// Deterministic ids: the seed computes `md5(kind || ':' || key)::uuid` in SQL, and the load generator
// computes the same ids here, so both servers receive byte-identical requests.
import { createHash } from 'node:crypto';
import { BULK_SIZE } from './config.mjs';

/** The id the seed gives entity `kind` number `key` (e.g. uid('flow_run', 42)). */
export function uid(/** @type {string} */ kind, /** @type {string | number} */ key) {
  const h = createHash('md5').update(`${kind}:${key}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * The run ids of the n-th bulk request taken from a reserved block: 50 consecutive run indexes, so
 * every request works on runs no other request touched.
 * @param {{ from: number, to: number }} block
 * @param {number} n
 */
export function bulkRunIds(block, n) {
  const start = block.from + n * BULK_SIZE;
  if (start + BULK_SIZE > block.to) throw new Error(`bulk request ${n} is past its reserved block`);
  return Array.from({ length: BULK_SIZE }, (_, k) => uid('flow_run', start + k));
}
