// @ts-check
// `npm run test:fuzz`: schema-driven fuzzing of every served operation. Schemathesis (from PyPI, in its
// own cached virtualenv) generates requests from Prefect 3.9.1's OpenAPI document (generated from the
// installed package, as e2e scenario o does) and sends them to our server (`npm run dev` over a
// throwaway PostgreSQL cluster). Any 5xx fails, as does any 5xx line in the server's log. Prints
// `fuzz: N passed, N failed` last (one case per operation).
//
// Without python3 it says so loudly and skips, exit 0, except under CI=true, where that is a failure.
// Settings: FUZZ_EXAMPLES (examples per operation, default 12), FUZZ_SEED (default 20261204),
// FUZZ_PHASES (default examples,fuzzing; add coverage for the exhaustive boundary cases).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cachedVenvDir, ensurePrefect, ensureVenv, pythonProblem } from '../e2e/lib/python.mjs';
import { run, stopAll, tail } from '../e2e/lib/processes.mjs';
import { startServer } from '../e2e/lib/server.mjs';

const SCHEMATHESIS_VERSION = '4.32.5';
const root = fileURLToPath(new URL('../..', import.meta.url));
const log = (/** @type {string} */ msg) => console.log(`[fuzz] ${msg}`);

/** Schemathesis in ${XDG_CACHE_HOME:-~/.cache}/prefect-edge/schemathesis-<version>, installed once. */
async function ensureSchemathesis(/** @type {string} */ logFile) {
  const dir = cachedVenvDir(`schemathesis-${SCHEMATHESIS_VERSION}`);
  const bin = await ensureVenv({ dir, pkg: 'schemathesis', version: SCHEMATHESIS_VERSION, log, logFile });
  return path.join(bin, 'schemathesis');
}

/**
 * Test cases of a JUnit report: one per operation, failed when it holds a <failure> or <error>.
 * @param {string} xml
 */
function junitCases(xml) {
  return [...xml.matchAll(/<testcase\b([^>]*?)(\/>|>([\s\S]*?)<\/testcase>)/g)].map((m) => ({
    name: /name="([^"]*)"/.exec(m[1] ?? '')?.[1] ?? '?',
    failed: /<(failure|error)\b/.test(m[3] ?? ''),
    skipped: /<skipped\b/.test(m[3] ?? ''),
  }));
}

async function main() {
  const problem = pythonProblem();
  const ci = process.env.CI === 'true';
  if (problem) {
    console.error(`\n${'!'.repeat(100)}\n!!! FUZZ RUN ${ci ? 'CANNOT RUN' : 'SKIPPED'}: ${problem}.\n${'!'.repeat(100)}\n`);
    console.log(ci ? 'fuzz: 0 passed, 1 failed' : 'fuzz: 0 passed, 0 failed, 1 skipped');
    return ci ? 1 : 0;
  }
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'prefect-edge-fuzz-'));
  const logDir = path.join(workDir, 'logs');
  fs.mkdirSync(logDir);
  log(`work folder: ${workDir}`);
  /** @type {(() => Promise<void>)[]} */
  const cleanups = [];
  try {
    const prefectBin = await ensurePrefect({ log, logFile: path.join(logDir, 'pip.log') });
    const schemathesis = await ensureSchemathesis(path.join(logDir, 'pip.log'));
    const spec = path.join(workDir, 'prefect-openapi.json');
    const gen = await run(path.join(prefectBin, 'python'), [path.join(root, 'test/e2e/lib/prefect_openapi.py'), spec], {
      label: 'prefect-openapi',
      logDir,
      cwd: workDir,
      timeoutMs: 300_000,
    });
    if (gen.code !== 0) throw new Error(`generating Prefect's OpenAPI document failed:\n${tail(gen.output)}`);
    const server = await startServer({ root, workDir, logDir, log, onCleanup: (fn) => cleanups.push(fn) });
    cleanups.push(() => server.proc.stop());
    const report = path.join(workDir, 'junit.xml');
    const args = [
      'run', spec,
      '--url', `http://127.0.0.1:${server.port}/api`,
      '--checks', 'not_a_server_error',
      '--phases', process.env.FUZZ_PHASES || 'examples,fuzzing',
      '--max-examples', process.env.FUZZ_EXAMPLES || '12',
      '--seed', process.env.FUZZ_SEED || '20261204',
      '--workers', '2',
      '--suppress-health-check', 'all',
      '--generation-allow-x00', 'false',
      '--report', 'junit', '--report-junit-path', report,
    ];
    log(`schemathesis ${args.join(' ')}`);
    const r = await run(schemathesis, args, { label: 'schemathesis', logDir, cwd: workDir, timeoutMs: 20 * 60_000 });
    console.log(tail(r.output, 40));
    const cases = fs.existsSync(report) ? junitCases(fs.readFileSync(report, 'utf8')) : [];
    const serverErrors = [...server.proc.output().matchAll(/\[wrangler:info\] (\w+ \S+) (5\d\d)\b/g)].map((m) => `${m[1]} ${m[2]}`);
    const failed = cases.filter((c) => c.failed);
    for (const c of failed) console.log(`  ✗ ${c.name}`);
    for (const e of new Set(serverErrors)) console.log(`  ✗ the server log shows ${e}`);
    const problems = failed.length + (serverErrors.length ? 1 : 0) + (cases.length === 0 ? 1 : 0);
    if (cases.length === 0) console.log(`  ✗ schemathesis wrote no report (exit ${r.code}):\n${tail(r.output)}`);
    const passed = cases.filter((c) => !c.failed && !c.skipped).length;
    console.log(`fuzz: ${passed} passed, ${problems} failed, ${cases.filter((c) => c.skipped).length} skipped`);
    return problems ? 1 : 0;
  } catch (e) {
    console.error(e instanceof Error ? e.stack : e);
    console.log('fuzz: 0 passed, 1 failed');
    return 1;
  } finally {
    for (const fn of cleanups.reverse()) await fn().catch(() => {});
    await stopAll();
  }
}

// Exit at once: pending deadline timers of finished runs would keep the event loop alive.
process.exit(await main());
