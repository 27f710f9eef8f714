// @ts-check
// Prefect's own server, the reference: the release pinned in prefect-requirements.txt (./.venv, or
// PREFECT_VENV; see scripts/prefect-venv.mjs), started with the API
// only (no background services, no UI, no analytics), on loopback, on its own database.
import fs from 'node:fs';
import path from 'node:path';
import { prefectBin } from '../../scripts/prefect-venv.mjs';
import { freePort, startChild, waitForHttp } from './processes.mjs';

export { ensurePrefect } from '../../scripts/prefect-venv.mjs';

/**
 * Starts `prefect server start` on a free loopback port. Its own migrations create its schema on start.
 * @param {{ databaseUrl: string, workDir: string }} options  databaseUrl: postgres://user:pw@host:port/db
 */
export async function startPrefect({ databaseUrl, workDir }) {
  const u = new URL(databaseUrl);
  const port = await freePort();
  const home = path.join(workDir, 'prefect-home');
  fs.mkdirSync(home, { recursive: true });
  /** @type {NodeJS.ProcessEnv} */
  const env = {
    PATH: process.env.PATH,
    HOME: home,
    // Nothing from the user's own Prefect profile or settings.
    PREFECT_HOME: home,
    PREFECT_SERVER_DATABASE_CONNECTION_URL: `postgresql+asyncpg://${u.username}:${u.password}@${u.host}${u.pathname}`,
    PREFECT_SERVER_ANALYTICS_ENABLED: 'false',
    PREFECT_SERVER_UI_ENABLED: 'false',
    PREFECT_SERVER_LOGGING_LEVEL: 'WARNING',
    DO_NOT_TRACK: '1',
    // Of the background services only the event persister and the triggers (which also run the
    // actions) run: without the persister Prefect stores no events (the event cases read them back), and
    // without the triggers no automation fires (compat/lib/automation-event-cases.mjs; ours evaluates
    // after writes). The others would change the dataset under the cases, as ours run with the
    // scheduler off.
    ...Object.fromEntries(
      ['cancellation_cleanup', 'cleanup_reconciler', 'event_logger', 'foreman', 'late_runs', 'pause_expirations', 'repossessor', 'scheduler', 'task_run_recorder']
        .map((s) => [`PREFECT_SERVER_SERVICES_${s.toUpperCase()}_ENABLED`, 'false']),
    ),
    PREFECT_SERVER_SERVICES_EVENT_PERSISTER_ENABLED: 'true',
    PREFECT_SERVER_SERVICES_EVENT_PERSISTER_FLUSH_INTERVAL: '0.5',
  };
  const child = startChild(prefectBin(), ['server', 'start', '--host', '127.0.0.1', '--port', String(port)], {
    env,
    cwd: workDir,
    logFile: path.join(workDir, 'prefect-server.log'),
  });
  const baseUrl = `http://127.0.0.1:${port}/api`;
  try {
    await waitForHttp(`${baseUrl}/health`, child);
  } catch (e) {
    await child.stop();
    throw e;
  }
  return { baseUrl, stop: child.stop };
}
