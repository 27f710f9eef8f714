// @ts-check
// The Prefect client the suite drives: a virtualenv with exactly PREFECT_VERSION, made once with
// `python3 -m venv` + pip in the user's cache folder and reused while it holds that version. The fuzz
// runner's Schemathesis is kept the same way (ensureVenv).
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The one Prefect release the suite runs against. */
export const PREFECT_VERSION = '3.9.1';

/** ${XDG_CACHE_HOME:-~/.cache}/prefect-edge/<name>: where the suites keep their virtualenvs. */
export function cachedVenvDir(/** @type {string} */ name) {
  const cache = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(cache, 'prefect-edge', name);
}

/** Where Prefect's virtualenv lives: E2E_VENV, else ${XDG_CACHE_HOME:-~/.cache}/prefect-edge/prefect-<version>. */
export function venvDir() {
  if (process.env.E2E_VENV) return path.resolve(process.env.E2E_VENV);
  return cachedVenvDir(`prefect-${PREFECT_VERSION}`);
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

/** The version of `pkg` installed in the virtualenv, or null (also when its install never completed). */
function installedVersion(/** @type {string} */ dir, /** @type {string} */ pkg) {
  const python = path.join(dir, 'bin', 'python');
  if (!fs.existsSync(python) || !fs.existsSync(path.join(dir, '.prefect-edge-complete'))) return null;
  const r = spawnSync(python, ['-c', `import importlib.metadata as m; print(m.version(${JSON.stringify(pkg)}))`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

/**
 * @typedef {object} VenvOptions
 * @property {string} dir the virtualenv's folder
 * @property {string} pkg the one package pip installs (with its dependencies)
 * @property {string} version its exact version
 * @property {(msg: string) => void} log
 * @property {string} logFile where pip's output goes
 */

/**
 * Returns the bin folder of the virtualenv in `dir`, installing `pkg==version` first unless the cached
 * one already has that version. A half-made virtualenv (no completion mark) is made again from scratch.
 * Under the lock `${dir}.lock`, so that two suites starting at once do not install into it together.
 * @param {VenvOptions} options
 */
export async function ensureVenv(options) {
  fs.mkdirSync(path.dirname(options.dir), { recursive: true });
  const unlock = await lockFile(`${options.dir}.lock`, options.log);
  try {
    return install(options);
  } finally {
    unlock();
  }
}

/** The Prefect client's virtualenv (see venvDir); returns its bin folder. */
export const ensurePrefect = (/** @type {{ log: (msg: string) => void, logFile: string }} */ { log, logFile }) =>
  ensureVenv({ dir: venvDir(), pkg: 'prefect', version: PREFECT_VERSION, log, logFile });

function install(/** @type {VenvOptions} */ { dir, pkg, version, log, logFile }) {
  if (installedVersion(dir, pkg) === version) {
    log(`${pkg} ${version}: cached virtualenv ${dir}`);
    return path.join(dir, 'bin');
  }
  log(`${pkg} ${version}: installing into ${dir} (a minute or so; pip's output in ${logFile})`);
  fs.rmSync(dir, { recursive: true, force: true });
  const out = fs.openSync(logFile, 'a');
  try {
    execFileSync(process.env.E2E_PYTHON || 'python3', ['-m', 'venv', dir], { stdio: ['ignore', out, out] });
    execFileSync(path.join(dir, 'bin', 'pip'), ['install', '--no-input', `${pkg}==${version}`], {
      stdio: ['ignore', out, out],
      env: { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: '1' },
      timeout: 15 * 60_000,
    });
  } catch (e) {
    fs.closeSync(out);
    const pipLog = fs.readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-25).join('\n');
    throw new Error(`installing ${pkg} ${version} failed: ${e instanceof Error ? e.message : e}\n${pipLog}`);
  }
  fs.closeSync(out);
  fs.writeFileSync(path.join(dir, '.prefect-edge-complete'), `${version}\n`);
  const got = installedVersion(dir, pkg);
  if (got !== version) throw new Error(`the virtualenv in ${dir} reports ${pkg} ${got}, not ${version}`);
  return path.join(dir, 'bin');
}

/**
 * Takes an exclusive pid lock file; waits (up to 15 minutes) while a live process holds it, takes over a stale one.
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
