// `npm run lock:fix` (or `--check`): keeps package-lock.json acceptable to `npm ci`.
//
// The registry this project installs from lacks some platform builds (workerd's macOS and Windows
// binaries). `npm install` then writes a lock without them, and `npm ci` rejects that lock as out of
// sync ("Missing: @cloudflare/workerd-darwin-64@ from lock file"). This adds the missing optional
// dependencies as lock entries with the os/cpu their names declare, so npm skips them on other
// platforms without fetching anything. Run it after every `npm install`; it changes nothing when the
// lock is complete.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

const lockPath = fileURLToPath(new URL('../package-lock.json', import.meta.url));
const lock = JSON.parse(fs.readFileSync(lockPath, 'utf8'));
const packages = lock.packages;
const original = { ...packages };

/** Where Node would find `name` from the package at `from` (walking up node_modules folders). */
function resolve(from, name) {
  for (let base = from; ; ) {
    const candidate = `${base ? `${base}/` : ''}node_modules/${name}`;
    if (original[candidate]) return candidate;
    if (!base) return null;
    const i = base.lastIndexOf('/node_modules/');
    base = i >= 0 ? base.slice(0, i) : '';
  }
}

function isExact(spec) {
  return /^\d+\.\d+\.\d+(-[\w.]+)?$/.test(spec);
}

function platformOf(name) {
  const os = /darwin|macos/.test(name) ? 'darwin' : /win32|windows/.test(name) ? 'win32' : /linux/.test(name) ? 'linux' : null;
  const cpu = /arm64|aarch64/.test(name) ? 'arm64' : /ia32/.test(name) ? 'ia32' : /x64|-64$/.test(name) ? 'x64' : null;
  return { ...(os && { os: [os] }), ...(cpu && { cpu: [cpu] }) };
}

const added = [];
for (const [from, pkg] of Object.entries(packages)) {
  const optional = Object.entries(pkg.optionalDependencies ?? {});
  const present = optional.map(([name]) => resolve(from, name)).find(Boolean);
  for (const [name, spec] of optional) {
    const found = resolve(from, name);
    if (found && (!isExact(spec) || original[found].version === spec)) continue;
    // Beside a sibling that is in the lock (same hoisting), else inside the depending package.
    const dir = present ? present.slice(0, present.lastIndexOf('node_modules/')) : `${from ? `${from}/` : ''}`;
    const version = isExact(spec) ? spec : present && original[present].version;
    if (!version) {
      console.warn(`lock-platforms: cannot tell a version for ${name} (${spec}) under ${from}; left out`);
      continue;
    }
    const key = `${dir}node_modules/${name}`;
    packages[key] = { version, ...platformOf(name), ...(pkg.dev && { dev: true }), optional: true };
    added.push(key);
  }
}

if (process.argv.includes('--check')) {
  if (added.length) {
    console.error(`package-lock.json lacks ${added.length} optional platform packages (npm ci will refuse it):`);
    for (const key of added) console.error(`  ${key}`);
    console.error('run `npm run lock:fix`');
    process.exit(1);
  }
} else if (added.length) {
  // npm keeps the root entry first and the rest sorted.
  const [rootKey, ...rest] = Object.keys(packages);
  lock.packages = Object.fromEntries([rootKey, ...rest.sort((a, b) => a.localeCompare(b, 'en'))].map((k) => [k, packages[k]]));
  fs.writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
  console.log(`lock-platforms: added ${added.join(', ')}`);
}
