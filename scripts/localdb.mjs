// Local databases for dev and tests: a throwaway PostgreSQL cluster, or embedded PGlite.
// Both are reached by the app through scripts/wsproxy.mjs and the Neon driver, like Neon in production.
import { spawnSync, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';

const freePort = () =>
  new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });

/** The bin directory of a local PostgreSQL install (Debian layout, or initdb on PATH), or null. */
export function findPostgresBin() {
  const roots = ['/usr/lib/postgresql'];
  for (const root of roots) {
    if (!fs.existsSync(root)) continue;
    const versions = fs.readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
    for (const v of versions) {
      const bin = path.join(root, v, 'bin');
      if (fs.existsSync(path.join(bin, 'initdb')) && fs.existsSync(path.join(bin, 'pg_ctl'))) return bin;
    }
  }
  const r = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' });
  if (r.status === 0 && r.stdout.trim()) return path.dirname(fs.realpathSync(r.stdout.trim()));
  return null;
}

/**
 * Creates and starts a throwaway PostgreSQL cluster (fsync off, loopback only, password auth) in a
 * temporary directory. As root, initdb refuses to run, so the cluster runs as the `postgres` user.
 */
export async function startThrowawayCluster({ bin = findPostgresBin() } = {}) {
  if (!bin) throw new Error('no PostgreSQL installation found (initdb)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prefect-edge-pg-'));
  const data = path.join(dir, 'data');
  const pwfile = path.join(dir, 'pw');
  const password = 'prefect-edge';
  fs.writeFileSync(pwfile, password);
  const asRoot = process.getuid?.() === 0;
  const run = (cmd, args) => {
    const full = asRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
    execFileSync(full[0], full[1], { stdio: ['ignore', 'pipe', 'pipe'] });
  };
  if (asRoot) {
    fs.chmodSync(dir, 0o755);
    execFileSync('chown', ['-R', 'postgres', dir]);
  }
  // Password (cleartext) auth on loopback keeps connection setup fast for the driver; SCRAM in Node
  // costs ~200 ms a connection. The Neon production path uses its own auth.
  run(path.join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--pwfile', pwfile, '--auth-host=password', '--auth-local=trust', '-E', 'UTF8', '--locale=C']);
  const port = await freePort();
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 -c timezone=UTC`;
  run(path.join(bin, 'pg_ctl'), ['-D', data, '-o', opts, '-l', path.join(dir, 'log'), '-w', 'start']);
  const url = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
  return {
    kind: 'postgresql',
    url,
    address: `127.0.0.1:${port}`,
    pipelineConnect: 'password',
    async close() {
      try {
        run(path.join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } catch {
        /* already stopped */
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Embedded PGlite (Postgres compiled to WASM) behind a socket server, persisted in `dataDir` when given.
 * A persisted directory is locked to this process (two PGlite instances on one directory corrupt it),
 * and a new one is initialised beside it and renamed into place, so an interrupted first start
 * never leaves a half-made database behind.
 */
export async function startPglite({ dataDir } = {}) {
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  let unlock = () => {};
  if (dataDir) {
    dataDir = path.resolve(dataDir);
    fs.mkdirSync(path.dirname(dataDir), { recursive: true });
    unlock = lockDir(`${dataDir}.lock`);
    try {
      if (!fs.existsSync(dataDir)) await initPgliteDir(PGlite, dataDir);
    } catch (e) {
      unlock();
      throw e;
    }
  }
  let db;
  let server;
  try {
    db = await PGlite.create(dataDir ? { dataDir } : {});
    // PGlite has one backend: the socket server queues every connection's queries (whole transactions
    // at a time). Each Worker request opens its own connection and the proxy closes it on Terminate,
    // so 100 is far above what is ever open at once; past the limit the server answers garbage.
    server = new PGLiteSocketServer({ db, port: 0, host: '127.0.0.1', maxConnections: 100 });
    await server.start();
  } catch (e) {
    await db?.close().catch(() => {});
    unlock();
    throw e;
  }
  const address = server.getServerConn(); // 127.0.0.1:<the port the OS chose>
  return {
    kind: 'pglite',
    url: `postgres://postgres:postgres@${address}/postgres`,
    address,
    // PGlite has no authentication; the driver must wait for the server instead of pipelining a password.
    pipelineConnect: false,
    async close() {
      try {
        await server.stop();
        await db.close();
      } finally {
        unlock();
      }
    },
  };
}

async function initPgliteDir(PGlite, dataDir) {
  const staging = `${dataDir}.initialising`;
  fs.rmSync(staging, { recursive: true, force: true });
  const db = await PGlite.create({ dataDir: staging });
  await db.close();
  fs.renameSync(staging, dataDir);
}

/** Takes an exclusive pid lock file (a stale one, whose process is gone, is taken over). Returns the release. */
function lockDir(lockPath) {
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      fs.writeFileSync(lockPath, String(process.pid), { flag: 'wx' });
      return () => {
        try {
          if (fs.readFileSync(lockPath, 'utf8') === String(process.pid)) fs.unlinkSync(lockPath);
        } catch {
          /* already gone */
        }
      };
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      let holder = 0;
      try {
        holder = Number(fs.readFileSync(lockPath, 'utf8'));
      } catch {
        /* released meanwhile */
      }
      if (holder && holder !== process.pid && isAlive(holder)) {
        throw new Error(`${lockPath.replace(/\.lock$/, '')} is in use by process ${holder} (another \`npm run dev\`?)`);
      }
      fs.rmSync(lockPath, { force: true });
    }
  }
  throw new Error(`could not lock ${lockPath}`);
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

/** Whether a postgres:// URL points at this machine (reached through the local proxy, not Neon's endpoint). */
export function isLocalUrl(url) {
  return /^(localhost|127\.|\[::1\]$)/.test(new URL(url).hostname);
}

/** host:port of a postgres:// URL, for the proxy's allow-list. */
export function addressOf(url) {
  const u = new URL(url);
  return `${u.hostname}:${u.port || 5432}`;
}

/**
 * Applies the committed migrations in ./drizzle through the Neon driver (the same path as production).
 * @param {{ url: string, wsproxy?: string, pipelineConnect?: 'password' | false }} options
 */
export async function migrate({ url, wsproxy, pipelineConnect = 'password' }) {
  const { Pool, neonConfig } = await import('@neondatabase/serverless');
  const { drizzle } = await import('drizzle-orm/neon-serverless');
  const { migrate: runMigrations } = await import('drizzle-orm/neon-serverless/migrator');
  const { createRequire } = await import('node:module');
  const ws = createRequire(import.meta.url)('ws');
  neonConfig.webSocketConstructor = ws;
  if (wsproxy) {
    neonConfig.wsProxy = (host, port) => `${wsproxy.replace(/^wss?:\/\//, '')}/v1?address=${host}:${port}`;
    neonConfig.useSecureWebSocket = false;
    neonConfig.pipelineTLS = false;
  }
  neonConfig.pipelineConnect = pipelineConnect;
  neonConfig.coalesceWrites = false;
  const pool = new Pool({ connectionString: url, max: 1 });
  pool.on('error', () => {});
  try {
    await runMigrations(drizzle({ client: pool }), {
      migrationsFolder: new URL('../drizzle', import.meta.url).pathname,
    });
  } finally {
    await pool.end().catch(() => {});
  }
}
