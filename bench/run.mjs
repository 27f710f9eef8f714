// @ts-check
// `npm run bench`: seeds a throwaway PostgreSQL cluster with the benchmark dataset, drives our Worker
// under `wrangler dev`, checks the plans of its SQL, and prints latency and throughput per endpoint.
// `npm run bench:prefect` (--prefect): the same for Prefect's own server on the same cluster, then
// both side by side. Our results are reused from bench-results/edge.json when they were measured
// with the same parameters; otherwise our side runs first, in the same invocation.
// Parameters: see bench/lib/config.mjs and docs/benchmarks.md.
import { performance } from 'node:perf_hooks';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { migrate } from '../scripts/localdb.mjs';
import { stopEverythingOnInterrupt } from './lib/cleanup.mjs';
import { benchConfig } from './lib/config.mjs';
import { createDatabase, sqlClient, startBenchCluster, statementCounter } from './lib/db.mjs';
import { startEdgeWorker } from './lib/edge-worker.mjs';
import { runLoad, send } from './lib/load.mjs';
import { disableAutoExplain, enableAutoExplain, isForeignKeyStatement, logSize, parsePlans, readLogSince, seqScans } from './lib/plans.mjs';
import { ensurePrefectInstalled, migratePrefect, startPrefectServer } from './lib/prefect-server.mjs';
import { comparisonTable, machineInfo, sameDataset, serverTable } from './lib/report.mjs';
import { scenarios } from './lib/scenarios.mjs';
import { seedDatabase } from './lib/seed.mjs';
import http from 'node:http';

const ROOT = new URL('../', import.meta.url).pathname;
const OUT = path.join(ROOT, 'bench-results');
const LOGS = path.join(OUT, 'logs');

const t0 = performance.now();
const log = (/** @type {string} */ msg) => console.log(`[bench ${((performance.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${msg}`);

/**
 * @typedef {import('./lib/report.mjs').ServerResult} ServerResult
 * @typedef {import('./lib/report.mjs').ScenarioResult} ScenarioResult
 * @typedef {import('./lib/config.mjs').BenchConfig} BenchConfig
 * @typedef {import('./lib/db.mjs').BenchCluster} BenchCluster
 */

/** Bulk request n of a phase: set 0 is the first pass, then the warm-up sets, then the measured ones. */
const bulkOffset = { first: 0, warmup: 1, measured: (/** @type {BenchConfig} */ c) => 1 + c.warmup };

/**
 * One request per scenario before anything is timed (on our side with auto_explain on: the plan
 * check), then a warm-up and the measured run of each scenario, in a fixed order: reads first, so
 * that the bulk mutations cannot change what the reads see. pg_stat_statements counts the
 * statements of the warm-up requests (an average per request, the same way for both servers).
 * @param {string} baseUrl
 * @param {BenchConfig} config
 * @param {import('./lib/db.mjs').StatementCounter} statements
 * @param {(key: string) => Promise<void>} [afterFirst] called after each scenario's first request
 * @returns {Promise<ScenarioResult[]>}
 */
async function measure(baseUrl, config, statements, afterFirst) {
  const list = scenarios(config);
  /** @type {Map<string, string>} */
  const firstErrors = new Map();
  const agent = new http.Agent({ keepAlive: false });
  for (const s of list) {
    try {
      const reply = await send(agent, baseUrl, s.spec(bulkOffset.first));
      const error = s.check(reply);
      if (error) firstErrors.set(s.key, error);
    } catch (e) {
      firstErrors.set(s.key, String(e));
    }
    await afterFirst?.(s.key);
  }
  /** @type {ScenarioResult[]} */
  const results = [];
  for (const s of list) {
    const firstError = firstErrors.get(s.key);
    if (firstError) {
      log(`${s.label}: NOT MEASURED (${firstError.slice(0, 200)})`);
      results.push({ key: s.key, label: s.label, kind: s.kind, load: null, pgStatements: null, summary: null, error: firstError });
      continue;
    }
    const bulk = s.kind === 'bulk';
    await statements.reset();
    const warm = await runLoad({
      baseUrl,
      count: config.warmup,
      concurrency: config.concurrency,
      maxSeconds: Math.min(10, config.maxSeconds),
      spec: (n) => s.spec(bulk ? bulkOffset.warmup + n : 0),
      check: s.check,
    });
    await new Promise((r) => setTimeout(r, 200)); // statistics are reported when each statement ends
    const sent = warm.requests + warm.errors;
    const pgStatements = sent ? Math.round(((await statements.count()) / sent) * 10) / 10 : null;
    /** @type {unknown} */
    let summary = null;
    const offset = bulk ? bulkOffset.measured(config) : 0;
    const load = await runLoad({
      baseUrl,
      count: bulk ? config.bulkRequests : config.requests,
      concurrency: config.concurrency,
      maxSeconds: config.maxSeconds,
      spec: (n) => s.spec(bulk ? offset + n : 0),
      check: s.check,
      onReply: (reply, n) => {
        if (n === 0 && reply.status === 200) summary = s.summary(reply);
      },
    });
    log(
      `${s.label}: ${load.requests} requests, p50 ${load.latencyMs.p50} ms, p95 ${load.latencyMs.p95} ms, p99 ${load.latencyMs.p99} ms, ${load.requestsPerSecond} req/s` +
        (pgStatements !== null ? `, ${pgStatements} SQL statements/request` : '') +
        (load.errors ? `, ${load.errors} errors (${load.firstError})` : ''),
    );
    results.push({ key: s.key, label: s.label, kind: s.kind, load, pgStatements, summary, error: load.errors ? load.firstError : null });
  }
  return results;
}

function gitCommit() {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

/** @param {BenchCluster} cluster @param {BenchConfig} config @returns {Promise<ServerResult>} */
async function benchEdge(cluster, config) {
  const startedAt = new Date().toISOString();
  const url = await createDatabase(cluster, 'edge');
  await migrate({ url, wsproxy: cluster.wsproxy, pipelineConnect: 'password' });
  log('prefect-edge: migrated; seeding');
  const seed = await seedDatabase({ url, wsproxy: cluster.wsproxy, config, log: (m) => log(`prefect-edge seed: ${m}`) });
  log(`prefect-edge: seeded in ${seed.seconds.toFixed(0)} s: ${JSON.stringify(seed.rows)}`);
  const worker = await startEdgeWorker({ databaseUrl: url, wsproxy: cluster.wsproxy, logDir: LOGS });
  log(`prefect-edge: wrangler dev listening at ${worker.baseUrl}`);
  const admin = await sqlClient(cluster.urlFor('postgres'), cluster.wsproxy);
  /** @type {import('./lib/plans.mjs').SeqScan[]} */
  const scans = [];
  /** @type {Record<string, { statements: number, ms: number }>} */
  const byScenario = {};
  let checked = 0;
  try {
    await enableAutoExplain(admin, 'edge');
    let offset = logSize(cluster.logFile);
    const results = await measure(worker.baseUrl, config, statementCounter(admin, 'edge'), async (key) => {
      if (key === scenarios(config)[scenarios(config).length - 1]?.key) await disableAutoExplain(admin, 'edge');
      await new Promise((r) => setTimeout(r, 300)); // let the backends finish writing their log lines
      const plans = parsePlans(readLogSince(cluster.logFile, offset), 'edge');
      offset = logSize(cluster.logFile);
      // Foreign-key statements run inside their parent (and inside its logged time): count the others.
      const own = plans.filter((p) => !isForeignKeyStatement(p.query));
      byScenario[key] = { statements: own.length, ms: Math.round(own.reduce((a, p) => a + p.ms, 0) * 10) / 10 };
      checked += plans.length;
      for (const p of plans) scans.push(...seqScans(p).map((s) => ({ ...s, scenario: key })));
    });
    return {
      server: 'prefect-edge',
      version: gitCommit(),
      startedAt,
      config,
      machine: machineInfo(),
      seed,
      scenarios: results,
      plans: { checked, seqScans: scans, byScenario },
    };
  } finally {
    await disableAutoExplain(admin, 'edge').catch(() => {});
    await admin.end();
    await worker.stop();
  }
}

/** @param {BenchCluster} cluster @param {BenchConfig} config @returns {Promise<ServerResult>} */
async function benchPrefect(cluster, config) {
  const startedAt = new Date().toISOString();
  const version = ensurePrefectInstalled(log, LOGS);
  const databaseUrl = await createDatabase(cluster, 'prefect');
  migratePrefect({ databaseUrl, logDir: LOGS });
  log(`Prefect ${version}: migrated with its own migrations; seeding`);
  const seed = await seedDatabase({ url: databaseUrl, wsproxy: cluster.wsproxy, config, log: (m) => log(`Prefect seed: ${m}`) });
  log(`Prefect: seeded in ${seed.seconds.toFixed(0)} s: ${JSON.stringify(seed.rows)}`);
  const server = await startPrefectServer({ databaseUrl, logDir: LOGS });
  log(`Prefect: server listening at ${server.baseUrl}`);
  const admin = await sqlClient(cluster.urlFor('postgres'), cluster.wsproxy);
  try {
    const results = await measure(server.baseUrl, config, statementCounter(admin, 'prefect'));
    return { server: 'Prefect', version, startedAt, config, machine: machineInfo(), seed, scenarios: results };
  } finally {
    await admin.end();
    await server.stop();
  }
}

/** Our earlier results, if they were measured with exactly these parameters. */
function reusableEdgeResult(/** @type {BenchConfig} */ config) {
  const file = path.join(OUT, 'edge.json');
  if (process.env.BENCH_RERUN_EDGE === '1' || !fs.existsSync(file)) return null;
  /** @type {ServerResult} */
  const r = JSON.parse(fs.readFileSync(file, 'utf8'));
  return JSON.stringify(r.config) === JSON.stringify(config) && r.version === gitCommit() ? r : null;
}

function printServer(/** @type {ServerResult} */ r) {
  console.log(`\n## ${r.server} ${r.version} (scale ${r.config.scale}, concurrency ${r.config.concurrency}, measured ${r.startedAt})\n`);
  console.log(serverTable(r));
  if (r.plans) {
    console.log(`\nPlan check: ${r.plans.checked} statement plans captured (auto_explain, first request of each scenario):`);
    for (const [key, p] of Object.entries(r.plans.byScenario)) console.log(`  ${key}: ${p.statements} plans, ${p.ms} ms in Postgres`);
    for (const s of r.plans.seqScans) console.log(`  SEQ SCAN on ${s.table}: ${s.query.replace(/\s+/g, ' ').slice(0, 300)}`);
    if (!r.plans.seqScans.length) console.log('  No sequential scan of flow_run, flow_run_state, task_run or task_run_state.');
  }
}

/** Exit status: 1 if a scenario could not be measured, or (ours) a plan scans a big table. */
function failures(/** @type {ServerResult} */ r) {
  const out = r.scenarios.filter((s) => s.error).map((s) => `${r.server}: ${s.label}: ${s.error?.slice(0, 200)}`);
  if (r.plans?.seqScans.length) {
    const msg = `${r.server}: ${r.plans.seqScans.length} plan(s) scan a big table sequentially`;
    if (r.config.planCheck === 'fail') out.push(msg);
    else console.log(`(warning only at BENCH_SCALE=${r.config.scale}: ${msg})`);
  }
  return out;
}

async function main() {
  stopEverythingOnInterrupt();
  const prefectMode = process.argv.includes('--prefect');
  const config = benchConfig();
  fs.rmSync(LOGS, { recursive: true, force: true });
  fs.mkdirSync(LOGS, { recursive: true });
  log(`config: ${JSON.stringify({ ...config, blocks: undefined })}`);
  let edge = prefectMode ? reusableEdgeResult(config) : null;
  if (edge) log(`reusing prefect-edge results from bench-results/edge.json (${edge.startedAt}, same parameters and commit)`);
  const cluster = await startBenchCluster(LOGS);
  log(`PostgreSQL cluster at ${cluster.address} (log: ${cluster.logFile})`);
  /** @type {ServerResult | null} */
  let prefect = null;
  try {
    if (!edge) {
      edge = await benchEdge(cluster, config);
      fs.writeFileSync(path.join(OUT, 'edge.json'), JSON.stringify(edge, null, 2));
    }
    if (prefectMode) {
      prefect = await benchPrefect(cluster, config);
      fs.writeFileSync(path.join(OUT, 'prefect.json'), JSON.stringify(prefect, null, 2));
    }
  } finally {
    await cluster.close();
  }
  printServer(edge);
  const problems = failures(edge);
  if (prefect) {
    printServer(prefect);
    problems.push(...failures(prefect));
    const same = sameDataset(edge, prefect);
    const table = comparisonTable(edge, prefect);
    const text = [
      `## prefect-edge ${edge.version} vs Prefect ${prefect.version}`,
      '',
      `Scale ${config.scale}, concurrency ${config.concurrency}, same PostgreSQL cluster; datasets identical: ${same ? 'yes' : 'NO'}.`,
      '× = how many times faster prefect-edge is (Prefect latency ÷ ours; our req/s ÷ Prefect req/s).',
      '"same answer": both servers returned the same ids (reads) or the same per-run outcomes (bulk) for the first measured request.',
      '',
      table,
    ].join('\n');
    console.log(`\n${text}`);
    fs.writeFileSync(path.join(OUT, 'comparison.md'), `${text}\n`);
    if (!same) problems.push('the two datasets differ (seed fingerprints)');
  }
  log(`done in ${((performance.now() - t0) / 60_000).toFixed(1)} min; results in bench-results/`);
  if (problems.length) {
    console.error(`\nFAILED:\n  ${problems.join('\n  ')}`);
    process.exitCode = 1;
  }
}

await main();
