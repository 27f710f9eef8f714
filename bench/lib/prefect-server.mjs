// @ts-check
// Prefect's own server under test: installed from PyPI into ./.venv (versions pinned in
// bench/prefect-requirements.txt), its schema created by its own migrations, started with the API
// only (no background services, no UI, no analytics) on the same Postgres cluster as ours.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from './edge-worker.mjs';
import { startChild, waitForHttp } from './processes.mjs';

const ROOT = new URL('../../', import.meta.url).pathname;
const VENV = path.join(ROOT, '.venv');
const REQUIREMENTS = path.join(ROOT, 'bench/prefect-requirements.txt');
const PREFECT = path.join(VENV, 'bin/prefect');

/** The Prefect version the requirements file pins. */
export function pinnedPrefectVersion() {
  const m = /^prefect==(\S+)/m.exec(fs.readFileSync(REQUIREMENTS, 'utf8'));
  if (!m?.[1]) throw new Error('bench/prefect-requirements.txt pins no prefect version');
  return m[1];
}

/** Creates ./.venv and installs the pinned Prefect unless it is already there (pip's output: logDir/pip.log). */
export function ensurePrefectInstalled(/** @type {(msg: string) => void} */ log, /** @type {string} */ logDir) {
  const want = pinnedPrefectVersion();
  const installed = (() => {
    try {
      return execFileSync(path.join(VENV, 'bin/python'), ['-c', 'import importlib.metadata as m; print(m.version("prefect"), m.version("fastapi"))'], {
        encoding: 'utf8',
      }).trim();
    } catch {
      return null;
    }
  })();
  const wantFastapi = /^fastapi==(\S+)/m.exec(fs.readFileSync(REQUIREMENTS, 'utf8'))?.[1];
  if (installed === `${want} ${wantFastapi}`) {
    log(`Prefect ${want} already installed in .venv`);
    return want;
  }
  const logFile = path.join(logDir, 'pip.log');
  log(`installing Prefect ${want} into .venv (pip, about a minute; output in ${path.relative(ROOT, logFile)})`);
  const out = fs.openSync(logFile, 'a');
  try {
    if (!fs.existsSync(path.join(VENV, 'bin/python'))) execFileSync('python3', ['-m', 'venv', VENV], { stdio: ['ignore', out, out] });
    execFileSync(path.join(VENV, 'bin/pip'), ['install', '-r', REQUIREMENTS], { stdio: ['ignore', out, out] });
  } catch (e) {
    console.error(fs.readFileSync(logFile, 'utf8').split('\n').slice(-30).join('\n'));
    throw e;
  } finally {
    fs.closeSync(out);
  }
  return want;
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
  execFileSync(PREFECT, ['server', 'database', 'upgrade', '--yes'], {
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
  const child = startChild(PREFECT, ['server', 'start', '--host', '127.0.0.1', '--port', String(port), '--no-services'], {
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
