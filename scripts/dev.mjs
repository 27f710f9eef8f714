// `npm run dev`: the Worker under `wrangler dev` on 127.0.0.1, backed by a migrated database
// (embedded PGlite by default; see dev-database.mjs). Ctrl-C, SIGTERM and SIGHUP stop everything this
// script started; if wrangler dies, the rest is stopped too.
//
// Settings (environment): PORT (default 8787), DATABASE_URL (default: PGlite),
// PGLITE_DIR (default .data/pglite, relative to the project), DEV_POOLER=pgbouncer (PgBouncer in
// transaction mode in front of a local DATABASE_URL, like Neon's pooled endpoint).
import path from 'node:path';
import { clearInterval, setInterval } from 'node:timers';
import { fileURLToPath } from 'node:url';
import { startDevDatabase } from './dev-database.mjs';
import { ensureUiAssets } from './ui-assets.mjs';
import { assertPortFree, startWranglerDev, waitForHealth } from './wrangler-dev.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const log = (msg) => console.log(`[dev] ${msg}`);

/** Clean-up steps, run last-first by stop(). */
const cleanups = [];
let stopping = null;

function stop(exitCode) {
  stopping ??= (async () => {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch (e) {
        console.error(`[dev] while stopping: ${e.message}`);
      }
    }
    process.exit(exitCode);
  })();
  return stopping;
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (!stopping) log(`${signal}: stopping`);
    stop(0);
  });
}
process.on('uncaughtException', (e) => fail(e));
process.on('unhandledRejection', (e) => fail(e));

function fail(e) {
  if (stopping) return; // a start interrupted by Ctrl-C fails in ways not worth reporting
  let message = e instanceof Error ? e.message : String(e);
  // Drizzle wraps driver errors ("Failed query: …"); the cause says what went wrong.
  for (let cause = e?.cause; cause; cause = cause.cause) message += `\n[dev]   caused by: ${cause.message ?? cause}`;
  console.error(`[dev] ${message}`);
  if (e instanceof TypeError || e instanceof ReferenceError) console.error(e.stack); // a bug here, not bad input
  stop(1);
}

function readSettings(env) {
  const port = env.PORT ? Number(env.PORT) : 8787;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`PORT must be a port number, not "${env.PORT}"`);
  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\/[^/]/.test(databaseUrl)) {
    throw new Error('DATABASE_URL must be a postgres:// or postgresql:// URL');
  }
  return { port, databaseUrl, pooler: env.DEV_POOLER || undefined, pgliteDir: path.resolve(root, env.PGLITE_DIR || '.data/pglite') };
}

async function main() {
  const { port, databaseUrl, pooler, pgliteDir } = readSettings(process.env);
  await assertPortFree(port);
  const ui = prepareUi();
  const { description, bindings } = await startDevDatabase({
    databaseUrl,
    pgliteDir,
    pooler,
    onStarted: (close) => cleanups.push(close),
  });
  if (stopping) return;
  log(`database: ${description}, migrations applied`);

  const wrangler = startWranglerDev({ root, port, bindings, testScheduled: true });
  cleanups.push(() => wrangler.stop());
  wrangler.child.once('error', fail);
  wrangler.exited.then(({ code, signal }) => {
    if (stopping) return;
    log(`wrangler stopped (${signal ?? `exit code ${code}`}); stopping the rest`);
    stop(code === 0 ? 0 : 1);
  });

  const api = `http://127.0.0.1:${port}/api`;
  if (!(await waitForHealth(`${api}/health`, { running: wrangler.running })) || stopping) return;
  startServiceTicks(port, cleanups);
  log(`prefect-edge is ready: ${api}  (Ctrl-C stops it)`);
  if (ui) log(`the UI: http://127.0.0.1:${port}/  (Prefect's React UI at /v2, its Vue UI at /runs, /flows, …)`);
  log('point Prefect at it with:');
  console.log(`export PREFECT_API_URL=${api}`);
}

/**
 * Prefect's UIs in ui-dist/ (scripts/ui-assets.mjs; downloaded once). Without them the API still runs:
 * a failure is reported, not fatal.
 */
function prepareUi() {
  try {
    return ensureUiAssets() !== 'disabled';
  } catch (e) {
    console.error(`[dev] !!! no UI: ${e.message}`);
    return false;
  }
}

/**
 * wrangler dev never fires cron triggers on its own: call its /__scheduled endpoint (the Worker's
 * scheduled() handler, which runs every background service) every SERVICES_TICK_SECONDS (default 5,
 * Prefect's late-runs loop), one call at a time. 0 turns it off.
 */
function startServiceTicks(port, cleanups) {
  const seconds = Number(process.env.SERVICES_TICK_SECONDS ?? 5);
  if (!(seconds > 0)) return log('background services: not ticking (SERVICES_TICK_SECONDS=0)');
  let busy = false;
  let failures = 0;
  const tick = async () => {
    if (busy || stopping) return;
    busy = true;
    try {
      const res = await fetch(`http://127.0.0.1:${port}/__scheduled?cron=*+*+*+*+*`);
      await res.text();
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      failures = 0;
    } catch (e) {
      if (failures++ === 0) log(`background services tick failed: ${e.message}`);
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(tick, seconds * 1000);
  cleanups.push(() => clearInterval(timer));
  log(`background services run every ${seconds} s (the cron trigger, through /__scheduled)`);
}

main().catch(fail);
