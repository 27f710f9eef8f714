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
import { closeOtherBackends, createDatabase, sqlClient, startBenchCluster, statementCounter } from './lib/db.mjs';
import { startEdgeWorker } from './lib/edge-worker.mjs';
import { runLoad, send } from './lib/load.mjs';
import { directClient, disableStatementLog, enableStatementLog, parseStatements, replay, replayPlan, requestStatements } from './lib/floor.mjs';
import { bulkRunIds } from './lib/ids.mjs';
import { disableAutoExplain, enableAutoExplain, isForeignKeyStatement, logSize, parsePlans, readLogSince, seqScans } from './lib/plans.mjs';
import { ensurePrefectInstalled, migratePrefect, startPrefectServer } from './lib/prefect-server.mjs';
import { bothTable, comparisonTable, floorTable, machineInfo, sameDataset, serverTable } from './lib/report.mjs';
import { scenarios } from './lib/scenarios.mjs';
import { seedDatabase } from './lib/seed.mjs';
import http from 'node:http';
import crypto from 'node:crypto';

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

/**
 * Bulk request n of a phase: set 0 is the first pass, then the warm-up sets, then the measured ones,
 * then the floor's replay passes (bench/lib/config.mjs reserves them).
 */
const bulkOffset = {
  first: 0,
  warmup: 1,
  measured: (/** @type {BenchConfig} */ c) => 1 + c.warmup,
  floor: (/** @type {BenchConfig} */ c) => 1 + c.warmup + c.bulkRequests,
};

/**
 * One request per scenario before anything is timed (on our side with auto_explain on: the plan
 * check), then a warm-up and the measured run of each scenario, in a fixed order: reads first, so
 * that the bulk mutations cannot change what the reads see. pg_stat_statements counts the
 * statements of the warm-up requests (an average per request, the same way for both servers).
 * @param {string} baseUrl
 * @param {BenchConfig} config
 * @param {import('./lib/db.mjs').StatementCounter} statements
 * @param {(key: string, reply: import('./lib/load.mjs').Reply | null) => Promise<void>} [afterFirst] called after each scenario's first request
 * @returns {Promise<ScenarioResult[]>}
 */
async function measure(baseUrl, config, statements, afterFirst) {
  const list = scenarios(config);
  /** @type {Map<string, string>} */
  const firstErrors = new Map();
  const agent = new http.Agent({ keepAlive: false });
  for (const s of list) {
    /** @type {import('./lib/load.mjs').Reply | null} */
    let reply = null;
    try {
      reply = await send(agent, baseUrl, s.spec(bulkOffset.first));
      const error = s.check(reply);
      if (error) firstErrors.set(s.key, error);
    } catch (e) {
      firstErrors.set(s.key, String(e));
    }
    await afterFirst?.(s.key, reply);
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

/**
 * Creates, migrates and seeds our database `name`.
 * @param {BenchCluster} cluster @param {BenchConfig} config @param {string} name
 */
async function seedEdge(cluster, config, name) {
  const url = await createDatabase(cluster, name);
  await migrate({ url, wsproxy: cluster.wsproxy, pipelineConnect: 'password' });
  log(`prefect-edge: migrated ${name}; seeding`);
  const seed = await seedDatabase({ url, wsproxy: cluster.wsproxy, config, log: (m) => log(`prefect-edge seed: ${m}`) });
  log(`prefect-edge: seeded in ${seed.seconds.toFixed(0)} s: ${JSON.stringify(seed.rows)}`);
  return seed;
}

/**
 * A copy of our seeded database, for a second measurement (BENCH_POOLER=both): the bulk scenarios
 * use up their reserved runs, so each path needs the data as seeded. A file-level copy is much faster
 * than seeding again; it needs the template to have no connections, hence the retries.
 * @param {BenchCluster} cluster @param {string} from @param {string} to
 */
async function copyDatabase(cluster, from, to) {
  const admin = await sqlClient(cluster.urlFor('postgres'), cluster.wsproxy);
  try {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await admin.query(`CREATE DATABASE ${to} TEMPLATE ${from}`);
        return;
      } catch (e) {
        if (attempt >= 20) throw e;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  } finally {
    await admin.end();
  }
}

/**
 * Measures our Worker on the seeded database `database`, straight to Postgres (`direct`) or through
 * PgBouncer in transaction mode (`pooled`).
 * @param {BenchCluster} cluster @param {BenchConfig} config
 * @param {'direct' | 'pooled'} mode @param {string} database @param {ServerResult['seed']} seed
 * @returns {Promise<ServerResult>}
 */
async function benchEdge(cluster, config, mode, database, seed) {
  const startedAt = new Date().toISOString();
  const url = cluster.urlFor(database);
  const pooled = mode === 'pooled' ? cluster.pooledUrlFor?.(database) : undefined;
  if (mode === 'pooled' && !pooled) throw new Error('the pooled measurement needs the cluster started with PgBouncer');
  const worker = await startEdgeWorker({
    databaseUrl: pooled ?? url,
    wsproxy: cluster.wsproxy,
    logDir: LOGS,
    pipelineConnect: 'password',
  });
  log(`prefect-edge: wrangler dev listening at ${worker.baseUrl}${pooled ? ', reaching Postgres through PgBouncer (transaction mode)' : ''}`);
  const admin = await sqlClient(cluster.urlFor('postgres'), cluster.wsproxy);
  // The floor's replay connection: direct TCP, logging nothing itself (it replays while capture is on).
  const direct = await directClient(url);
  await direct.query("SET log_statement = 'none'");
  await direct.query('SET auto_explain.log_min_duration = -1');
  const directPid = Number((await direct.query('SELECT pg_backend_pid() AS pid')).rows[0].pid);
  /** @type {import('./lib/plans.mjs').SeqScan[]} */
  const scans = [];
  /** @type {Record<string, { statements: number, ms: number }>} */
  const byScenario = {};
  /** @type {Record<string, Floor>} */
  const floors = {};
  /** @type {{ key: string, statements: import('./lib/floor.mjs').LoggedStatement[], reply: import('./lib/load.mjs').Reply | null }[]} */
  const captures = [];
  let checked = 0;
  const list = scenarios(config);
  try {
    await enableAutoExplain(admin, database);
    await enableStatementLog(admin, database);
    let offset = logSize(cluster.logFile);
    const results = await measure(worker.baseUrl, config, statementCounter(admin, database), async (key, reply) => {
      if (key === list[list.length - 1]?.key) {
        await disableAutoExplain(admin, database);
        await disableStatementLog(admin, database);
        // ALTER DATABASE … SET reaches new backends only. Each direct request opens one, but PgBouncer
        // keeps the backends the capture opened, and with them auto_explain and log_statement: every
        // timed pooled request would log its plans, one per foreign-key cascade statement too (for
        // bulk_delete, hundreds). Close them, so the timed load gets backends with the settings off.
        if (pooled) await closeOtherBackends(admin, database, directPid);
      }
      await new Promise((r) => setTimeout(r, 300)); // let the backends finish writing their log lines
      const text = readLogSince(cluster.logFile, offset);
      offset = logSize(cluster.logFile);
      const plans = parsePlans(text, database);
      // Foreign-key statements run inside their parent (and inside its logged time): count the others.
      const own = plans.filter((p) => !isForeignKeyStatement(p.query));
      byScenario[key] = { statements: own.length, ms: Math.round(own.reduce((a, p) => a + p.ms, 0) * 10) / 10 };
      checked += plans.length;
      for (const p of plans) scans.push(...seqScans(p).map((s) => ({ ...s, scenario: key })));
      captures.push({ key, statements: parseStatements(text, database), reply });
    });
    // The floors are replayed after every scenario's load, when the Worker's requests have warmed the
    // database as much as they will: the floor is never timed on colder caches than our requests were
    // (on the pooled path the database is a fresh copy, and before the load a bulk scenario's floor
    // paid cold index pages that our later requests did not).
    for (const { key, statements, reply } of captures) {
      floors[key] = await floorOf(direct, list.find((s) => s.key === key), statements, config, reply);
    }
    // A bare Worker round trip: no database, no body (the same load loop, one at a time).
    const health = await runLoad({
      baseUrl: worker.baseUrl,
      count: 100,
      concurrency: 1,
      maxSeconds: 20,
      spec: () => ({ method: 'GET', path: '/api/health' }),
      check: (reply) => (reply.status === 200 ? null : `HTTP ${reply.status}`),
    });
    log(`prefect-edge: GET /api/health at concurrency 1: p50 ${health.latencyMs.p50} ms`);
    return {
      server: 'prefect-edge',
      mode,
      version: gitCommit(),
      startedAt,
      config,
      machine: machineInfo(),
      seed,
      scenarios: results,
      plans: { checked, seqScans: scans, byScenario },
      floor: { healthP50: health.latencyMs.p50, byScenario: floors },
    };
  } finally {
    await disableAutoExplain(admin, database).catch(() => {});
    await disableStatementLog(admin, database).catch(() => {});
    await direct.end().catch(() => {});
    await admin.end();
    await worker.stop();
  }
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/**
 * @typedef {import('./lib/report.mjs').Floor} Floor
 * The captured statements of one scenario's first request, replayed on the direct connection.
 * @param {{ query: (text: string, values?: unknown[]) => Promise<unknown> }} direct
 * @param {import('./lib/scenarios.mjs').Scenario | undefined} scenario
 * @param {import('./lib/floor.mjs').LoggedStatement[]} captured
 * @param {BenchConfig} config
 * @param {import('./lib/load.mjs').Reply | null} reply the first request's answer: ids it created are replaced
 * @returns {Promise<Floor>}
 */
async function floorOf(direct, scenario, captured, config, reply) {
  if (!scenario || !captured.length) return { statements: 0, roundTrips: 0, ms: null, note: 'no statements captured' };
  const own = requestStatements(captured, Number(reply?.headers['x-sql-statements']));
  if (process.env.BENCH_DEBUG_FLOOR) for (const c of captured) log(`  ${scenario.key} [${c.pid}${own.includes(c) ? '*' : ''}] ${c.sql.replace(/\s+/g, ' ').slice(0, 120)}`);
  const { statements, wrapped } = replayPlan(own);
  /** @type {(pass: number) => (v: string) => string} */
  let paramsFor = () => (v) => v;
  if (scenario.block) {
    const block = config.blocks[scenario.block];
    const captured = bulkRunIds(block, bulkOffset.first);
    const created = (reply?.body.toString('utf8').match(UUID) ?? []).filter((id) => !captured.includes(id));
    // Each pass works on its own untouched set of runs, as each of the Worker's requests does; rows
    // the first request created (new states) exist now, so their replayed inserts get fresh ids.
    paramsFor = (pass) => {
      const runs = bulkRunIds(block, bulkOffset.floor(config) + pass);
      const swap = new Map(captured.map((id, i) => [id, runs[i] ?? id]));
      for (const id of created) swap.set(id, crypto.randomUUID());
      return (v) => v.replace(UUID, (id) => swap.get(id) ?? id);
    };
  }
  try {
    const ms = await replay(direct, statements, config.floorRepeats, paramsFor);
    log(`floor ${scenario.key}: ${own.length} statements captured, replayed on one warm pg connection: ${ms} ms${wrapped ? ' (wrapped in BEGIN/ROLLBACK)' : ''}`);
    return { statements: own.length, roundTrips: own.length, ms, note: wrapped ? 'writes wrapped in BEGIN/ROLLBACK' : null };
  } catch (e) {
    log(`floor ${scenario.key}: replay failed: ${e}`);
    return { statements: own.length, roundTrips: own.length, ms: null, note: `replay failed: ${String(e).slice(0, 200)}` };
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

/** The file our results of one path go to: edge.json (direct) or edge-pooled.json (through PgBouncer). */
const edgeFile = (/** @type {'direct' | 'pooled'} */ mode) => path.join(OUT, mode === 'pooled' ? 'edge-pooled.json' : 'edge.json');

/** Our earlier results of one path, if they were measured with exactly these parameters. */
function reusableEdgeResult(/** @type {BenchConfig} */ config, /** @type {'direct' | 'pooled'} */ mode) {
  const file = edgeFile(mode);
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

const DOCS = path.join(ROOT, 'docs', 'benchmarks.md');

/**
 * Replaces the generated part of docs/benchmarks.md (between the markers) with `markdown`; the
 * direct and the pooled (BENCH_POOLER=pgbouncer) runs have a section each.
 */
function writeResultsIntoDocs(/** @type {string} */ markdown, /** @type {'direct' | 'pooled'} */ mode) {
  const name = mode === 'pooled' ? 'pooled-results' : 'results';
  const START = `<!-- bench:${name}:start (written by npm run bench:prefect) -->`;
  const END = `<!-- bench:${name}:end -->`;
  const text = fs.readFileSync(DOCS, 'utf8');
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a < 0 || b < a) throw new Error(`docs/benchmarks.md lacks the markers ${START} … ${END}`);
  fs.writeFileSync(DOCS, `${text.slice(0, a + START.length)}\n${markdown}\n${text.slice(b)}`);
}

/**
 * The results section of docs/benchmarks.md, from one run of both servers. With BENCH_POOLER=both the
 * direct section also gets the table of both paths against the one Prefect measurement (`both`).
 * @param {ServerResult} edge @param {ServerResult} prefect @param {boolean} same @param {string | null} [both]
 */
function resultsMarkdown(edge, prefect, same, both = null) {
  const c = edge.config;
  const pooled = (edge.mode ?? (c.pooler === 'pgbouncer' ? 'pooled' : 'direct')) === 'pooled';
  const load = [edge.machine.loadAverage, prefect.machine.loadAverage];
  const nproc = Number(edge.machine.nproc) || 2;
  const busy = load.some((l) => Number(String(l).split(' ')[0]) > nproc);
  const rows = Object.entries(edge.seed.rows).map(([t, n]) => `${t} ${n.toLocaleString('en')}`).join(', ');
  return [
    `Measured ${edge.startedAt.slice(0, 16).replace('T', ' ')} UTC by \`npm run bench:prefect\` with \`BENCH_SCALE=${c.scale}\`,`,
    `concurrency ${c.concurrency}, ${c.requests} requests per read scenario and ${c.bulkRequests} per bulk scenario (cap ${c.maxSeconds} s),`,
    `${pooled ? 'our Worker reaching Postgres **through PgBouncer in transaction mode**' : 'our Worker opening a new Postgres connection per request (no pooler)'}${c.pooler === 'both' ? ` (\`BENCH_POOLER=both\`: the ${pooled ? 'direct' : 'pooled'} path was measured in the same run, against the same Prefect measurement)` : ''}.`,
    '',
    ...(both ? ['### Direct and through PgBouncer, one run', '', both, ''] : []),
    `- **prefect-edge** at commit \`${edge.version}\` under \`wrangler dev\`; **Prefect ${prefect.version}** (\`prefect server start --no-services\`).`,
    `- Machine: ${edge.machine.nproc} CPUs (${edge.machine.cpu}), ${edge.machine.memory}, ${edge.machine.os}, Node ${edge.machine.node}.`,
    `- Load average when each side started: ${load[0]} (ours), ${load[1]} (Prefect).${busy ? ' **The machine was shared with other work (load above its CPU count): absolute times are inflated and noisy; read the ratios.**' : ''}`,
    `- Datasets identical: ${same ? 'yes' : '**NO**'} (${rows}).`,
    '',
    '### Side by side',
    '',
    '× = how many times faster prefect-edge is (Prefect latency ÷ ours; our req/s ÷ Prefect req/s).',
    '',
    comparisonTable(edge, prefect),
    '',
    '### Against the floor',
    '',
    `The statements our Worker sent for each scenario's first request, captured from Postgres's log and replayed on one warm \`pg\` connection (median of ${c.floorRepeats}), plus one bare Worker round trip (\`GET /api/health\`, p50 at concurrency 1). Our p50 is at concurrency ${c.concurrency}${c.concurrency === 1 ? '' : ' (the floor is meant for BENCH_CONCURRENCY=1)'}.`,
    '',
    floorTable(edge, prefect),
    '',
    '### Each server',
    '',
    `prefect-edge:`,
    '',
    serverTable(edge),
    '',
    `Prefect ${prefect.version}:`,
    '',
    serverTable(prefect),
  ].join('\n');
}

async function main() {
  stopEverythingOnInterrupt();
  const prefectMode = process.argv.includes('--prefect');
  const config = benchConfig();
  fs.rmSync(LOGS, { recursive: true, force: true });
  fs.mkdirSync(LOGS, { recursive: true });
  log(`config: ${JSON.stringify({ ...config, blocks: undefined })}`);
  /** @type {('direct' | 'pooled')[]} */
  const modes = config.pooler === 'both' ? ['direct', 'pooled'] : [config.pooler === 'pgbouncer' ? 'pooled' : 'direct'];
  /** @type {Map<'direct' | 'pooled', ServerResult>} */
  const edges = new Map();
  for (const mode of modes) {
    const reused = prefectMode ? reusableEdgeResult(config, mode) : null;
    if (reused) {
      log(`reusing prefect-edge results from ${path.relative(ROOT, edgeFile(mode))} (${reused.startedAt}, same parameters and commit)`);
      edges.set(mode, reused);
    }
  }
  const cluster = await startBenchCluster(LOGS, config.pooler === 'none' ? 'none' : 'pgbouncer');
  log(`PostgreSQL cluster at ${cluster.address} (log: ${cluster.logFile})`);
  /** @type {ServerResult | null} */
  let prefect = null;
  try {
    const todo = modes.filter((m) => !edges.has(m));
    if (todo.length) {
      const seed = await seedEdge(cluster, config, 'edge');
      // The second path gets its own copy of the data as seeded (made before the first path changes it).
      if (todo.length === 2) await copyDatabase(cluster, 'edge', 'edge_pooled');
      for (const mode of todo) {
        const database = todo.length === 2 && mode === 'pooled' ? 'edge_pooled' : 'edge';
        const result = await benchEdge(cluster, config, mode, database, seed);
        fs.writeFileSync(edgeFile(mode), JSON.stringify(result, null, 2));
        edges.set(mode, result);
      }
    }
    if (prefectMode) {
      prefect = await benchPrefect(cluster, config);
      fs.writeFileSync(path.join(OUT, 'prefect.json'), JSON.stringify(prefect, null, 2));
    }
  } finally {
    await cluster.close();
  }
  const problems = [];
  for (const mode of modes) {
    const edge = /** @type {ServerResult} */ (edges.get(mode));
    printServer(edge);
    problems.push(...failures(edge));
  }
  const direct = edges.get('direct');
  const pooledResult = edges.get('pooled');
  const both = direct && pooledResult ? bothTable(direct, pooledResult, prefect) : null;
  if (prefect) {
    printServer(prefect);
    problems.push(...failures(prefect));
    const sections = [];
    for (const mode of modes) {
      const edge = /** @type {ServerResult} */ (edges.get(mode));
      const same = sameDataset(edge, prefect);
      if (!same) problems.push(`the two datasets differ (seed fingerprints, ${mode})`);
      const label = mode === 'pooled' ? ' (our Worker through PgBouncer)' : modes.length === 2 ? ' (our Worker straight to Postgres)' : '';
      sections.push(
        [
          `## prefect-edge ${edge.version} vs Prefect ${prefect.version}${label}`,
          '',
          `Scale ${config.scale}, concurrency ${config.concurrency}, same PostgreSQL cluster; datasets identical: ${same ? 'yes' : 'NO'}.`,
          '× = how many times faster prefect-edge is (Prefect latency ÷ ours; our req/s ÷ Prefect req/s).',
          '"same answer": both servers returned the same ids (reads) or the same per-run outcomes (bulk) for the first measured request.',
          '',
          comparisonTable(edge, prefect),
          '',
          `### Against the floor (our Worker at concurrency ${config.concurrency}; the floor is meant to be read at BENCH_CONCURRENCY=1)`,
          '',
          floorTable(edge, prefect),
        ].join('\n'),
      );
      if (process.env.BENCH_WRITE_DOCS !== '0') {
        writeResultsIntoDocs(resultsMarkdown(edge, prefect, same, mode === 'direct' ? both : null), mode);
      }
    }
    if (both) sections.push(`## Direct and through PgBouncer (one run, one Prefect measurement)\n\n${both}`);
    const text = sections.join('\n\n');
    console.log(`\n${text}`);
    fs.writeFileSync(path.join(OUT, 'comparison.md'), `${text}\n`);
    if (process.env.BENCH_WRITE_DOCS !== '0') log('wrote the results into docs/benchmarks.md (BENCH_WRITE_DOCS=0 leaves it alone)');
  } else {
    for (const mode of modes) {
      const edge = /** @type {ServerResult} */ (edges.get(mode));
      console.log(`\n### Against the floor (${mode}, concurrency ${config.concurrency})\n\n${floorTable(edge, null)}`);
    }
    if (both) console.log(`\n### Direct and through PgBouncer\n\n${both}`);
  }
  log(`done in ${((performance.now() - t0) / 60_000).toFixed(1)} min; results in bench-results/`);
  if (problems.length) {
    console.error(`\nFAILED:\n  ${problems.join('\n  ')}`);
    process.exitCode = 1;
  }
}

await main();
