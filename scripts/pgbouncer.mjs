// PgBouncer in transaction mode in front of a local PostgreSQL: the production-like path, since
// production on Neon goes through Neon's pooled endpoint (PgBouncer, transaction mode). Used by
// `DEV_POOLER=pgbouncer npm run dev`, `BENCH_POOLER=pgbouncer npm run bench` and `npm run test:pooled`.
// Debian: `apt-get install pgbouncer`. Local dev, tests and benchmarks only.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** The pgbouncer binary (PATH, or Debian's /usr/sbin), or null. */
export function findPgBouncer() {
  for (const candidate of ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer']) if (fs.existsSync(candidate)) return candidate;
  const r = spawnSync('sh', ['-c', 'command -v pgbouncer'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : null;
}

const freePort = () =>
  new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });

/**
 * Starts PgBouncer (pool_mode=transaction) on 127.0.0.1 in front of `upstreamUrl`'s server; every
 * database name is forwarded to the database of the same name there, with the upstream credentials.
 * Clients connect without a password (auth_type=trust, loopback only), so the driver must not pipeline
 * one: use pipelineConnect false. With `clientPassword`, clients must send that password in clear text
 * (auth_type=plain, as Neon's proxy asks for it), so the driver can pipeline it with the startup
 * message (pipelineConnect 'password', one round trip less per connection, as in production).
 * The driver's per-connection timeouts (startup parameters) cannot pass
 * a pooler; PgBouncer sets them on each server connection instead (connect_query), as a role setting
 * would on Neon.
 * @param {{ upstreamUrl: string, statementTimeoutMs?: number, poolSize?: number, logFile?: string, clientPassword?: string }} options
 * @returns {Promise<{ address: string, port: number, urlFor: (database: string) => string, close: () => Promise<void> }>}
 */
export async function startPgBouncer({ upstreamUrl, statementTimeoutMs = 10_000, poolSize = 20, logFile, clientPassword }) {
  const bin = findPgBouncer();
  if (!bin) throw new Error('pgbouncer is not installed (Debian: apt-get install pgbouncer)');
  const up = new URL(upstreamUrl);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prefect-edge-pgbouncer-'));
  const port = await freePort();
  const user = decodeURIComponent(up.username || 'postgres');
  const password = decodeURIComponent(up.password);
  const connectQuery = statementTimeoutMs
    ? ` connect_query='SET statement_timeout = ${statementTimeoutMs}; SET idle_in_transaction_session_timeout = ${statementTimeoutMs}'`
    : '';
  const ini = [
    '[databases]',
    `* = host=${up.hostname} port=${up.port || 5432} user=${user}${password ? ` password=${password}` : ''}${connectQuery}`,
    '[pgbouncer]',
    'listen_addr = 127.0.0.1',
    `listen_port = ${port}`,
    `unix_socket_dir = ${dir}`,
    `auth_type = ${clientPassword ? 'plain' : 'trust'}`,
    `auth_file = ${path.join(dir, 'users.txt')}`,
    'pool_mode = transaction',
    `default_pool_size = ${poolSize}`,
    'max_client_conn = 1000',
    // The Neon driver sends these as startup parameters; a pooler cannot apply them per client.
    'ignore_startup_parameters = statement_timeout,idle_in_transaction_session_timeout,extra_float_digits,options',
    `logfile = ${logFile ?? path.join(dir, 'pgbouncer.log')}`,
    `pidfile = ${path.join(dir, 'pgbouncer.pid')}`,
    'server_reset_query =',
    'log_connections = 0',
    'log_disconnections = 0',
    '',
  ].join('\n');
  fs.writeFileSync(path.join(dir, 'pgbouncer.ini'), ini);
  fs.writeFileSync(path.join(dir, 'users.txt'), `"${user}" "${clientPassword ?? ''}"\n`);
  // PgBouncer refuses to run as root: run it as the postgres user, as the throwaway cluster.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    fs.chmodSync(dir, 0o755);
    spawnSync('chown', ['-R', 'postgres', dir]);
    if (logFile) spawnSync('sh', ['-c', `touch "${logFile}" && chown postgres "${logFile}"`]);
  }
  const [cmd, args] = asRoot ? ['runuser', ['-u', 'postgres', '--', bin, path.join(dir, 'pgbouncer.ini')]] : [bin, [path.join(dir, 'pgbouncer.ini')]];
  const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid, 'SIGINT'); // immediate shutdown
      } catch {
        /* gone */
      }
      await Promise.race([exited, sleep(3000)]);
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const onExit = () => {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  };
  process.once('exit', onExit);
  for (let i = 0; ; i += 1) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`pgbouncer exited at start: ${stderr.trim() || `code ${child.exitCode}`}`);
    }
    const up = await new Promise((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => (s.destroy(), resolve(true)));
      s.on('error', () => resolve(false));
    });
    if (up) break;
    if (i > 100) {
      await stop();
      throw new Error('pgbouncer did not start listening within 10 s');
    }
    await sleep(100);
  }
  const address = `127.0.0.1:${port}`;
  return {
    address,
    port,
    urlFor: (database) =>
      `postgres://${encodeURIComponent(user)}${clientPassword ? `:${encodeURIComponent(clientPassword)}` : ''}@${address}/${database}`,
    async close() {
      process.off('exit', onExit);
      await stop();
    },
  };
}
