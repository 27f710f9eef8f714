// `npm run dev`: the Worker under `wrangler dev` on 127.0.0.1, backed by a migrated database
// (embedded PGlite by default; see dev-database.mjs). Ctrl-C, SIGTERM and SIGHUP stop everything this
// script started; if wrangler dies, the rest is stopped too.
//
// Settings (environment): PORT (default 8787), DATABASE_URL (default: PGlite),
// PGLITE_DIR (default .data/pglite, relative to the project).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDevDatabase } from './dev-database.mjs';
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
  return { port, databaseUrl, pgliteDir: path.resolve(root, env.PGLITE_DIR || '.data/pglite') };
}

async function main() {
  const { port, databaseUrl, pgliteDir } = readSettings(process.env);
  await assertPortFree(port);
  const { description, bindings } = await startDevDatabase({
    databaseUrl,
    pgliteDir,
    onStarted: (close) => cleanups.push(close),
  });
  if (stopping) return;
  log(`database: ${description}, migrations applied`);

  const wrangler = startWranglerDev({ root, port, bindings });
  cleanups.push(() => wrangler.stop());
  wrangler.child.once('error', fail);
  wrangler.exited.then(({ code, signal }) => {
    if (stopping) return;
    log(`wrangler stopped (${signal ?? `exit code ${code}`}); stopping the rest`);
    stop(code === 0 ? 0 : 1);
  });

  const api = `http://127.0.0.1:${port}/api`;
  if (!(await waitForHealth(`${api}/health`, { running: wrangler.running })) || stopping) return;
  log(`prefect-edge is ready: ${api}  (Ctrl-C stops it)`);
  log('point Prefect at it with:');
  console.log(`export PREFECT_API_URL=${api}`);
}

main().catch(fail);
