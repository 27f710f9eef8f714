// @ts-check
// `npm run compat`: differential compatibility test against Prefect's own server.
//
// It installs the pinned Prefect (prefect-requirements.txt) into ./.venv once, or uses PREFECT_VENV,
// starts a throwaway PostgreSQL cluster with one database per server, runs Prefect's server and our Worker (`wrangler dev`) side by side on loopback,
// builds the canonical dataset on both through the public API, sends every case to both, and prints a
// table: case, our answer, Prefect's, and whether they match after normalisation (lib/normalize.mjs).
// Exit code 1 when a difference is not in compat/allowlist.json. See docs/compatibility.md.
//
// Options: --markdown FILE  also write the table as Markdown
//          --only TEXT      run only the cases whose id contains TEXT (the dataset is always built)
//          --dump DIR       write each case's request, both replies and their normalised forms to DIR
// Environment: COMPAT_EDGE_ROOT  a checkout whose Worker to test instead of this one
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { findPostgresBin, startThrowawayCluster } from '../scripts/localdb.mjs';
import { startWsProxy } from '../scripts/wsproxy.mjs';
import { datasetCases } from './lib/dataset.mjs';
import { eventCases } from './lib/event-cases.mjs';
import { startEdge } from './lib/edge.mjs';
import { runCase } from './lib/engine.mjs';
import { Side, timeMicros } from './lib/normalize.mjs';
import { orchestrationCases } from './lib/orchestration-cases.mjs';
import { ensurePrefect, startPrefect } from './lib/prefect.mjs';
import { RANDOM_ID, deriveReadVars, formatMicros, readCases } from './lib/read-cases.mjs';
import { markdownReport, tally, textReport } from './lib/report.mjs';
import { validationCases } from './lib/validation-cases.mjs';
import { automationCases } from './lib/automation-cases.mjs';
import { automationEventCases } from './lib/automation-event-cases.mjs';
import { uiCases } from './lib/ui-cases.mjs';
import { writeCases } from './lib/write-cases.mjs';
import { blockCases } from './lib/block-cases.mjs';
import { familyCases } from './lib/family-cases.mjs';

const ROOT = new URL('../', import.meta.url).pathname;
const t0 = performance.now();
const log = (/** @type {string} */ msg) => console.log(`[compat ${((performance.now() - t0) / 1000).toFixed(0).padStart(3)} s] ${msg}`);

/** @type {(() => Promise<void>)[]} */
const cleanups = [];
async function cleanUp() {
  for (const c of cleanups.splice(0).reverse()) await c().catch((e) => console.error(`[compat] while stopping: ${e.message}`));
}
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM', 'SIGHUP'])) {
  process.once(signal, async () => {
    console.error(`\n[compat] ${signal}: stopping the servers and the database`);
    await cleanUp();
    process.exit(130);
  });
}

function option(/** @type {string} */ name) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** Times both servers are sent, by name (templates `{{NOW}}` …), and their microseconds → name. */
function sharedTimes() {
  const now = BigInt(Date.now()) * 1000n;
  const minute = 60_000_000n;
  /** @type {Record<string, string>} */
  const named = {
    NOW: formatMicros(now),
    NOW_MINUS_5M: formatMicros(now - 5n * minute),
    NOW_PLUS_1D: formatMicros(now + 1440n * minute),
    NOW_PLUS_30D: formatMicros(now + 30n * 1440n * minute),
  };
  return { named, byMicros: new Map(Object.entries(named).map(([k, v]) => [/** @type {string} */ (timeMicros(v)), k])) };
}

/** @param {{ url: string, address: string }} cluster @param {string} name */
function createDatabase(cluster, name) {
  const bin = findPostgresBin();
  const [host, port] = cluster.address.split(':');
  execFileSync(path.join(bin ?? '', 'createdb'), ['-h', host ?? '', '-p', port ?? '', '-U', 'postgres', name], {
    env: { ...process.env, PGPASSWORD: decodeURIComponent(new URL(cluster.url).password) },
  });
  const u = new URL(cluster.url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function main() {
  const only = option('--only');
  const markdown = option('--markdown');
  const dump = option('--dump');
  const edgeRoot = path.resolve(process.env.COMPAT_EDGE_ROOT ?? ROOT);
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'prefect-edge-compat-'));
  log(`logs in ${workDir}`);

  const prefectVersion = ensurePrefect(log);
  const cluster = await startThrowawayCluster();
  cleanups.push(() => cluster.close());
  const proxy = await startWsProxy({ allow: [cluster.address] });
  cleanups.push(() => proxy.close());
  const prefectDb = createDatabase(cluster, 'prefect');
  const edgeDb = createDatabase(cluster, 'edge');
  log(`PostgreSQL at ${cluster.address}; starting Prefect ${prefectVersion} and prefect-edge${edgeRoot === path.resolve(ROOT) ? '' : ` (${edgeRoot})`}`);

  const [prefect, ours] = await Promise.all([
    startPrefect({ databaseUrl: prefectDb, workDir }).then((s) => (cleanups.push(s.stop), s)),
    startEdge({ root: edgeRoot, databaseUrl: edgeDb, wsproxy: proxy.url, workDir }).then((s) => (cleanups.push(s.stop), s)),
  ]);
  log(`Prefect at ${prefect.baseUrl}, prefect-edge at ${ours.baseUrl}`);

  const times = sharedTimes();
  const run = {
    ours: { baseUrl: ours.baseUrl, side: new Side('ours') },
    prefect: { baseUrl: prefect.baseUrl, side: new Side('Prefect') },
    times: times.byMicros,
    allowed: JSON.parse(fs.readFileSync(new URL('./allowlist.json', import.meta.url), 'utf8')).differences,
  };
  for (const { side } of [run.ours, run.prefect]) {
    for (const [k, v] of Object.entries(times.named)) side.vars.set(k, v);
    side.nameId('RANDOM_ID', RANDOM_ID);
  }

  const results = [];
  for (const c of datasetCases()) results.push(await runCase(c, run));
  for (const { side } of [run.ours, run.prefect]) deriveReadVars(side);
  const cases = [...readCases(), ...validationCases(), ...uiCases(), ...orchestrationCases(), ...automationCases(), ...writeCases(), ...blockCases(), ...eventCases(), ...familyCases(), ...automationEventCases()];
  for (const c of cases) {
    // Cases that save ids are needed by later ones, so --only never skips them.
    if (only && !c.id.includes(only) && !c.save) continue;
    results.push(await runCase(c, run));
  }
  if (dump) {
    fs.mkdirSync(dump, { recursive: true });
    results.forEach((r, i) => {
      const file = path.join(dump, `${String(i).padStart(3, '0')}-${r.id.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 60)}.json`);
      fs.writeFileSync(file, JSON.stringify(r, null, 2));
    });
    log(`replies written to ${dump}`);
  }
  const shown = only ? results.filter((r) => r.id.includes(only) || r.verdict !== 'match') : results;
  console.log(`\nprefect-edge vs Prefect ${prefectVersion}\n`);
  console.log(textReport(shown));
  const n = tally(results);
  const stale = results.filter((r) => r.reason && r.verdict === 'match').map((r) => r.id);
  if (stale.length) console.log(`\nAllowed differences that no longer differ (remove them from compat/allowlist.json): ${stale.join('; ')}`);
  console.log(`\n${results.length} cases: ${n.match} match, ${n.known} known differences, ${n.diff} unexpected differences, ${n.skipped} skipped`);
  if (markdown) {
    fs.writeFileSync(markdown, `Prefect ${prefectVersion}; ${results.length} cases: ${n.match} match, ${n.known} known, ${n.diff} unexpected, ${n.skipped} skipped.\n\n${markdownReport(results)}\n`);
    log(`table written to ${markdown}`);
  }
  const ok = n.diff === 0 && n.skipped === 0;
  // The servers' logs are worth keeping only when something differed.
  if (ok) cleanups.unshift(async () => fs.rmSync(workDir, { recursive: true, force: true }));
  else log(`servers' logs kept in ${workDir}`);
  return ok;
}

let ok = false;
try {
  ok = await main();
} catch (e) {
  console.error(`[compat] ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
} finally {
  await cleanUp();
}
process.exit(ok ? 0 : 1);
