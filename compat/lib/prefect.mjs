// @ts-check
// Prefect's own server, the reference: the pinned release installed into ./.venv, started with the API
// only (no background services, no UI, no analytics), on loopback, on its own database.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort, startChild, waitForHttp } from './processes.mjs';

const ROOT = new URL('../../', import.meta.url).pathname;
const VENV = path.join(ROOT, '.venv');
const REQUIREMENTS = path.join(ROOT, 'compat/prefect-requirements.txt');

/** @returns {Record<string, string>} package → pinned version, from the requirements file */
function pins() {
  /** @type {Record<string, string>} */
  const out = {};
  for (const m of fs.readFileSync(REQUIREMENTS, 'utf8').matchAll(/^([A-Za-z0-9_.-]+)==(\S+)/gm)) out[m[1] ?? ''] = m[2] ?? '';
  if (!out.prefect) throw new Error(`${REQUIREMENTS} pins no prefect version`);
  return out;
}

/** The installed versions of the pinned packages, or null when there is no usable venv. */
function installedVersions(/** @type {string[]} */ names) {
  try {
    const code = `import importlib.metadata as m; print(" ".join(m.version(n) for n in ${JSON.stringify(names)}))`;
    return execFileSync(path.join(VENV, 'bin/python'), ['-c', code], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

/**
 * Creates ./.venv and installs the pinned Prefect, unless a venv with exactly those versions exists.
 * @returns {string} the Prefect version
 */
export function ensurePrefect(/** @type {(msg: string) => void} */ log) {
  const want = pins();
  const names = Object.keys(want);
  if (installedVersions(names) === names.map((n) => want[n]).join(' ')) {
    log(`Prefect ${want.prefect} found in .venv`);
    return /** @type {string} */ (want.prefect);
  }
  log(`installing Prefect ${want.prefect} into .venv (pip, a minute or two)`);
  if (!fs.existsSync(path.join(VENV, 'bin/python'))) execFileSync('python3', ['-m', 'venv', VENV], { stdio: 'inherit' });
  execFileSync(path.join(VENV, 'bin/pip'), ['install', '--quiet', '-r', REQUIREMENTS], { stdio: ['ignore', 'ignore', 'inherit'] });
  return /** @type {string} */ (want.prefect);
}

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
  const child = startChild(path.join(VENV, 'bin/prefect'), ['server', 'start', '--host', '127.0.0.1', '--port', String(port), '--no-services'], {
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
