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
  };
  const child = startChild(prefectBin(), ['server', 'start', '--host', '127.0.0.1', '--port', String(port), '--no-services'], {
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
