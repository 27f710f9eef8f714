// @ts-check
// `npm run test:e2e`: the real Prefect client (SDK, CLI, process worker, `flow.serve`) against our
// server, started with `npm run dev` over a throwaway PostgreSQL cluster. Each scenario drives real
// processes and asserts through our REST API, with a deadline on every wait. Prints
// `e2e: N passed, N failed, N skipped` last; exits non-zero when any scenario failed.
//
// Without python3 (and its venv module) it says so loudly and skips, exit 0 — except under CI=true,
// where that is a failure. Everything it starts (server, cluster, workers, served flows) is stopped on
// exit, on failure and on Ctrl-C.
//
// Settings (environment):
//   E2E_ONLY=a,c        run only these scenarios (also: `npm run test:e2e -- a c`)
//   E2E_CONCURRENCY=3   scenarios run at once
//   E2E_API_URL=…       run the scenarios against a server that is already running (e.g. Prefect's own
//                       at http://127.0.0.1:4200/api) instead of starting ours; names get a unique suffix
//   E2E_PORT            port for `npm run dev` (default: a free one)
//   E2E_DB=pglite       run our server on PGlite even where PostgreSQL is installed
//   E2E_VENV            the virtualenv to use (default ${XDG_CACHE_HOME:-~/.cache}/prefect-edge/prefect-<version>)
//   E2E_KEEP_LOGS=1     keep the work folder (logs of every process) even when everything passed
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
/* global AbortSignal */
import { fileURLToPath } from 'node:url';
import { apiClient, waitForLog } from './lib/api.mjs';
import { PREFECT_VERSION, ensurePrefect, pythonProblem } from './lib/python.mjs';
import { exitWith, run, start, suiteCleanup, tail } from './lib/processes.mjs';
import { notFoundRoutes, startServer } from './lib/server.mjs';
import a from './scenarios/a-flow-with-tasks.mjs';
import b from './scenarios/b-process-worker.mjs';
import c from './scenarios/c-serve.mjs';
import d from './scenarios/d-interval-schedule.mjs';
import e from './scenarios/e-late-run.mjs';
import f from './scenarios/f-killed-worker.mjs';
import h from './scenarios/h-events-stream.mjs';
import k from './scenarios/k-automations.mjs';
import j from './scenarios/j-blocks.mjs';
import l from './scenarios/l-webhooks.mjs';
import o from './scenarios/o-openapi-coverage.mjs';
import i from './scenarios/i-cli-families.mjs';

/**
 * @typedef {{
 *   id: string,
 *   title: string,
 *   needs: string,
 *   timeoutMs: number,
 *   run: (ctx: ScenarioContext) => Promise<void>,
 * }} Scenario
 * @typedef {ReturnType<typeof makeContext>} ScenarioContext
 */

/** Longest-waiting first, so that their waits overlap the others' work. */
const SCENARIOS = [f, e, d, a, h, i, k, b, c, j, l, o];
const SUITE_TIMEOUT_MS = Number(process.env.E2E_TIMEOUT_S || 600) * 1000;

const root = fileURLToPath(new URL('../..', import.meta.url));
const flowsDir = fileURLToPath(new URL('./flows', import.meta.url));
const t0 = performance.now();
const log = (/** @type {string} */ msg) => console.log(`[e2e ${((performance.now() - t0) / 1000).toFixed(0).padStart(3)} s] ${msg}`);

const { cleanups, cleanUp, stopping } = suiteCleanup('e2e', { processesFirst: true });

/**
 * What a scenario gets: our API (for assertions), the Prefect client's binaries with the right
 * environment, and processes that are stopped when the scenario ends.
 * @param {{ apiUrl: string, assertUrl: string, binDir: string, workDir: string, logDir: string, suffix: string }} base
 * @param {import('./lib/processes.mjs').Proc[]} procs the scenario's processes
 * @param {string[]} notes
 */
function makeContext(base, procs, notes) {
  /** @type {NodeJS.ProcessEnv} */
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PREFECT_')));
  Object.assign(env, {
    PREFECT_API_URL: base.apiUrl,
    PREFECT_HOME: path.join(base.workDir, 'prefect-home'),
    DO_NOT_TRACK: '1',
    PYTHONUNBUFFERED: '1',
    // Rich prints plain, unwrapped lines (the run id must be on one line).
    NO_COLOR: '1',
    COLUMNS: '250',
    // Workers and `serve()` poll every 2 s rather than 10 s: runs start sooner.
    PREFECT_WORKER_QUERY_SECONDS: '2',
    PREFECT_RUNNER_POLL_FREQUENCY: '2',
  });
  const bin = (/** @type {string} */ name) => path.join(base.binDir, name);
  /** @param {string} label @param {NodeJS.ProcessEnv} [extra] */
  const opts = (label, extra = {}) => ({ label, logDir: base.logDir, env: { ...env, ...extra }, cwd: base.workDir });
  const api = apiClient(base.assertUrl);
  return {
    api,
    /** Our API's URL (PREFECT_API_URL), for plain HTTP calls such as webhooks. */
    apiUrl: base.apiUrl,
    /** Waits for a log line of a flow run to be stored. */
    waitForLog: (/** @type {string} */ flowRunId, /** @type {string} */ message) => waitForLog(api, flowRunId, message),
    flowsDir,
    /** The suite's work folder (its files are kept with the logs on failure). */
    workDir: base.workDir,
    tail,
    bin,
    /** A name of our own: as is on our fresh database, with a unique suffix on a shared server. */
    name: (/** @type {string} */ n) => `${n}${base.suffix}`,
    flowsFile: (/** @type {string} */ file) => path.join(flowsDir, file),
    /** A fresh folder holding flow.py, to deploy from (`from_source`) or serve. */
    flowSource(/** @type {string} */ id) {
      const dir = path.join(base.workDir, `source-${id}`);
      fs.mkdirSync(dir, { recursive: true });
      fs.copyFileSync(path.join(flowsDir, 'flow.py'), path.join(dir, 'flow.py'));
      return dir;
    },
    /** A background process, stopped when the scenario ends. */
    start(/** @type {string} */ command, /** @type {string[]} */ args, /** @type {{ label: string, env?: NodeJS.ProcessEnv }} */ o) {
      const p = start(command, args, opts(o.label, o.env));
      procs.push(p);
      return p;
    },
    /** Runs the virtualenv's python to its end. */
    python(/** @type {string[]} */ args, /** @type {{ label: string, timeoutMs: number }} */ o) {
      return run(bin('python'), args, { ...opts(o.label), timeoutMs: o.timeoutMs });
    },
    /** Runs the `prefect` CLI to its end; fails unless it exits 0. */
    async prefect(/** @type {string[]} */ args, /** @type {{ label: string, timeoutMs?: number }} */ o) {
      const r = await run(bin('prefect'), args, { ...opts(o.label), timeoutMs: o.timeoutMs ?? 60_000 });
      if (r.code !== 0) throw new Error(`\`prefect ${args.join(' ')}\` exited ${r.code ?? r.signal}:\n${tail(r.output)}`);
      return r;
    },
    /** The flow run id `prefect deployment run` prints. */
    flowRunIdIn(/** @type {string} */ output) {
      const id = /UUID:\s*([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/.exec(output)?.[1];
      if (!id) throw new Error(`no flow run id in the output of \`prefect deployment run\`:\n${tail(output)}`);
      return id;
    },
    /** A measurement printed beside the scenario's result. */
    note: (/** @type {string} */ msg) => notes.push(msg),
  };
}

/**
 * Runs one scenario within its deadline; its background processes are stopped afterwards.
 * @param {Scenario} s
 * @param {Parameters<typeof makeContext>[0]} base
 * @returns {Promise<{ ok: boolean, seconds: number, error?: string, notes: string[] }>}
 */
async function runScenario(s, base) {
  /** @type {import('./lib/processes.mjs').Proc[]} */
  const procs = [];
  /** @type {string[]} */
  const notes = [];
  const started = performance.now();
  const timeout = Symbol('timeout');
  try {
    const result = await Promise.race([s.run(makeContext(base, procs, notes)), sleep(s.timeoutMs, timeout)]);
    if (result === timeout) throw new Error(`the scenario did not finish within ${s.timeoutMs / 1000} s`);
    return { ok: true, seconds: (performance.now() - started) / 1000, notes };
  } catch (err) {
    const error = err instanceof Error ? (err.name === 'AssertionError' ? err.message : (err.stack ?? err.message)) : String(err);
    return { ok: false, seconds: (performance.now() - started) / 1000, error, notes };
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
  }
}

/** Runs the scenarios, at most `concurrency` at once, printing each result as it comes. */
async function runAll(/** @type {Scenario[]} */ list, /** @type {Parameters<typeof makeContext>[0]} */ base, /** @type {number} */ concurrency) {
  /** @type {Map<string, Awaited<ReturnType<typeof runScenario>>>} */
  const results = new Map();
  const queue = [...list];
  const lane = async () => {
    for (let s = queue.shift(); s && !stopping(); s = queue.shift()) {
      log(`${s.id}. started: ${s.title}`);
      const r = await runScenario(s, base);
      results.set(s.id, r);
      const notes = r.notes.length ? ` [${r.notes.join('; ')}]` : '';
      if (r.ok) console.log(`  ✓ ${s.id}. ${s.title} (${r.seconds.toFixed(1)} s)${notes}`);
      else console.log(`  ✗ ${s.id}. ${s.title} (${r.seconds.toFixed(1)} s; needs ${s.needs})${notes}\n${indent(r.error ?? '')}`);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, lane));
  return results;
}

/**
 * The 404s of the dev log that point at a gap. A GET that answers now was a look-up before a create
 * (`prefect work-pool create` and `serve()` ask for the pool or deployment first, and Prefect's server
 * answers 404 there too), so it is left out; every other 404 is listed. Only GETs are asked again:
 * they change nothing.
 * @param {string} devLog
 * @param {string} serverUrl
 */
async function unexplainedNotFounds(devLog, serverUrl) {
  const missing = [];
  for (const route of notFoundRoutes(devLog)) {
    const [method, routePath] = route.split(' ');
    if (method === 'GET') {
      const res = await fetch(`${serverUrl}${routePath}`, { signal: AbortSignal.timeout(10_000) });
      await res.arrayBuffer();
      if (res.status !== 404) continue;
    }
    missing.push(route);
  }
  return missing;
}

const indent = (/** @type {string} */ text) => text.split('\n').map((l) => `      ${l}`).join('\n');

function selected() {
  const wanted = [...process.argv.slice(2), ...(process.env.E2E_ONLY ?? '').split(',')].map((x) => x.trim().toLowerCase()).filter(Boolean);
  if (!wanted.length) return { scenarios: SCENARIOS, checkLog: true };
  const unknown = wanted.filter((w) => w !== 'g' && !SCENARIOS.some((s) => s.id === w));
  if (unknown.length) throw new Error(`unknown scenario(s) ${unknown.join(', ')}: choose among ${[...SCENARIOS.map((s) => s.id), 'g'].join(', ')}`);
  return { scenarios: SCENARIOS.filter((s) => wanted.includes(s.id)), checkLog: wanted.includes('g') };
}

async function main() {
  const { scenarios, checkLog } = selected();
  const total = scenarios.length + (checkLog ? 1 : 0);
  const problem = pythonProblem();
  if (problem) {
    const bar = '!'.repeat(100);
    const ci = process.env.CI === 'true';
    console.error(`\n${bar}\n!!! END-TO-END SUITE ${ci ? 'CANNOT RUN' : 'SKIPPED'}: ${problem}.`);
    console.error(`!!! It runs the real Prefect ${PREFECT_VERSION} client and needs python3 (3.10+) with venv: on Debian, \`apt-get install python3 python3-venv python3-pip\`.`);
    if (ci) console.error('!!! Under CI=true a missing Python is a failure.');
    console.error(`${bar}\n`);
    console.log(ci ? `e2e: 0 passed, 1 failed, ${total} skipped` : `e2e: 0 passed, 0 failed, ${total} skipped`);
    return ci ? 1 : 0;
  }

  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'prefect-edge-e2e-'));
  const logDir = path.join(workDir, 'logs');
  fs.mkdirSync(logDir);
  log(`work folder (process logs in logs/): ${workDir}`);
  const watchdog = setTimeout(() => {
    console.error(`\n[e2e] the suite ran past ${SUITE_TIMEOUT_MS / 1000} s (E2E_TIMEOUT_S): stopping everything`);
    console.log(`e2e: 0 passed, ${total} failed`);
    cleanUp().finally(() => process.exit(1));
  }, SUITE_TIMEOUT_MS);

  let failed = 0;
  let passed = 0;
  let skipped = 0;
  let keep = process.env.E2E_KEEP_LOGS === '1';
  try {
    const binDir = await ensurePrefect({ log, logFile: path.join(logDir, 'pip.log') });
    const external = process.env.E2E_API_URL?.replace(/\/$/, '');
    /** @type {import('./lib/processes.mjs').Proc | null} */
    let server = null;
    let apiUrl;
    let assertUrl;
    if (external) {
      apiUrl = external;
      assertUrl = external;
      log(`scenarios run against ${external} (E2E_API_URL); our server is not started`);
    } else {
      const s = await startServer({ root, workDir, logDir, log, onCleanup: (fn) => cleanups.push(fn) });
      server = s.proc;
      apiUrl = `http://127.0.0.1:${s.port}/api`;
      // Our own reads go to the root mount, so that every /api line in the dev log is a Prefect tool's.
      assertUrl = `http://127.0.0.1:${s.port}`;
    }
    const suffix = external ? `-${Date.now().toString(36)}` : '';
    const base = { apiUrl, assertUrl, binDir, workDir, logDir, suffix };
    const concurrency = Number(process.env.E2E_CONCURRENCY || 3);
    log(`running ${scenarios.length} scenario(s), ${concurrency} at a time, with PREFECT_API_URL=${apiUrl}`);
    const results = await runAll(scenarios, base, concurrency);
    for (const r of results.values()) {
      if (r.ok) passed += 1;
      else failed += 1;
    }

    if (checkLog) {
      const title = 'g. the dev log shows no 404 from a Prefect tool during the whole run';
      if (!server) {
        skipped += 1;
        console.log(`  - ${title}: skipped (E2E_API_URL: no dev log)`);
      } else {
        const missing = await unexplainedNotFounds(server.output(), assertUrl);
        if (missing.length) {
          failed += 1;
          console.log(`  ✗ ${title}\n${indent(`routes that answered 404:\n${missing.map((m) => `  ${m}`).join('\n')}`)}`);
        } else {
          passed += 1;
          console.log(`  ✓ ${title}`);
        }
      }
    }
  } catch (err) {
    failed = Math.max(1, total - passed);
    console.error(`[e2e] the suite could not run: ${err instanceof Error ? (err.stack ?? err.message) : err}`);
  } finally {
    clearTimeout(watchdog);
    await cleanUp();
    if (failed) keep = true;
    if (keep) log(`logs kept in ${logDir}`);
    else fs.rmSync(workDir, { recursive: true, force: true });
  }
  log(`done in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  console.log(`e2e: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  return failed ? 1 : 0;
}

exitWith(main, cleanUp);
