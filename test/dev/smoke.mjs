// `npm run test:dev`: starts scripts/dev.mjs for real (PGlite, wrangler, workerd) and checks that it
// serves the API, shuts everything down on SIGINT/SIGTERM and on a wrangler crash, reuses its data
// directory, and refuses a second instance on the same directory or a taken port.
// With PostgreSQL installed it also runs against a throwaway cluster (or SMOKE_DATABASE_URL, a local
// database) as DATABASE_URL.
// Plain Node on purpose: it drives processes, which workerd tests cannot.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { findPostgresBin, startThrowawayCluster } from '../../scripts/localdb.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const devScript = path.join(root, 'scripts', 'dev.mjs');
const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'prefect-edge-dev-smoke-'));

const freePort = () =>
  new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });

/** Starts dev.mjs in its own process group (as a terminal would run it) and collects its output. */
function startDev(env) {
  const child = spawn(process.execPath, [devScript], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, exited, output: () => output };
}

async function waitFor(predicate, what, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await predicate()) return;
    await sleep(200);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * Starts dev.mjs and waits until it serves. Without env.PORT it picks a free port itself, and if another
 * process takes that port (or one dev.mjs picked) before it is bound, it tries again on a new one: that
 * race is the test's, not dev.mjs's. A PORT the caller chose is never retried.
 */
async function startReady(env) {
  const chosenHere = env.PORT === undefined;
  for (let attempt = 1; ; attempt += 1) {
    const port = chosenHere ? String(await freePort()) : env.PORT;
    const dev = startDev({ ...env, PORT: port });
    let ended = false;
    dev.exited.then(() => (ended = true));
    const line = `export PREFECT_API_URL=http://127.0.0.1:${port}/api`;
    await waitFor(() => ended || dev.output().includes(line), 'the PREFECT_API_URL line', 180_000);
    if (ended && chosenHere && attempt < 4 && /port \d+ is in use|EADDRINUSE|Address already in use/i.test(dev.output())) {
      console.log(`  (port ${port} was taken before dev.mjs bound it; retrying on another)`);
      continue;
    }
    assert.ok(!ended, `dev.mjs exited early:\n${dev.output()}`);
    return Object.assign(dev, { port });
  }
}

/** Every live (non-zombie) process below pid. */
function descendants(pid) {
  const children = new Map();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ppid = Number(fields[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(entry));
    } catch {
      /* exited meanwhile */
    }
  }
  const found = [];
  const walk = (p) => {
    for (const c of children.get(p) ?? []) {
      found.push(c);
      walk(c);
    }
  };
  walk(pid);
  return found;
}

function cmdline(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

function alive(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

async function getJson(url, init) {
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** Serves the API, then `signal` stops dev.mjs with exit code 0 and nothing left running. */
async function runAndStop({ env, signal }) {
  const dev = await startReady(env);
  const api = `http://127.0.0.1:${dev.port}/api`;
  assert.deepEqual(await getJson(`${api}/health`), { status: 200, body: true });
  assert.deepEqual(await getJson(`http://127.0.0.1:${dev.port}/health`), { status: 200, body: true });
  const filter = await getJson(`${api}/flows/filter`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  assert.ok(filter.status < 500, `POST /flows/filter answered ${filter.status}: ${JSON.stringify(filter.body)}`);
  const started = descendants(dev.child.pid);
  assert.ok(started.some((p) => cmdline(p).includes('workerd')), 'workerd should be running');
  process.kill(dev.child.pid, signal);
  const { code } = await Promise.race([dev.exited, sleep(30_000, { code: 'timeout' })]);
  assert.equal(code, 0, `exit code after ${signal}:\n${dev.output()}`);
  await assertAllGone(started, dev.port);
  return dev;
}

async function assertAllGone(pids, port) {
  await waitFor(() => pids.every((p) => !alive(p)), 'the started processes to end', 10_000).catch(() => {
    throw new Error(`left running: ${pids.filter(alive).map((p) => `${p} ${cmdline(p)}`).join('; ')}`);
  });
  const free = await new Promise((resolve) => {
    const srv = net.createServer().once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
  assert.ok(free, `port ${port} is still taken`);
}

async function countFlows(dataDir) {
  const { PGlite } = await import('@electric-sql/pglite');
  const db = await PGlite.create({ dataDir });
  try {
    const migrations = (await db.query('select count(*)::int as n from drizzle.__drizzle_migrations')).rows[0].n;
    const flows = (await db.query(`select count(*)::int as n from flow where name = 'dev-smoke'`)).rows[0].n;
    return { migrations, flows };
  } finally {
    await db.close();
  }
}

const pgliteDir = path.join(workDir, 'pglite');
const cases = [
  [
    'PGlite: serves /api/health, /health and POST /api/flows/filter; SIGINT stops everything',
    async () => {
      await runAndStop({ env: { PGLITE_DIR: pgliteDir }, signal: 'SIGINT' });
      assert.ok(!fs.existsSync(`${pgliteDir}.lock`), 'the data directory lock is released');
    },
  ],
  [
    'a second start reuses the persisted PGlite directory; SIGTERM stops everything',
    async () => {
      const { PGlite } = await import('@electric-sql/pglite');
      const db = await PGlite.create({ dataDir: pgliteDir });
      await db.query(`insert into flow (name) values ('dev-smoke')`);
      await db.close();
      const before = await countFlows(pgliteDir);
      await runAndStop({ env: { PGLITE_DIR: pgliteDir }, signal: 'SIGTERM' });
      const after = await countFlows(pgliteDir);
      assert.equal(after.flows, 1, 'the row written before the restart is still there');
      assert.equal(after.migrations, before.migrations, 'migrations are not applied twice');
    },
  ],
  [
    'a crash of wrangler stops the rest (workerd included) with a non-zero exit',
    async () => {
      const dev = await startReady({ PGLITE_DIR: pgliteDir });
      const port = dev.port;
      const started = descendants(dev.child.pid);
      const cli = started.find((p) => cmdline(p).includes('wrangler-dist/cli.js'));
      assert.ok(cli, 'the wrangler process is found');
      process.kill(cli, 'SIGKILL');
      const { code } = await Promise.race([dev.exited, sleep(30_000, { code: 'timeout' })]);
      assert.equal(code, 1, dev.output());
      assert.match(dev.output(), /wrangler stopped/);
      await assertAllGone(started, port);
      assert.ok(!fs.existsSync(`${pgliteDir}.lock`), 'the data directory lock is released');
    },
  ],
  [
    'refuses a second instance on the same data directory, and a taken port',
    async () => {
      const first = await startReady({ PGLITE_DIR: pgliteDir });
      const port = first.port;
      try {
        const second = startDev({ PORT: String(await freePort()), PGLITE_DIR: pgliteDir });
        assert.equal((await second.exited).code, 1);
        assert.match(second.output(), /is in use by process \d+/);
        const samePort = startDev({ PORT: port, PGLITE_DIR: path.join(workDir, 'unused') });
        assert.equal((await samePort.exited).code, 1);
        assert.match(samePort.output(), new RegExp(`port ${port} is in use`));
        assert.deepEqual(await getJson(`http://127.0.0.1:${port}/api/health`), { status: 200, body: true });
      } finally {
        process.kill(first.child.pid, 'SIGINT');
        await first.exited;
      }
    },
  ],
];
if (process.env.SMOKE_DATABASE_URL || findPostgresBin()) {
  cases.push([
    'local DATABASE_URL: migrated and served through the proxy; SIGINT stops everything',
    async () => {
      const cluster = process.env.SMOKE_DATABASE_URL ? null : await startThrowawayCluster();
      try {
        const url = process.env.SMOKE_DATABASE_URL ?? cluster.url;
        const dev = await runAndStop({ env: { DATABASE_URL: url }, signal: 'SIGINT' });
        assert.match(dev.output(), /database: PostgreSQL at \S+ \(DATABASE_URL\), migrations applied/);
      } finally {
        await cluster?.close();
      }
    },
  ]);
}

let passed = 0;
let failed = 0;
for (const [name, run] of cases) {
  const t = Date.now();
  try {
    await run();
    passed += 1;
    console.log(`  ✓ ${name} (${((Date.now() - t) / 1000).toFixed(1)} s)`);
  } catch (e) {
    failed += 1;
    console.log(`  ✗ ${name}\n${e.stack ?? e}`);
  }
}
fs.rmSync(workDir, { recursive: true, force: true });
console.log(`dev-smoke: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
