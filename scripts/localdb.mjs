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
 * `settings` adds or overrides server settings (`-c name=value`), e.g. for benchmarks.
 * @param {{ bin?: string | null, settings?: Record<string, string | number> }} [options]
 */
export async function startThrowawayCluster({ bin = findPostgresBin(), settings = {} } = {}) {
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
  const extra = Object.entries(settings).map(([k, v]) => ` -c ${k}=${v}`).join('');
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 -c timezone=UTC${extra}`;
  run(path.join(bin, 'pg_ctl'), ['-D', data, '-o', opts, '-l', path.join(dir, 'log'), '-w', 'start']);
  const url = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
  return {
    kind: 'postgresql',
    url,
    address: `127.0.0.1:${port}`,
    pipelineConnect: 'password',
    port,
    password,
    /** The server log (benchmarks parse auto_explain output from it). */
    logFile: path.join(dir, 'log'),
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

/** Embedded PGlite (Postgres compiled to WASM) behind a socket server, persisted in `dataDir` when given. */
export async function startPglite({ dataDir } = {}) {
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  if (dataDir) fs.mkdirSync(dataDir, { recursive: true });
  const db = await PGlite.create(dataDir ? { dataDir } : {});
  const port = await freePort();
  const server = new PGLiteSocketServer({ db, port, host: '127.0.0.1', maxConnections: 100 });
  await server.start();
  return {
    kind: 'pglite',
    url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    address: `127.0.0.1:${port}`,
    // PGlite has no authentication; the driver must wait for the server instead of pipelining a password.
    pipelineConnect: false,
    async close() {
      await server.stop();
      await db.close();
    },
  };
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
