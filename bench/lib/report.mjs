// @ts-check
// Printing and comparing results: one table per server, and the side-by-side table with ratios.
import { execFileSync } from 'node:child_process';
import os from 'node:os';

/**
 * @typedef {{
 *   key: string, label: string, kind: 'read' | 'bulk',
 *   load: import('./load.mjs').LoadResult | null, summary: unknown, error: string | null,
 *   pgStatements: number | null,
 * }} ScenarioResult
 * pgStatements: statements per request counted by pg_stat_statements during the warm-up (both
 * servers); load.sqlStatements: what our Worker reports in x-sql-statements (ours only).
 * @typedef {{
 *   server: string, mode?: 'direct' | 'pooled', version: string, startedAt: string, config: import('./config.mjs').BenchConfig,
 *   machine: Record<string, string>, seed: { seconds: number, rows: Record<string, number>, fingerprint: Record<string, string> },
 *   scenarios: ScenarioResult[],
 *   plans?: { checked: number, seqScans: import('./plans.mjs').SeqScan[], byScenario: Record<string, { statements: number, ms: number }> },
 *   floor?: { healthP50: number, byScenario: Record<string, Floor> },
 * }} ServerResult
 * @typedef {{ statements: number, roundTrips: number, ms: number | null, note: string | null }} Floor
 * The floor of one scenario (bench/lib/floor.mjs): its captured statements replayed on one warm
 * `pg` connection (median ms of one pass).
 */

/** The machine, as docs/benchmarks.md reports it. */
export function machineInfo() {
  const sh = (/** @type {string} */ cmd, /** @type {string[]} */ args) => {
    try {
      return execFileSync(cmd, args, { encoding: 'utf8' }).trim();
    } catch {
      return 'unknown';
    }
  };
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    nproc: sh('nproc', []),
    memory: sh('free', ['-h']).split('\n')[1]?.replace(/\s+/g, ' ') ?? 'unknown',
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    loadAverage: os.loadavg().map((x) => x.toFixed(2)).join(' '),
  };
}

const fmt = (/** @type {number | undefined} */ x) => (x === undefined || Number.isNaN(x) ? 'n/a' : x >= 100 ? x.toFixed(0) : x.toFixed(1));

/** One server's results as a markdown table. */
export function serverTable(/** @type {ServerResult} */ r) {
  const lines = [
    `| Endpoint | requests | p50 ms | p95 ms | p99 ms | req/s | SQL statements/request | x-sql-statements | errors |`,
    `|---|---:|---:|---:|---:|---:|---:|---:|---|`,
  ];
  for (const s of r.scenarios) {
    const l = s.load;
    if (!l || s.error) {
      lines.push(`| ${s.label} | – | – | – | – | – | – | – | NOT MEASURED: ${(s.error ?? '').replace(/\|/g, '\\|').slice(0, 160)} |`);
      continue;
    }
    const sqlStatements = l.sqlStatements
      ? l.sqlStatements.min === l.sqlStatements.max
        ? String(l.sqlStatements.median)
        : `${l.sqlStatements.median} (${l.sqlStatements.min}–${l.sqlStatements.max})`
      : 'n/a';
    lines.push(
      `| ${s.label} | ${l.requests}${l.stoppedByTime ? ' (time cap)' : ''} | ${fmt(l.latencyMs.p50)} | ${fmt(l.latencyMs.p95)} | ${fmt(l.latencyMs.p99)} | ${fmt(l.requestsPerSecond)} | ${s.pgStatements ?? 'n/a'} | ${sqlStatements} | ${l.errors || ''} |`,
    );
  }
  return lines.join('\n');
}

/** A ratio as "3.2×" (see comparisonTable for which way round). */
const times = (/** @type {number} */ x) => (Number.isFinite(x) && x > 0 ? `${x.toFixed(x >= 10 ? 0 : 1)}×` : 'n/a');

/**
 * The side-by-side table. Each ratio says how many times faster prefect-edge is than Prefect
 * (Prefect's latency ÷ ours; our req/s ÷ Prefect's), so above 1 means we are faster.
 * @param {ServerResult} ours @param {ServerResult} prefect
 */
export function comparisonTable(ours, prefect) {
  const lines = [
    `| Endpoint | p50 ms ours / Prefect | × | p95 ms ours / Prefect | × | p99 ms ours / Prefect | × | req/s ours / Prefect | × | SQL statements/req ours / Prefect | same answer |`,
    `|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|`,
  ];
  for (const o of ours.scenarios) {
    const p = prefect.scenarios.find((s) => s.key === o.key);
    const ol = o.error ? null : o.load;
    const pl = p && !p.error ? p.load : null;
    const pair = (/** @type {(l: import('./load.mjs').LoadResult) => number} */ f) => `${ol ? fmt(f(ol)) : '–'} / ${pl ? fmt(f(pl)) : '–'}`;
    const lat = (/** @type {'p50' | 'p95' | 'p99'} */ q) => (ol && pl ? times(pl.latencyMs[q] / ol.latencyMs[q]) : 'n/a');
    const same = ol && pl ? (JSON.stringify(o.summary) === JSON.stringify(p?.summary) ? 'yes' : 'NO') : 'n/a';
    lines.push(
      `| ${o.label} | ${pair((l) => l.latencyMs.p50)} | ${lat('p50')} | ${pair((l) => l.latencyMs.p95)} | ${lat('p95')} | ${pair((l) => l.latencyMs.p99)} | ${lat('p99')} | ${pair((l) => l.requestsPerSecond)} | ${ol && pl ? times(ol.requestsPerSecond / pl.requestsPerSecond) : 'n/a'} | ${o.pgStatements ?? '–'} / ${p?.pgStatements ?? '–'} | ${same} |`,
    );
  }
  return lines.join('\n');
}

/**
 * Our latency against the floor: p50 ÷ (replayed statements on a warm connection + a bare Worker
 * round trip). 1 would mean the Worker, the new connection per request and the proxy cost nothing
 * beyond the health check; what is above it is connection setup, the driver and our JavaScript.
 * @param {ServerResult} ours @param {ServerResult | null} prefect
 */
export function floorTable(ours, prefect) {
  if (!ours.floor) return '(no floor measured)';
  const health = ours.floor.healthP50;
  const lines = [
    `| Endpoint | statements (round trips) | floor ms | + GET /health ms | our p50 ms | ours ÷ (floor + health) |${prefect ? ' Prefect p50 ÷ ours |' : ''}`,
    `|---|---:|---:|---:|---:|---:|${prefect ? '---:|' : ''}`,
  ];
  for (const o of ours.scenarios) {
    const f = ours.floor.byScenario[o.key];
    const ol = o.error ? null : o.load;
    const p = prefect?.scenarios.find((s) => s.key === o.key);
    const pl = p && !p.error ? p.load : null;
    const ratio = ol && f?.ms != null ? `${(ol.latencyMs.p50 / (f.ms + health)).toFixed(1)}` : 'n/a';
    // Our round trips (x-sql-round-trips): fewer than the statements when the Worker pipelines them.
    const trips = ol?.sqlRoundTrips;
    lines.push(
      `| ${o.label} | ${f ? `${f.statements}${trips != null ? ` (${trips})` : ''}` : '–'} | ${f?.ms != null ? fmt(f.ms) : `n/a${f?.note ? ` (${f.note})` : ''}`} | ${fmt(health)} | ${ol ? fmt(ol.latencyMs.p50) : '–'} | ${ratio} |${prefect ? ` ${ol && pl ? times(pl.latencyMs.p50 / ol.latencyMs.p50) : 'n/a'} |` : ''}`,
    );
  }
  return lines.join('\n');
}

/** ours p50 ÷ (floor + health p50), or null when either is missing. */
function floorRatio(/** @type {ServerResult} */ ours, /** @type {ScenarioResult} */ o) {
  const f = ours.floor?.byScenario[o.key];
  if (!ours.floor || !o.load || o.error || f?.ms == null) return null;
  return o.load.latencyMs.p50 / (f.ms + ours.floor.healthP50);
}

/**
 * Both of our paths (BENCH_POOLER=both) beside one Prefect measurement: p50 of each, Prefect's p50 ÷
 * each, and each one's ratio to its own floor.
 * @param {ServerResult} direct @param {ServerResult} pooled @param {ServerResult | null} prefect
 */
export function bothTable(direct, pooled, prefect) {
  const lines = [
    `| Endpoint | p50 ms direct / pooled${prefect ? ' / Prefect' : ''} |${prefect ? ' × direct | × pooled |' : ''} ours ÷ floor direct | ours ÷ floor pooled | statements (round trips) |`,
    `|---|---:|${prefect ? '---:|---:|' : ''}---:|---:|---:|`,
  ];
  for (const d of direct.scenarios) {
    const p = pooled.scenarios.find((s) => s.key === d.key);
    const r = prefect?.scenarios.find((s) => s.key === d.key);
    const p50 = (/** @type {ScenarioResult | undefined} */ s) => (s && s.load && !s.error ? s.load.latencyMs.p50 : null);
    const [dp, pp, rp] = [p50(d), p50(p), p50(r)];
    const show = (/** @type {number | null} */ x) => (x === null ? '–' : fmt(x));
    const ratio = (/** @type {number | null} */ x) => (x === null ? 'n/a' : x.toFixed(1));
    const fd = floorRatio(direct, d);
    const fp = p ? floorRatio(pooled, p) : null;
    const stmts = d.load?.sqlStatements ? `${d.load.sqlStatements.median}${d.load.sqlRoundTrips != null ? ` (${d.load.sqlRoundTrips})` : ''}` : '–';
    lines.push(
      `| ${d.label} | ${show(dp)} / ${show(pp)}${prefect ? ` / ${show(rp)}` : ''} |${prefect ? ` ${dp && rp ? times(rp / dp) : 'n/a'} | ${pp && rp ? times(rp / pp) : 'n/a'} |` : ''} ${ratio(fd)} | ${ratio(fp)} | ${stmts} |`,
    );
  }
  return lines.join('\n');
}

/** True when the two seeds produced the same rows (see FINGERPRINT_COLUMNS). */
export function sameDataset(/** @type {ServerResult} */ a, /** @type {ServerResult} */ b) {
  return JSON.stringify(a.seed.fingerprint) === JSON.stringify(b.seed.fingerprint);
}
