// @ts-check
// Prefect's own server under test: installed into ./.venv, or PREFECT_VENV (versions pinned in
// prefect-requirements.txt, shared with `npm run compat`; see scripts/prefect-venv.mjs), its schema
// created by its own migrations, started with the API only (no background services, no UI, no
// analytics) on the same Postgres cluster as ours.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from './edge-worker.mjs';
import { startChild, waitForHttp } from './processes.mjs';
import { ensurePrefect, prefectBin } from '../../scripts/prefect-venv.mjs';

export { pinnedPrefectVersion } from '../../scripts/prefect-venv.mjs';

/** Installs the pinned Prefect into ./.venv unless it is there (or checks PREFECT_VENV); pip's output: logDir/pip.log. */
export function ensurePrefectInstalled(/** @type {(msg: string) => void} */ log, /** @type {string} */ logDir) {
  return ensurePrefect(log, { pipLog: path.join(logDir, 'pip.log') });
}

/**
 * Prefect's settings for the run: its own home directory, the bench database, nothing that reaches
 * the network (analytics and UI off), and its default logging level.
 * @param {{ databaseUrl: string, logDir: string }} options
 */
function prefectEnv({ databaseUrl, logDir }) {
  const u = new URL(databaseUrl);
  return {
    ...process.env,
    PREFECT_HOME: path.join(logDir, 'prefect-home'),
    PREFECT_SERVER_DATABASE_CONNECTION_URL: `postgresql+asyncpg://${u.username}:${u.password}@${u.host}${u.pathname}`,
    PREFECT_SERVER_ANALYTICS_ENABLED: 'false',
    PREFECT_SERVER_UI_ENABLED: 'false',
    PREFECT_SERVER_LOGGING_LEVEL: 'WARNING',
    DO_NOT_TRACK: '1',
  };
}

/** Creates Prefect's schema in `databaseUrl` with Prefect's own migrations. */
export function migratePrefect(/** @type {{ databaseUrl: string, logDir: string }} */ options) {
  execFileSync(prefectBin(), ['server', 'database', 'upgrade', '--yes'], {
    env: prefectEnv(options),
    stdio: ['ignore', fs.openSync(path.join(options.logDir, 'prefect-migrate.log'), 'a'), 'inherit'],
  });
}

/**
 * @param {{ databaseUrl: string, logDir: string }} options
 * @returns {Promise<{ baseUrl: string, stop: () => Promise<void> }>}
 */
export async function startPrefectServer(options) {
  const port = await freePort();
  const child = startChild(prefectBin(), ['server', 'start', '--host', '127.0.0.1', '--port', String(port), '--no-services'], {
    logFile: path.join(options.logDir, 'prefect-server.log'),
    // Migrations already ran (migratePrefect) before the data was seeded.
    env: { ...prefectEnv(options), PREFECT_SERVER_DATABASE_MIGRATE_ON_START: 'false' },
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${baseUrl}/api/health`, child);
  } catch (e) {
    await child.stop();
    throw e;
  }
  return { baseUrl, stop: child.stop };
}
