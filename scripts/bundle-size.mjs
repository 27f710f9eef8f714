// @ts-check
// `npm run size`: builds the Worker as `npm run build` does (wrangler's esbuild, --minify) and fails when
// the gzipped Worker is over the budget below. Issue 17's goal is 150 KiB gzip; BUDGET_GZIP_KIB is what
// we reach today, rounded up a little, so that growth is a decision and not an accident.
//
// Method (deterministic: same sources and lock, same numbers):
// - `wrangler deploy --dry-run --outdir <tmp> --minify --metafile <tmp>/meta.json` into a temporary
//   folder (UI assets are not part of the Worker script and are not built).
// - Total: the emitted index.js without its trailing `//# sourceMappingURL` line, its byte length
//   ("minified") and `zlib.gzipSync` at the default level 6 ("gzip"): the same figure wrangler prints as
//   "Total Upload: … / gzip: …".
// - Per input: esbuild's metafile gives each input's bytes in the output (`bytesInOutput`, minified).
//   For gzip, the source map attributes every output byte to its input file (bytes no input owns: the
//   esbuild runtime, legal comments, are "(unattributed)"); a group's gzip cost is the marginal one:
//   gzip(whole) − gzip(whole without that group's bytes), i.e. what dropping it would save. Marginal
//   costs do not add up to the total (shared strings compress together); "alone" is the group's bytes
//   gzipped on their own, for comparison.
// - Startup (--startup N, not part of the check: it takes seconds per run and is noisy on a shared
//   machine): `wrangler check startup --args=--minify` N times, the "Active" CPU time of each run of the
//   Worker's module evaluation in local workerd; min and median.
//
// Usage: node scripts/bundle-size.mjs [--report] [--files N] [--json FILE] [--budget KIB] [--startup N]
//   --report   print the per-package table (and the N largest files with --files N)
//   --json     also write the measurements to FILE
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

/** The budget in KiB of gzip (the goal is 150; see the README, "Bundle size"). */
export const BUDGET_GZIP_KIB = 278;
const GOAL_GZIP_KIB = 150;

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const flag = (/** @type {string} */ name) => args.includes(name);
const option = (/** @type {string} */ name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const budget = Number(option('--budget') ?? BUDGET_GZIP_KIB);
const KiB = 1024;
const kib = (/** @type {number} */ n) => (n / KiB).toFixed(1);
const gzip = (/** @type {Buffer} */ b) => zlib.gzipSync(b).length;

function build() {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'prefect-edge-size-'));
  const wrangler = path.join(root, 'node_modules', '.bin', 'wrangler');
  try {
    execFileSync(wrangler, ['deploy', '--dry-run', '--outdir', out, '--minify', '--metafile', path.join(out, 'meta.json')], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
      // node_modules/.bin first, as under `npm run`: wrangler then runs on the pinned Node (the `node` package).
      env: { ...process.env, PATH: `${path.dirname(wrangler)}${path.delimiter}${process.env.PATH}`, WRANGLER_SEND_METRICS: 'false' },
    });
  } catch (e) {
    fs.rmSync(out, { recursive: true, force: true });
    throw e;
  }
  return out;
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const BASE64_VALUE = new Map([...BASE64].map((ch, i) => [ch, i]));

/**
 * For each output line, the segments [generated column, source index] of a source map v3 (only the
 * first two fields matter here: which input wrote the bytes from this column on).
 * @param {string} mappings
 */
function decodeMappings(mappings) {
  /** @type {Array<Array<[number, number]>>} */
  const lines = [];
  let source = 0;
  for (const line of mappings.split(';')) {
    /** @type {Array<[number, number]>} */
    const segments = [];
    let column = 0;
    for (const segment of line.split(',')) {
      if (!segment) continue;
      /** @type {number[]} */
      const fields = [];
      let value = 0;
      let shift = 0;
      for (const ch of segment) {
        const digit = /** @type {number} */ (BASE64_VALUE.get(ch));
        value += (digit & 31) << shift;
        if (digit & 32) shift += 5;
        else {
          fields.push(value & 1 ? -(value >>> 1) : value >>> 1);
          value = 0;
          shift = 0;
        }
      }
      column += /** @type {number} */ (fields[0]);
      if (fields.length >= 4) {
        source += /** @type {number} */ (fields[1]);
        segments.push([column, source]);
      } else segments.push([column, -1]);
    }
    lines.push(segments);
  }
  return lines;
}

/** The package (node_modules/<name>) or our folder (src/<dir>) an input path belongs to. */
function groupOf(/** @type {string} */ input) {
  const p = input.replace(/\\/g, '/');
  const pkg = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(p);
  if (pkg?.[1]) return pkg[1];
  const ours = /(?:^|\/)src\/(.*)$/.exec(p);
  if (ours) {
    const rest = /** @type {string} */ (ours[1]);
    if (rest.endsWith('.json')) return `src/${rest}`;
    return rest.includes('/') ? `src/${rest.slice(0, rest.indexOf('/'))}/` : 'src/*.ts';
  }
  return p;
}

/**
 * The group of each source map source. Packages that ship their own source maps can point outside
 * themselves (drizzle-orm's say `../src/pg-core/dialect.ts`, which resolves to `node_modules/src/…`):
 * such a source is matched to the metafile input whose path ends like it (`…/pg-core/dialect.js`).
 * @param {string[]} sources paths relative to the project root
 * @param {string[]} inputs the metafile's inputs
 */
function groupsOfSources(sources, inputs) {
  const stem = (/** @type {string} */ p) => p.replace(/\\/g, '/').replace(/\.[cm]?[jt]sx?$/, '');
  const stems = inputs.map((i) => [stem(i), groupOf(i)]);
  return sources.map((source) => {
    if (fs.existsSync(path.join(root, source))) return groupOf(source);
    const parts = stem(source).split('/');
    for (let k = 2; k <= parts.length; k++) {
      const tail = `/${parts.slice(-k).join('/')}`;
      const found = new Set(stems.filter(([s]) => s?.endsWith(tail)).map(([, g]) => g));
      if (found.size === 1) return /** @type {string} */ ([...found][0]);
      if (found.size === 0) break;
    }
    return groupOf(source);
  });
}

export function measure(dir = build()) {
  const js = fs.readFileSync(path.join(dir, 'index.js'), 'utf8');
  const map = JSON.parse(fs.readFileSync(path.join(dir, 'index.js.map'), 'utf8'));
  const meta = JSON.parse(fs.readFileSync(path.join(dir, 'meta.json'), 'utf8'));
  const code = js.replace(/\n\/\/# sourceMappingURL=\S+\n?$/, '\n');
  const whole = Buffer.from(code);
  const total = { minified: whole.length, gzip: gzip(whole) };

  // Minified bytes per input from esbuild's metafile (the authoritative per-input figure).
  const output = /** @type {{ inputs: Record<string, { bytesInOutput: number }> }} */ (
    Object.entries(meta.outputs).find(([name]) => name.endsWith('index.js'))?.[1]
  );
  /** @type {Map<string, { minified: number, inputs: number }>} */
  const groups = new Map();
  const inputs = Object.entries(output.inputs).map(([input, { bytesInOutput }]) => {
    const name = path.relative(root, path.resolve(root, input));
    const g = groupOf(name);
    const entry = groups.get(g) ?? { minified: 0, inputs: 0 };
    entry.minified += bytesInOutput;
    entry.inputs += 1;
    groups.set(g, entry);
    return { name, group: g, minified: bytesInOutput };
  });
  inputs.sort((a, b) => b.minified - a.minified);

  // Which group wrote each output byte, from the source map (columns are UTF-16 units: slice strings).
  const UNATTRIBUTED = '(unattributed)';
  const sources = /** @type {string[]} */ (map.sources).map((s) => path.relative(root, path.resolve(dir, s)));
  const sourceGroup = groupsOfSources(sources, inputs.map((i) => i.name));
  const lines = code.split('\n');
  const mappings = decodeMappings(map.mappings);
  /** @type {Array<{ group: string, text: string }>} */
  const spans = [];
  lines.forEach((line, i) => {
    const segments = mappings[i] ?? [];
    const first = segments[0]?.[0] ?? line.length;
    if (first > 0) spans.push({ group: UNATTRIBUTED, text: line.slice(0, first) });
    segments.forEach(([column, source], j) => {
      const text = line.slice(column, segments[j + 1]?.[0] ?? line.length);
      spans.push({ group: source >= 0 ? /** @type {string} */ (sourceGroup[source]) : UNATTRIBUTED, text });
    });
    if (i < lines.length - 1) spans.push({ group: UNATTRIBUTED, text: '\n' });
  });
  if (!groups.has(UNATTRIBUTED)) groups.set(UNATTRIBUTED, { minified: 0, inputs: 0 });

  /** Marginal and standalone gzip of the spans whose group `pick` selects. */
  const cost = (/** @type {(group: string) => boolean} */ pick) => {
    /** @type {string[]} */
    const mine = [];
    /** @type {string[]} */
    const others = [];
    for (const span of spans) (pick(span.group) ? mine : others).push(span.text);
    const text = Buffer.from(mine.join(''));
    return {
      bytes: text.length,
      gzipMarginal: text.length ? total.gzip - gzip(Buffer.from(others.join(''))) : 0,
      gzipAlone: text.length ? gzip(text) : 0,
    };
  };
  const rows = [...groups].map(([name, { minified, inputs: count }]) => {
    const { bytes, gzipMarginal, gzipAlone } = cost((g) => g === name);
    return { name, inputs: count, minified: name === UNATTRIBUTED ? bytes : minified, gzipMarginal, gzipAlone };
  });
  rows.sort((a, b) => b.gzipMarginal - a.gzipMarginal || b.minified - a.minified);
  // Our code and the dependencies as two wholes (marginal costs of parts overlap; these do less).
  const ours = (/** @type {string} */ g) => g.startsWith('src/');
  const sum = (/** @type {(g: string) => boolean} */ pick) => rows.filter((r) => pick(r.name)).reduce((a, r) => a + r.minified, 0);
  const split = [
    { name: 'all of src/ (our code)', minified: sum(ours), ...cost(ours) },
    { name: 'all of node_modules/', minified: sum((g) => !ours(g) && g !== UNATTRIBUTED), ...cost((g) => !ours(g) && g !== UNATTRIBUTED) },
  ].map(({ bytes: _bytes, ...r }) => r);
  return { total, rows, split, inputs };
}

/** `wrangler check startup` n times: the Active CPU milliseconds of each run. */
function startupRuns(/** @type {number} */ n) {
  const wrangler = path.join(root, 'node_modules', '.bin', 'wrangler');
  const profile = path.join(os.tmpdir(), `prefect-edge-startup-${process.pid}.cpuprofile`);
  /** @type {number[]} */
  const runs = [];
  for (let i = 0; i < n; i++) {
    const out = execFileSync(wrangler, ['check', 'startup', '--args=--minify', '--outfile', profile], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, PATH: `${path.dirname(wrangler)}${path.delimiter}${process.env.PATH}`, WRANGLER_SEND_METRICS: 'false' },
    });
    const active = /Active: ([\d.]+) ms/.exec(out);
    if (!active) throw new Error(`no "Active:" line in wrangler check startup's output:\n${out}`);
    runs.push(Number(active[1]));
  }
  fs.rmSync(profile, { force: true });
  return runs;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const started = Date.now();
  const dir = build();
  try {
    const result = measure(dir);
    const { total } = result;
    if (flag('--report')) {
      console.log(`${'input (package or src folder)'.padEnd(40)} ${'minified'.padStart(9)} ${'gzip'.padStart(7)} ${'alone'.padStart(7)}  (KiB)`);
      for (const r of result.rows) {
        if (r.minified < 256) continue;
        console.log(`${r.name.padEnd(40)} ${kib(r.minified).padStart(9)} ${kib(r.gzipMarginal).padStart(7)} ${kib(r.gzipAlone).padStart(7)}`);
      }
      for (const r of result.split) {
        console.log(`${r.name.padEnd(40)} ${kib(r.minified).padStart(9)} ${kib(r.gzipMarginal).padStart(7)} ${kib(r.gzipAlone).padStart(7)}`);
      }
      const n = Number(option('--files') ?? 0);
      if (n) {
        console.log(`\nlargest ${n} files (minified KiB):`);
        for (const f of result.inputs.slice(0, n)) console.log(`${kib(f.minified).padStart(8)}  ${f.name}`);
      }
      console.log('');
    }
    const startups = Number(option('--startup') ?? 0);
    if (startups) {
      const runs = startupRuns(startups).sort((a, b) => a - b);
      const median = /** @type {number} */ (runs[Math.floor((runs.length - 1) / 2)]);
      console.log(`startup (wrangler check startup, Active CPU, ${startups} runs): min ${runs[0]} ms, median ${median} ms [${runs.join(', ')}]`);
      Object.assign(result, { startupMs: runs });
    }
    const jsonOut = option('--json');
    if (jsonOut) fs.writeFileSync(jsonOut, JSON.stringify(result, null, 2) + '\n');
    const line = `Worker bundle: ${kib(total.minified)} KiB minified, ${kib(total.gzip)} KiB gzip (budget ${budget} KiB, goal ${GOAL_GZIP_KIB} KiB; measured in ${((Date.now() - started) / 1000).toFixed(1)} s)`;
    if (total.gzip > budget * KiB) {
      console.error(`${line}\nOVER BUDGET by ${kib(total.gzip - budget * KiB)} KiB gzip: run \`npm run size -- --report --files 20\` to see what grew.`);
      process.exitCode = 1;
    } else console.log(line);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
