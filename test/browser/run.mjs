// @ts-check
// `npm run test:browser`: both of Prefect 3.9.1's UIs, served by our Worker (`npm run dev` over a
// throwaway PostgreSQL, as the end-to-end suite starts it), loaded page by page in Debian's Chromium
// driven by playwright-core (no browser download). The server is first seeded with the real Prefect
// client (test/browser/seed.py). A page fails on an API answer >= 400, a console or page error, an
// error card, or when the seeded data it should show is missing. Then the UIs' own actions
// (actions.mjs: run a deployment, cancel a run, pause a schedule, edit a variable, create an
// automation), each checked by its effect through the API. Pages that fail only on endpoints
// listed in pages.mjs KNOWN_MISSING are reported as known failures (counted as skipped). Prints
// `browser: N passed, N failed, N skipped` last; exits non-zero on any other failure.
//
// Without Chromium or python3 it says so loudly and skips (exit 0), except under CI=true.
//
// Settings (environment):
//   BROWSER_BASE_URL=…   run against a server already running (e.g. Prefect's own,
//                        http://127.0.0.1:4200) instead of starting ours; names get a unique suffix
//   BROWSER_FRESH=1      that server's database is empty: seed without a name suffix (screenshots)
//   BROWSER_CHROMIUM     the Chromium binary (default /usr/bin/chromium)
//   BROWSER_SCREENSHOTS=dir  save a 1280x800 PNG of every page into dir (e.g. docs/screenshots/edge)
//   BROWSER_ONLY=v2:runs,flows  only these pages (page id, or ui:id); `actions`, or an action's
//                        id or ui:id (v1:cancel-run), for the UI actions
//   E2E_PORT, E2E_DB, E2E_VENV  as for `npm run test:e2e`
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
/* global AbortSignal */
import { chromium } from 'playwright-core';
import { ensureUiAssets } from '../../scripts/ui-assets.mjs';
import { PREFECT_VERSION, ensurePrefect, pythonProblem } from '../e2e/lib/python.mjs';
import { exitWith, run, suiteCleanup, tail } from '../e2e/lib/processes.mjs';
import { startServer } from '../e2e/lib/server.mjs';
import { ACTIONS, actionApi } from './actions.mjs';
import { KNOWN_MISSING, PAGES, UIS, knownMissing } from './pages.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const CHROMIUM = process.env.BROWSER_CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const PAGE_TIMEOUT_MS = 30_000;
/**
 * How long no API call may be pending before a page counts as loaded. Route code loads lazily, after
 * the first calls: on a busy machine 1 s was too short, and a page whose calls came late (v2 blocks)
 * passed without having made them.
 */
const QUIET_MS = 2_500;
const SCREENSHOT_SETTLE_MS = 5_000;
const SUITE_TIMEOUT_MS = Number(process.env.BROWSER_TIMEOUT_S || 600) * 1000;

const t0 = performance.now();
const log = (/** @type {string} */ msg) => console.log(`[browser ${((performance.now() - t0) / 1000).toFixed(0).padStart(3)} s] ${msg}`);

const { cleanups, cleanUp, stopping } = suiteCleanup('browser');

/** An API call as the known-failure list spells it: ids and names in paths are not normalised, patterns use `*`. */
const callOf = (/** @type {string} */ method, /** @type {string} */ url) => `${method} ${new URL(url).pathname}`;

/** Whether a response is one of the API's (not a static file or a page). */
function isApiCall(/** @type {string} */ url, /** @type {string} */ base) {
  if (!url.startsWith(base)) return false;
  const p = new URL(url).pathname;
  return p.startsWith('/api/') || p === '/ui-settings';
}

/** Text of an error card or an error boundary in either UI. */
const ERROR_TEXT = /something went wrong|an error occurred|unexpected error|page not found|failed to load|failed to fetch|error loading/i;

/**
 * Watches a page for what fails a page or an action: API answers >= 400 (and API requests that fail),
 * console and page errors. `quietFor()` is how long no API call has been pending (0 while one is).
 * @param {import('playwright-core').Page} page
 * @param {string} base
 */
function watch(page, base) {
  /** @type {string[]} */
  const apiFailures = [];
  /** @type {string[]} */
  const consoleErrors = [];
  let inflight = 0;
  let lastActivity = Date.now();
  page.on('request', (req) => {
    if (isApiCall(req.url(), base)) {
      inflight += 1;
      lastActivity = Date.now();
    }
  });
  const settled = (/** @type {import('playwright-core').Request} */ req) => {
    if (isApiCall(req.url(), base)) {
      inflight = Math.max(0, inflight - 1);
      lastActivity = Date.now();
    }
  };
  page.on('requestfinished', settled);
  page.on('requestfailed', (req) => {
    settled(req);
    if (isApiCall(req.url(), base) && !/ERR_ABORTED/.test(req.failure()?.errorText ?? '')) apiFailures.push(`${callOf(req.method(), req.url())} failed: ${req.failure()?.errorText}`);
  });
  page.on('response', (res) => {
    if (isApiCall(res.url(), base) && res.status() >= 400) apiFailures.push(`${callOf(res.request().method(), res.url())} → ${res.status()}`);
  });
  page.on('console', (msg) => {
    // Requests to other sites (the UIs' analytics) are blocked, and their errors are not the server's.
    const where = msg.location().url;
    if (where && !where.startsWith(base)) return;
    // Images the UIs ask for at paths no release ships (v1 /ico/undefined.svg, v2 state icons at the
    // root instead of /v2): Prefect's server answers them with index.html, which is no image either.
    if (/\.(svg|png|ico)$/.test(where) && !isApiCall(where, base) && msg.text().startsWith('Failed to load resource')) return;
    if (msg.type() === 'error') consoleErrors.push(`console: ${msg.text().slice(0, 300)}${msg.location().url ? ` (${msg.location().url.replace(base, '')})` : ''}`);
  });
  page.on('pageerror', (err) => consoleErrors.push(`page error: ${err.message.slice(0, 300)}`));
  return { apiFailures, consoleErrors, quietFor: () => (inflight > 0 ? 0 : Date.now() - lastActivity) };
}

/**
 * Loads one page and returns what went wrong on it.
 * @param {import('playwright-core').BrowserContext} context
 * @param {string} base
 * @param {string} url
 * @param {string | undefined} shows
 * @param {string | undefined} screenshot
 */
async function loadPage(context, base, url, shows, screenshot) {
  const page = await context.newPage();
  const { apiFailures, consoleErrors, quietFor } = watch(page, base);
  /** @type {string[]} */
  const problems = [];
  try {
    const res = await page.goto(url, { waitUntil: 'load', timeout: PAGE_TIMEOUT_MS });
    if (!res || res.status() >= 400) problems.push(`the page answered ${res?.status()}`);
    // Loaded when no API call has been pending for QUIET_MS (the UIs poll, so not "network idle").
    const deadline = Date.now() + PAGE_TIMEOUT_MS;
    while (Date.now() < deadline && quietFor() < QUIET_MS) await sleep(100);
    // A route's code may load after the first calls settle: wait (boundedly) for content to show.
    await page.waitForFunction('document.body.innerText.trim().length >= 40', null, { timeout: 10_000 }).catch(() => {});
    if (shows) {
      await page.getByText(shows, { exact: false }).first().waitFor({ timeout: 5_000 }).catch(() => {});
    }
    const text = /** @type {string} */ (await page.evaluate('document.body.innerText'));
    if (text.trim().length < 40) problems.push(`the page is empty (${JSON.stringify(text.trim().slice(0, 40))})`);
    const errorCard = ERROR_TEXT.exec(text);
    if (errorCard) problems.push(`the page shows an error: "${text.slice(Math.max(0, errorCard.index - 40), errorCard.index + 80).replace(/\s+/g, ' ')}"`);
    if (shows && !text.includes(shows)) problems.push(`the page does not show "${shows}"`);
    if (screenshot) {
      // Charts and the run graph draw after their data arrives: give them a moment before the picture.
      await sleep(SCREENSHOT_SETTLE_MS);
      await page.screenshot({ path: screenshot });
    }
  } catch (e) {
    problems.push(`loading failed: ${e instanceof Error ? e.message.split('\n')[0] : e}`);
  } finally {
    await page.close();
  }
  return { apiFailures: [...new Set(apiFailures)], consoleErrors: [...new Set(consoleErrors)], problems };
}

/** The ui-settings document the UIs need, for a server that does not serve /ui-settings yet. */
const uiSettingsShim = (/** @type {string} */ base) => ({
  api_url: `${base}/api`,
  csrf_enabled: false,
  auth: null,
  flags: [],
  default_ui: 'v2',
  available_uis: ['v1', 'v2'],
  v1_base_url: '/',
  v2_base_url: '/v2',
});

function selectedPages() {
  const wanted = (process.env.BROWSER_ONLY ?? '').split(',').map((x) => x.trim()).filter(Boolean);
  const all = UIS.flatMap((ui) => PAGES.map((p) => ({ ui, page: p })));
  if (!wanted.length) return all;
  return all.filter(({ ui, page }) => wanted.includes(page.id) || wanted.includes(`${ui}:${page.id}`));
}

/** The UI actions to do: all, unless BROWSER_ONLY names some (`actions`, an action's id or ui:id). */
function selectedActions() {
  const wanted = (process.env.BROWSER_ONLY ?? '').split(',').map((x) => x.trim()).filter(Boolean);
  if (!wanted.length || wanted.includes('actions')) return ACTIONS;
  return ACTIONS.filter((a) => wanted.includes(a.id) || wanted.includes(`${a.ui}:${a.id}`));
}

/**
 * Does one UI action in a new page and returns what went wrong: the action's own error (a control
 * missing, its effect not seen through the API), API answers >= 400 and console errors meanwhile.
 * @param {import('playwright-core').BrowserContext} context
 * @param {import('./actions.mjs').Action} action
 * @param {import('./actions.mjs').ActionContext} ctx
 */
async function doAction(context, action, ctx) {
  const page = await context.newPage();
  const { apiFailures, consoleErrors, quietFor } = watch(page, ctx.base);
  /** @type {string[]} */
  const problems = [];
  let saw = '';
  try {
    saw = await action.run(page, ctx);
    // The UI refetches after an action: those answers count too (bounded: the UIs poll).
    const deadline = Date.now() + 2_500;
    while (Date.now() < deadline && quietFor() < 1_000) await sleep(100);
  } catch (e) {
    problems.push(e instanceof Error ? e.message.split('\n').slice(0, 4).join('\n') : String(e));
  } finally {
    await page.close();
  }
  return { saw, issues: [...new Set(apiFailures), ...problems, ...new Set(consoleErrors)] };
}

/** Whether the run includes the /docs page (always, unless BROWSER_ONLY names other pages only). */
const docsSelected = () => !process.env.BROWSER_ONLY || process.env.BROWSER_ONLY.split(',').map((x) => x.trim()).includes('docs');

/**
 * Loads /docs, waits for the operation list, sends `POST /flow_runs/filter` from the page and filters
 * the list. Returns what went wrong (console and page errors included); empty when all is well.
 * @param {import('playwright-core').BrowserContext} context
 * @param {string} base
 */
async function checkDocsPage(context, base) {
  /** @type {string[]} */
  const problems = [];
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  try {
    await page.goto(`${base}/docs`, { waitUntil: 'load', timeout: 30_000 });
    const op = page.locator('details[data-method="POST"][data-path="/flow_runs/filter"]');
    await op.waitFor({ timeout: 20_000 });
    await op.locator('summary').click();
    await op.locator('textarea.req').fill('{"limit": 1}');
    await op.locator('button').click();
    // The page writes "<status> <text>" into the result once the answer has come.
    let answer = '';
    for (const deadline = Date.now() + 20_000; !/^\d{3} /.test(answer) && Date.now() < deadline; ) {
      await sleep(100);
      answer = (await op.locator('pre.res').textContent()) ?? '';
    }
    if (!answer.startsWith('200 ')) problems.push(`the request sent from the page answered: ${answer.slice(0, 200)}`);
    await page.locator('#q').fill('variables/name');
    const shown = await page.locator('details').count();
    if (shown < 1 || shown > 6) problems.push(`filtering for "variables/name" shows ${shown} operations`);
  } catch (e) {
    problems.push(e instanceof Error ? e.message : String(e));
  } finally {
    await page.close();
  }
  return problems;
}

function skipAll(/** @type {string} */ problem, /** @type {number} */ total) {
  const bar = '!'.repeat(100);
  const ci = process.env.CI === 'true';
  console.error(`\n${bar}\n!!! BROWSER SUITE ${ci ? 'CANNOT RUN' : 'SKIPPED'}: ${problem}.`);
  console.error('!!! It needs Debian\'s chromium (`apt-get install chromium`) and python3 (3.10+) with venv.');
  console.error(`${bar}\n`);
  console.log(ci ? `browser: 0 passed, 1 failed, ${total} skipped` : `browser: 0 passed, 0 failed, ${total} skipped`);
  return ci ? 1 : 0;
}

async function main() {
  const targets = selectedPages();
  const actions = selectedActions();
  const total = targets.length + actions.length + (docsSelected() ? 1 : 0);
  if (!fs.existsSync(CHROMIUM)) return skipAll(`no Chromium at ${CHROMIUM}`, total);
  const problem = pythonProblem();
  if (problem) return skipAll(problem, total);

  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'prefect-edge-browser-'));
  const logDir = path.join(workDir, 'logs');
  fs.mkdirSync(logDir);
  log(`work folder (process logs in logs/): ${workDir}`);
  const watchdog = setTimeout(() => {
    console.error(`\n[browser] the suite ran past ${SUITE_TIMEOUT_MS / 1000} s (BROWSER_TIMEOUT_S): stopping everything`);
    console.log(`browser: 0 passed, ${total} failed, 0 skipped`);
    cleanUp().finally(() => process.exit(1));
  }, SUITE_TIMEOUT_MS);

  let passed = 0;
  let failed = 0;
  let skipped = 0;
  /** @type {Map<string, string[]>} known missing endpoint → pages where it failed */
  const knownSeen = new Map();
  let keep = false;
  try {
    const external = process.env.BROWSER_BASE_URL?.replace(/\/$/, '');
    if (!external) ensureUiAssets();
    const binDir = await ensurePrefect({ log, logFile: path.join(logDir, 'pip.log') });
    let base;
    if (external) {
      base = external;
      log(`pages load from ${external} (BROWSER_BASE_URL); our server is not started`);
    } else {
      const s = await startServer({ root, workDir, logDir, log, onCleanup: (fn) => cleanups.push(fn) });
      base = `http://127.0.0.1:${s.port}`;
    }

    // Seed through the real Prefect client.
    const suffix = external && process.env.BROWSER_FRESH !== '1' ? `-${Date.now().toString(36)}` : '';
    /** @type {NodeJS.ProcessEnv} */
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PREFECT_')));
    Object.assign(env, { PREFECT_API_URL: `${base}/api`, PREFECT_HOME: path.join(workDir, 'prefect-home'), DO_NOT_TRACK: '1', NO_COLOR: '1', PYTHONUNBUFFERED: '1' });
    const seed = await run(path.join(binDir, 'python'), [fileURLToPath(new URL('./seed.py', import.meta.url)), suffix], { label: 'seed', logDir, env, cwd: workDir, timeoutMs: 180_000 });
    const seededLine = seed.output.trim().split('\n').reverse().find((l) => l.startsWith('{'));
    if (seed.code !== 0 || !seededLine) throw new Error(`seeding with Prefect ${PREFECT_VERSION}'s client failed (exit ${seed.code}):\n${tail(seed.output)}`);
    /** @type {import('./pages.mjs').Seeded} */
    const seeded = JSON.parse(seededLine);
    log(`seeded with Prefect ${PREFECT_VERSION}'s client: flow run ${seeded.flow_run_id}, deployment ${seeded.deployment_id}`);

    const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'prefect-edge-chromium-'));
    cleanups.push(async () => fs.rmSync(profile, { recursive: true, force: true }));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_FLAGS,
      viewport: { width: 1280, height: 800 },
      timezoneId: 'UTC',
    });
    cleanups.push(() => context.close());
    // Nothing leaves the machine: the UIs' analytics and fonts from other sites are refused.
    await context.route((url) => !url.href.startsWith(base) && !url.protocol.startsWith('data'), (route) => route.abort('blockedbyclient'));

    // /ui-settings tells both UIs where the API is. Until this server answers it (branch `uiapi`), the
    // browser gets a stand-in document, and the missing endpoint is reported as a known failure.
    const settingsRes = await fetch(`${base}/ui-settings`, { signal: AbortSignal.timeout(10_000) });
    await settingsRes.arrayBuffer();
    if (settingsRes.status === 404) {
      const entry = knownMissing('GET /ui-settings');
      if (!entry) {
        failed += 1;
        console.log('  ✗ GET /ui-settings answers 404');
      } else {
        skipped += 1;
        knownSeen.set('GET /ui-settings', ['every page']);
        console.log(`  ! KNOWN FAILURE: GET /ui-settings answers 404 (branch ${entry.branch}); the browser is given a stand-in ui-settings document`);
        await context.route(`${base}/ui-settings`, (route) => route.fulfill({ json: uiSettingsShim(base) }));
      }
    }

    const shotsDir = process.env.BROWSER_SCREENSHOTS ? path.resolve(process.env.BROWSER_SCREENSHOTS) : null;
    if (shotsDir) {
      fs.mkdirSync(shotsDir, { recursive: true });
      // The dashboards' time window ends at the current minute, rounded down: runs seeded in this
      // minute would be left out of their counts until the next one.
      const wait = 60_000 - (Date.now() % 60_000) + 1_000;
      log(`screenshots: waiting ${Math.round(wait / 1000)} s for the next minute, so the dashboards count the seeded runs`);
      await sleep(wait);
    }
    for (const { ui, page } of targets) {
      if (stopping()) break;
      const pagePath = `${ui === 'v2' ? '/v2' : ''}${page.path(seeded)}`;
      const shows = page.shows?.({ ...seeded });
      const label = `${ui} ${page.title} (${pagePath})`;
      const r = await loadPage(context, base, `${base}${pagePath}`, shows, shotsDir ? path.join(shotsDir, `${ui}-${page.id}.png`) : undefined);
      const unknownApi = r.apiFailures.filter((f) => !knownMissing(f.split(' ').slice(0, 2).join(' ')));
      const knownApi = r.apiFailures.filter((f) => !unknownApi.includes(f));
      const allIssues = [...r.apiFailures, ...r.problems, ...r.consoleErrors];
      if (!allIssues.length) {
        passed += 1;
        console.log(`  ✓ ${label}`);
      } else if (knownApi.length && !unknownApi.length) {
        // Only endpoints known to be missing failed; what else went wrong is taken as their consequence.
        skipped += 1;
        for (const f of knownApi) {
          const call = f.split(' ').slice(0, 2).join(' ');
          const key = knownMissing(call)?.endpoint ?? call;
          knownSeen.set(key, [...(knownSeen.get(key) ?? []), `${ui}:${page.id}`]);
        }
        console.log(`  ! KNOWN FAILURE ${label}: missing ${knownApi.join(', ')}`);
        const rest = [...r.problems, ...r.consoleErrors];
        if (rest.length) console.log(indent(rest.slice(0, 6).join('\n')));
      } else {
        failed += 1;
        console.log(`  ✗ ${label}\n${indent(allIssues.slice(0, 12).join('\n'))}`);
      }
    }
    // The UIs' own actions, after the pages (they change what the pages show), each checked through the API.
    const actx = { base, seeded, api: actionApi(base) };
    for (const action of actions) {
      if (stopping()) break;
      const label = `${action.ui} action: ${action.title}`;
      const started = performance.now();
      const r = await doAction(context, action, actx);
      const took = `${((performance.now() - started) / 1000).toFixed(1)} s`;
      if (r.issues.length) {
        failed += 1;
        console.log(`  ✗ ${label} (${took})\n${indent(r.issues.slice(0, 12).join('\n'))}`);
      } else {
        passed += 1;
        console.log(`  ✓ ${label}: ${r.saw} (${took})`);
      }
    }
    // Our API docs page (/docs, not a Prefect UI page): it lists the operations of /api/openapi.json,
    // filters them, and sends a request from the page.
    if (docsSelected() && !external && !stopping()) {
      const problems = await checkDocsPage(context, base);
      if (problems.length) {
        failed += 1;
        console.log(`  ✗ API docs (/docs)\n${indent(problems.slice(0, 12).join('\n'))}`);
      } else {
        passed += 1;
        console.log('  ✓ API docs (/docs): operations listed and filtered, a request sent from the page answered 200');
      }
    }
  } catch (err) {
    failed = Math.max(1, total - passed - skipped);
    console.error(`[browser] the suite could not run: ${err instanceof Error ? (err.stack ?? err.message) : err}`);
  } finally {
    clearTimeout(watchdog);
    await cleanUp();
    if (failed) keep = true;
    if (keep || process.env.E2E_KEEP_LOGS === '1') log(`logs kept in ${logDir}`);
    else fs.rmSync(workDir, { recursive: true, force: true });
  }

  if (knownSeen.size) {
    const bar = '!'.repeat(100);
    console.log(`\n${bar}\n!!! ${skipped} KNOWN FAILURE(S), counted as skipped: endpoints the UIs call that are not built yet`);
    for (const [endpoint, pages] of knownSeen) {
      console.log(`!!!   ${endpoint.padEnd(44)} (branch ${KNOWN_MISSING.find((k) => k.endpoint === endpoint)?.branch ?? '?'}): ${[...new Set(pages)].join(' ')}`);
    }
    console.log(`${bar}`);
  }
  const unused = KNOWN_MISSING.filter((k) => !knownSeen.has(k.endpoint));
  if (unused.length && !process.env.BROWSER_ONLY && !process.env.BROWSER_BASE_URL && !failed) {
    console.log(`[browser] these KNOWN_MISSING entries failed nowhere in this run (if that lasts, remove them from test/browser/pages.mjs): ${unused.map((k) => k.endpoint).join(', ')}`);
  }
  log(`done in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  console.log(`browser: ${passed} passed, ${failed} failed, ${skipped} skipped`);
  return failed ? 1 : 0;
}

const indent = (/** @type {string} */ text) => text.split('\n').map((l) => `      ${l}`).join('\n');

exitWith(main, cleanUp);
