// @ts-check
// A small, bounded HTTP load generator: `count` requests with `concurrency` in flight, each timed
// from the first byte sent to the last byte received with performance.now(). Keep-alive connections
// (one per concurrent slot), so connection setup is not measured for either server.
import { performance } from 'node:perf_hooks';
import http from 'node:http';

/**
 * @typedef {{ method: string, path: string, body?: unknown }} RequestSpec
 * @typedef {{ status: number, headers: http.IncomingHttpHeaders, body: Buffer, ms: number }} Reply
 * @typedef {{
 *   requests: number, errors: number, firstError: string | null, wallSeconds: number, stoppedByTime: boolean,
 *   latencyMs: { p50: number, p95: number, p99: number, mean: number, max: number },
 *   requestsPerSecond: number, sqlStatements: { min: number, median: number, max: number } | null,
 *   sqlRoundTrips?: number | null,
 *   responseBytes: number,
 * }} LoadResult
 */

/** Sends one request and reads the whole response. */
export function send(/** @type {http.Agent} */ agent, /** @type {string} */ baseUrl, /** @type {RequestSpec} */ spec) {
  const url = new URL(spec.path, baseUrl);
  const payload = spec.body === undefined ? undefined : Buffer.from(JSON.stringify(spec.body));
  return /** @type {Promise<Reply>} */ (
    new Promise((resolve, reject) => {
      const started = performance.now();
      const req = http.request(
        url,
        {
          agent,
          method: spec.method,
          headers: payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {},
        },
        (res) => {
          /** @type {Buffer[]} */
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), ms: performance.now() - started }),
          );
          res.on('error', reject);
        },
      );
      req.setTimeout(120_000, () => req.destroy(new Error('request timed out after 120 s')));
      req.on('error', reject);
      req.end(payload);
    })
  );
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(/** @type {number[]} */ sorted, /** @type {number} */ q) {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil(q * sorted.length);
  return /** @type {number} */ (sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]);
}

/**
 * Runs requests 0..count-1 (spec(n) gives request n) with `concurrency` in flight, stopping early
 * (without starting new requests) once `maxSeconds` have passed. `check(reply, n)` returns an error
 * text for a wrong answer; wrong answers are counted and excluded from the latency figures.
 * @param {{
 *   baseUrl: string, count: number, concurrency: number, maxSeconds: number,
 *   spec: (n: number) => RequestSpec, check: (reply: Reply, n: number) => string | null,
 *   onReply?: (reply: Reply, n: number) => void,
 * }} options
 * @returns {Promise<LoadResult>}
 */
export async function runLoad({ baseUrl, count, concurrency, maxSeconds, spec, check, onReply }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  /** @type {number[]} */
  const latencies = [];
  /** @type {number[]} */
  const statements = [];
  /** @type {number[]} */
  const roundTrips = [];
  let bytes = 0;
  let errors = 0;
  /** @type {string | null} */
  let firstError = null;
  let next = 0;
  let stoppedByTime = false;
  const started = performance.now();
  const deadline = started + maxSeconds * 1000;
  const worker = async () => {
    while (next < count) {
      if (performance.now() > deadline) {
        stoppedByTime = true;
        return;
      }
      const n = next++;
      /** @type {string | null} */
      let error;
      /** @type {Reply | null} */
      let reply = null;
      try {
        reply = await send(agent, baseUrl, spec(n));
        error = check(reply, n);
      } catch (e) {
        error = e instanceof Error ? e.message : String(e);
      }
      if (reply) onReply?.(reply, n);
      if (error !== null || !reply) {
        errors += 1;
        firstError ??= `request ${n}: ${error}`;
        continue;
      }
      latencies.push(reply.ms);
      bytes += reply.body.length;
      const header = reply.headers['x-sql-statements'];
      if (typeof header === 'string') statements.push(Number(header));
      const trips = reply.headers['x-sql-round-trips'];
      if (typeof trips === 'string') roundTrips.push(Number(trips));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const wallSeconds = (performance.now() - started) / 1000;
  agent.destroy();
  const sorted = [...latencies].sort((a, b) => a - b);
  const sortedStatements = [...statements].sort((a, b) => a - b);
  const round = (/** @type {number} */ x) => Math.round(x * 100) / 100;
  return {
    requests: latencies.length,
    errors,
    firstError,
    wallSeconds: round(wallSeconds),
    stoppedByTime,
    latencyMs: {
      p50: round(percentile(sorted, 0.5)),
      p95: round(percentile(sorted, 0.95)),
      p99: round(percentile(sorted, 0.99)),
      mean: round(sorted.reduce((a, b) => a + b, 0) / (sorted.length || 1)),
      max: round(sorted[sorted.length - 1] ?? NaN),
    },
    // Completed good requests per second of wall time, at this concurrency.
    requestsPerSecond: round(latencies.length / wallSeconds),
    sqlStatements: sortedStatements.length
      ? { min: sortedStatements[0] ?? 0, median: percentile(sortedStatements, 0.5), max: sortedStatements[sortedStatements.length - 1] ?? 0 }
      : null,
    // Our Worker's x-sql-round-trips (median): fewer than statements when it pipelines them.
    sqlRoundTrips: roundTrips.length ? percentile([...roundTrips].sort((a, b) => a - b), 0.5) : null,
    responseBytes: Math.round(bytes / (latencies.length || 1)),
  };
}
