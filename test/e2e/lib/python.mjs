// @ts-check
// The Prefect client the suite drives: a virtualenv with exactly PREFECT_VERSION, made once with
// `python3 -m venv` + pip in the user's cache folder and reused while it holds that version.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The one Prefect release the suite runs against. */
export const PREFECT_VERSION = '3.9.1';

/** Where the virtualenv lives: E2E_VENV, else ${XDG_CACHE_HOME:-~/.cache}/prefect-edge/prefect-<version>. */
export function venvDir() {
  if (process.env.E2E_VENV) return path.resolve(process.env.E2E_VENV);
  const cache = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(cache, 'prefect-edge', `prefect-${PREFECT_VERSION}`);
}

/**
 * Why this machine cannot make a virtualenv (null when it can): no python3, one older than Prefect
 * needs, or no venv/ensurepip (Debian ships those in python3-venv).
 */
export function pythonProblem() {
  const python = process.env.E2E_PYTHON || 'python3';
  const r = spawnSync(python, ['-c', 'import sys, venv, ensurepip; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8' });
  if (r.error) return `${python} was not found`;
  if (r.status !== 0) return `${python} cannot make virtualenvs (no venv/ensurepip: install python3-venv): ${r.stderr.trim().split('\n').pop()}`;
  const [major = 0, minor = 0] = r.stdout.trim().split('.').map(Number);
  if (major < 3 || (major === 3 && minor < 10)) return `${python} is ${r.stdout.trim()}; Prefect ${PREFECT_VERSION} needs 3.10 or newer`;
  return null;
}

/** The Prefect version installed in the virtualenv, or null. */
function installedVersion(/** @type {string} */ dir) {
  const python = path.join(dir, 'bin', 'python');
  if (!fs.existsSync(python) || !fs.existsSync(path.join(dir, '.prefect-edge-complete'))) return null;
  const r = spawnSync(python, ['-c', 'import importlib.metadata as m; print(m.version("prefect"))'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

/**
 * Returns the virtualenv's bin folder, installing Prefect first unless the cached one already has
 * PREFECT_VERSION. A half-made virtualenv (no completion mark) is made again from scratch.
 * @param {{ log: (msg: string) => void, logFile: string }} options
 */
export async function ensurePrefect({ log, logFile }) {
  const dir = venvDir();
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const unlock = await lockFile(`${dir}.lock`, log);
  try {
    return install(dir, { log, logFile });
  } finally {
    unlock();
  }
}

function install(/** @type {string} */ dir, /** @type {{ log: (msg: string) => void, logFile: string }} */ { log, logFile }) {
  if (installedVersion(dir) === PREFECT_VERSION) {
    log(`Prefect ${PREFECT_VERSION}: cached virtualenv ${dir}`);
    return path.join(dir, 'bin');
  }
  log(`Prefect ${PREFECT_VERSION}: installing into ${dir} (about a minute; pip's output in ${logFile})`);
  fs.rmSync(dir, { recursive: true, force: true });
  const out = fs.openSync(logFile, 'a');
  try {
    execFileSync(process.env.E2E_PYTHON || 'python3', ['-m', 'venv', dir], { stdio: ['ignore', out, out] });
    execFileSync(path.join(dir, 'bin', 'pip'), ['install', '--no-input', `prefect==${PREFECT_VERSION}`], {
      stdio: ['ignore', out, out],
      env: { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: '1' },
      timeout: 15 * 60_000,
    });
  } catch (e) {
    fs.closeSync(out);
    const pipLog = fs.readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-25).join('\n');
    throw new Error(`installing Prefect ${PREFECT_VERSION} failed: ${e instanceof Error ? e.message : e}\n${pipLog}`);
  }
  fs.closeSync(out);
  fs.writeFileSync(path.join(dir, '.prefect-edge-complete'), `${PREFECT_VERSION}\n`);
  const got = installedVersion(dir);
  if (got !== PREFECT_VERSION) throw new Error(`the virtualenv in ${dir} reports Prefect ${got}, not ${PREFECT_VERSION}`);
  return path.join(dir, 'bin');
}

/**
 * Takes an exclusive pid lock file, so that two suites starting at once do not install into one
 * folder together; waits (up to 15 minutes) while a live process holds it, takes over a stale one.
 * @returns {Promise<() => void>} the release
 */
export async function lockFile(/** @type {string} */ lockPath, /** @type {(msg: string) => void} */ log) {
  const deadline = Date.now() + 15 * 60_000;
  let told = false;
  for (;;) {
    try {
      fs.writeFileSync(lockPath, String(process.pid), { flag: 'wx' });
      return () => fs.rmSync(lockPath, { force: true });
    } catch (e) {
      if (/** @type {NodeJS.ErrnoException} */ (e).code !== 'EEXIST') throw e;
    }
    let holder = 0;
    try {
      holder = Number(fs.readFileSync(lockPath, 'utf8').trim() || 0);
    } catch {
      continue; // released meanwhile
    }
    let alive = false;
    try {
      if (holder) process.kill(holder, 0);
      alive = holder > 0;
    } catch (e) {
      alive = /** @type {NodeJS.ErrnoException} */ (e).code === 'EPERM';
    }
    if (!alive) {
      fs.rmSync(lockPath, { force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`${lockPath} is still held by process ${holder}`);
    if (!told) log(`waiting for process ${holder}, which is checking or installing the Prefect virtualenv (${lockPath})`);
    told = true;
    await new Promise((r) => setTimeout(r, 1000));
  }
}
