// @ts-check
// The reference Prefect that `npm run compat` and `npm run bench:prefect` run: its versions are pinned
// once, in prefect-requirements.txt. By default it is installed into ./.venv (once; a venv with other
// versions is upgraded). PREFECT_VENV=/path/to/venv uses an existing virtualenv instead, which must
// already hold exactly the pinned versions: nothing is installed into it.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = new URL('../', import.meta.url).pathname;
export const REQUIREMENTS = path.join(ROOT, 'prefect-requirements.txt');

/** The virtualenv in use: PREFECT_VENV when set, else ./.venv. */
export function venvDir() {
  return process.env.PREFECT_VENV ? path.resolve(process.env.PREFECT_VENV) : path.join(ROOT, '.venv');
}

/** The `prefect` executable of the virtualenv in use. */
export const prefectBin = () => path.join(venvDir(), 'bin/prefect');

/** @returns {Record<string, string>} package → pinned version */
export function pins() {
  /** @type {Record<string, string>} */
  const out = {};
  for (const m of fs.readFileSync(REQUIREMENTS, 'utf8').matchAll(/^([A-Za-z0-9_.-]+)==(\S+)/gm)) out[m[1] ?? ''] = m[2] ?? '';
  if (!out.prefect) throw new Error(`${REQUIREMENTS} pins no prefect version`);
  return out;
}

/** The pinned Prefect version. */
export const pinnedPrefectVersion = () => /** @type {string} */ (pins().prefect);

/** The installed versions of `names`, space-separated, or null when the venv is missing or lacks one. */
function installedVersions(/** @type {string} */ venv, /** @type {string[]} */ names) {
  try {
    const code = `import importlib.metadata as m; print(" ".join(m.version(n) for n in ${JSON.stringify(names)}))`;
    return execFileSync(path.join(venv, 'bin/python'), ['-c', code], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

/**
 * Makes sure the virtualenv in use holds the pinned versions; installs them into ./.venv if not.
 * @param {(msg: string) => void} log
 * @param {{ pipLog?: string }} [options] pipLog: a file for pip's output (default: inherit stderr)
 * @returns {string} the Prefect version
 */
export function ensurePrefect(log, options = {}) {
  const want = pins();
  const names = Object.keys(want);
  const wanted = names.map((n) => want[n]).join(' ');
  const venv = venvDir();
  const where = path.relative(ROOT, venv) || venv;
  const have = installedVersions(venv, names);
  if (have === wanted) {
    log(`Prefect ${want.prefect} found in ${where}`);
    return /** @type {string} */ (want.prefect);
  }
  if (process.env.PREFECT_VENV) {
    throw new Error(`PREFECT_VENV=${venv} holds ${names.join(' ')} ${have ?? '(none)'}; ${REQUIREMENTS} pins ${wanted}`);
  }
  log(`installing Prefect ${want.prefect} into ${where} (pip, a minute or two${options.pipLog ? `; output in ${path.relative(ROOT, options.pipLog)}` : ''})`);
  const out = options.pipLog ? fs.openSync(options.pipLog, 'a') : 'ignore';
  try {
    if (!fs.existsSync(path.join(venv, 'bin/python'))) execFileSync('python3', ['-m', 'venv', venv], { stdio: ['ignore', out, out === 'ignore' ? 'inherit' : out] });
    execFileSync(path.join(venv, 'bin/pip'), ['install', '--quiet', '-r', REQUIREMENTS], { stdio: ['ignore', out, out === 'ignore' ? 'inherit' : out] });
  } catch (e) {
    if (options.pipLog) console.error(fs.readFileSync(options.pipLog, 'utf8').split('\n').slice(-30).join('\n'));
    throw e;
  } finally {
    if (typeof out === 'number') fs.closeSync(out);
  }
  return /** @type {string} */ (want.prefect);
}
