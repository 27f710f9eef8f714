// @ts-check
// Prefect's two web UIs, taken from the released Prefect wheel, as the Worker's static assets
// (`[assets]` in wrangler.toml serves the folder). Run by `npm run dev`, `npm run build`/`deploy` and
// the browser tests; `node scripts/ui-assets.mjs` on its own does the same.
//
//   ui-dist/            Prefect's Vue UI (prefect/server/ui), served at /      (Prefect: "v1")
//   ui-dist/v2/         Prefect's React UI (prefect/server/ui-v2), served at /v2 (Prefect: "v2", its default)
//   ui-dist/LICENSE-prefect.txt   the wheel's licence
//
// The wheel comes from pip (`pip download prefect==<version> --no-deps`, so pip's own index and
// settings apply) into ${XDG_CACHE_HOME:-~/.cache}/prefect-edge/wheels, once. The only change made to
// Prefect's files is the one Prefect's server makes when it serves them: the base-path placeholder
// becomes the UI's path ("" for /, "/v2" for /v2) in .html/.css/.js/.json/.txt files.
//
// PREFECT_SERVER_UI_ENABLED=false (Prefect's setting name) leaves ui-dist/ empty: no UI is deployed.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PREFECT_UI_VERSION = '3.9.1';
const root = fileURLToPath(new URL('..', import.meta.url));
export const uiDir = path.join(root, 'ui-dist');
const marker = path.join(uiDir, '.prefect-ui-version');
const PLACEHOLDER = '/PREFECT_UI_SERVE_BASE_REPLACE_PLACEHOLDER';
/** The file kinds Prefect's server rewrites (prefect/server/api/server.py). */
const REWRITTEN = ['.txt', '.html', '.css', '.js', '.json'];
/** Workers static assets limits: files per Worker version and bytes per file. */
const MAX_FILES = 20_000;
const MAX_FILE_BYTES = 25 * 1024 * 1024;

const log = (/** @type {string} */ msg) => console.log(`[ui-assets] ${msg}`);

export function uiEnabled(env = process.env) {
  const v = (env.PREFECT_SERVER_UI_ENABLED ?? env.PREFECT_UI_ENABLED ?? 'true').trim().toLowerCase();
  return !['false', '0', 'no', 'off'].includes(v);
}

/** True when ui-dist/ already holds both UIs of PREFECT_UI_VERSION. */
export function uiAssetsPresent() {
  try {
    return fs.readFileSync(marker, 'utf8').trim() === PREFECT_UI_VERSION;
  } catch {
    return false;
  }
}

/** Empties ui-dist/, keeping the committed .assetsignore (wrangler needs the folder to exist). */
function emptyUiDir() {
  fs.mkdirSync(uiDir, { recursive: true });
  for (const entry of fs.readdirSync(uiDir)) {
    if (entry !== '.assetsignore') fs.rmSync(path.join(uiDir, entry), { recursive: true, force: true });
  }
}

function cacheDir() {
  const cache = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(cache, 'prefect-edge', 'wheels');
}

/** The prefect wheel's path, downloaded by pip when it is not cached yet. */
function prefectWheel() {
  const dir = cacheDir();
  const find = () => fs.readdirSync(dir).find((f) => f.startsWith(`prefect-${PREFECT_UI_VERSION}-`) && f.endsWith('.whl'));
  fs.mkdirSync(dir, { recursive: true });
  let wheel = find();
  if (!wheel) {
    log(`downloading the prefect ${PREFECT_UI_VERSION} wheel with pip into ${dir}`);
    const python = process.env.UI_ASSETS_PYTHON || 'python3';
    try {
      execFileSync(python, ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '--no-input', '--disable-pip-version-check', '-d', dir, `prefect==${PREFECT_UI_VERSION}`], {
        stdio: ['ignore', 'inherit', 'inherit'],
        timeout: 10 * 60_000,
      });
    } catch (e) {
      throw new Error(
        `could not download prefect==${PREFECT_UI_VERSION} with \`${python} -m pip\` (${e instanceof Error ? e.message : e}). ` +
          'The UI needs python3 with pip and access to a Python package index; set PREFECT_SERVER_UI_ENABLED=false to build without the UI.',
      );
    }
    wheel = find();
    if (!wheel) throw new Error(`pip ran but no prefect-${PREFECT_UI_VERSION} wheel is in ${dir}`);
  }
  return path.join(dir, wheel);
}

/**
 * Unpacks the two UI folders and the licence from the wheel (a zip) with Python's zipfile, which
 * pip's machine has anyway: Node has no zip reader built in.
 */
function unpack(/** @type {string} */ wheel, /** @type {string} */ into) {
  const script = `
import sys, zipfile, os
wheel, out = sys.argv[1], sys.argv[2]
wanted = {"prefect/server/ui/": "v1", "prefect/server/ui-v2/": "v2"}
n = 0
with zipfile.ZipFile(wheel) as z:
    for info in z.infolist():
        if info.is_dir():
            continue
        name = info.filename
        for prefix, target in wanted.items():
            if name.startswith(prefix):
                dest = os.path.join(out, target, name[len(prefix):])
                break
        else:
            if ".dist-info/" in name and os.path.basename(name).upper().startswith("LICENSE"):
                dest = os.path.join(out, "LICENSE")
            else:
                continue
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with z.open(info) as src, open(dest, "wb") as dst:
            dst.write(src.read())
        n += 1
print(n)
`;
  const python = process.env.UI_ASSETS_PYTHON || 'python3';
  return Number(execFileSync(python, ['-c', script, wheel, into], { encoding: 'utf8' }).trim());
}

/** Every file below dir, as paths relative to it. */
function files(/** @type {string} */ dir) {
  return /** @type {string[]} */ (fs.readdirSync(dir, { recursive: true, encoding: 'utf8' })).filter((f) => fs.statSync(path.join(dir, f)).isFile());
}

/** Prefect's base-path replacement, as its server does it when it copies a bundle. */
function replaceBasePath(/** @type {string} */ dir, /** @type {string} */ base) {
  for (const f of files(dir)) {
    if (!REWRITTEN.some((ext) => f.endsWith(ext))) continue;
    const file = path.join(dir, f);
    const text = fs.readFileSync(file, 'utf8');
    if (text.includes(PLACEHOLDER)) fs.writeFileSync(file, text.split(PLACEHOLDER).join(base));
  }
}

/** Fails when the folder breaks a Workers static assets limit. */
function checkLimits(/** @type {string} */ dir) {
  const list = files(dir);
  if (list.length > MAX_FILES) throw new Error(`${list.length} asset files: Workers allow ${MAX_FILES}`);
  let total = 0;
  let largest = { f: '', size: 0 };
  for (const f of list) {
    const size = fs.statSync(path.join(dir, f)).size;
    total += size;
    if (size > largest.size) largest = { f, size };
    if (size > MAX_FILE_BYTES) throw new Error(`${f} is ${size} bytes: Workers allow ${MAX_FILE_BYTES} per asset`);
  }
  const mib = (/** @type {number} */ n) => (n / 1024 / 1024).toFixed(1);
  return `${list.length} files, ${mib(total)} MiB, largest ${largest.f} (${mib(largest.size)} MiB)`;
}

/** Makes ui-dist/ hold Prefect's UIs (or nothing when the UI is turned off). Returns what it did. */
export function ensureUiAssets({ force = false } = {}) {
  if (!uiEnabled()) {
    emptyUiDir();
    log('PREFECT_SERVER_UI_ENABLED=false: no UI (ui-dist/ is empty)');
    return 'disabled';
  }
  if (!force && uiAssetsPresent()) return 'cached';
  const wheel = prefectWheel();
  const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'prefect-edge-ui-'));
  try {
    const count = unpack(wheel, staging);
    for (const v of ['v1', 'v2']) {
      if (!fs.existsSync(path.join(staging, v, 'index.html'))) throw new Error(`${path.basename(wheel)} has no ${v} UI (index.html)`);
    }
    // Prefect's default layout (PREFECT_UI_SERVE_BASE "/"): v1 at /, v2 at /v2.
    replaceBasePath(path.join(staging, 'v1'), '');
    replaceBasePath(path.join(staging, 'v2'), '/v2');
    emptyUiDir();
    for (const entry of fs.readdirSync(path.join(staging, 'v1'))) fs.renameSync(path.join(staging, 'v1', entry), path.join(uiDir, entry));
    fs.renameSync(path.join(staging, 'v2'), path.join(uiDir, 'v2'));
    if (fs.existsSync(path.join(staging, 'LICENSE'))) fs.renameSync(path.join(staging, 'LICENSE'), path.join(uiDir, 'LICENSE-prefect.txt'));
    const summary = checkLimits(uiDir);
    fs.writeFileSync(marker, `${PREFECT_UI_VERSION}\n`);
    log(`Prefect ${PREFECT_UI_VERSION}'s UIs unpacked from ${path.basename(wheel)} (${count} files) into ui-dist/: ${summary}`);
    return 'unpacked';
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    ensureUiAssets({ force: process.argv.includes('--force') });
  } catch (e) {
    console.error(`[ui-assets] ${e instanceof Error ? e.message : e}`);
    process.exit(1);
  }
}
