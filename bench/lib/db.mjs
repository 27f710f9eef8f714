// @ts-check
// The benchmark's PostgreSQL: one throwaway cluster (scripts/localdb.mjs) with settings for a
// multi-gigabyte dataset, one database per server under test, and SQL clients for the runner.
import path from 'node:path';
import { createRequire } from 'node:module';
import { Client, neonConfig } from '@neondatabase/serverless';
import { startThrowawayCluster } from '../../scripts/localdb.mjs';
import { startPgBouncer } from '../../scripts/pgbouncer.mjs';
import { onInterrupt } from './cleanup.mjs';
import { isPoolerStatement } from './floor.mjs';
import { firstLine, startChild } from './processes.mjs';

/**
 * Server settings for the benchmark cluster. Both servers under test share them, so none favours
 * either; they only make a 4 GB dataset load quickly and stay in memory.
 * - auto_explain is preloaded but off; the plan check switches it on for our database only (plans.mjs).
 * - pg_stat_statements counts the statements each server sends, the same way for both.
 * - jit off: Postgres's JIT compiles expressions per query on big tables, adding tens of ms of noise.
 */
export const BENCH_PG_SETTINGS = {
  shared_buffers: '2GB',
  effective_cache_size: '8GB',
  maintenance_work_mem: '1GB',
  max_wal_size: '16GB',
  checkpoint_timeout: '1h',
  wal_level: 'minimal',
  max_wal_senders: 0,
  random_page_cost: 1.1,
  jit: 'off',
  shared_preload_libraries: 'auto_explain,pg_stat_statements',
  log_line_prefix: "'%m [%p] db=%d '",
};

/**
 * @typedef {{
 *   address: string, password: string, port: number, logFile: string, wsproxy: string,
 *   urlFor: (database: string) => string, close: () => Promise<void>,
 *   pooledUrlFor: ((database: string) => string) | null,
 * }} BenchCluster
 * pooledUrlFor: the same database through PgBouncer in transaction mode (BENCH_POOLER=pgbouncer), else null.
 */

/** @returns {Promise<BenchCluster>} */
export async function startBenchCluster(/** @type {string} */ logDir, /** @type {'none' | 'pgbouncer'} */ pooler = 'none') {
  const cluster = await startThrowawayCluster({ settings: BENCH_PG_SETTINGS });
  const forgetCluster = onInterrupt(() => cluster.close());
  /** @type {Awaited<ReturnType<typeof startPgBouncer>> | null} */
  let bouncer = null;
  if (pooler === 'pgbouncer') {
    try {
      // Timeouts as the Worker's default (the driver's startup parameters cannot pass a pooler).
      // A cleartext password, as Neon's pooled endpoint asks for: the Worker pipelines it (pipelineConnect 'password').
      bouncer = await startPgBouncer({ upstreamUrl: cluster.url, logFile: path.join(logDir, 'pgbouncer.log'), clientPassword: 'bench-pooled' });
    } catch (e) {
      await cluster.close();
      throw e;
    }
  }
  const forgetBouncer = bouncer ? onInterrupt(() => /** @type {NonNullable<typeof bouncer>} */ (bouncer).close()) : () => {};
  const allow = bouncer ? [cluster.address, bouncer.address] : [cluster.address];
  const proxy = startChild(process.execPath, [new URL('./proxy-process.mjs', import.meta.url).pathname, ...allow], {
    logFile: path.join(logDir, 'wsproxy.log'),
    pipeStdout: true,
  });
  let wsproxy;
  try {
    wsproxy = JSON.parse(await firstLine(proxy)).url;
  } catch (e) {
    await proxy.stop();
    await bouncer?.close();
    await cluster.close();
    throw e;
  }
  const base = new URL(cluster.url);
  try {
    const admin = await sqlClient(cluster.url, wsproxy);
    await admin.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    await admin.end();
  } catch (e) {
    await proxy.stop();
    await cluster.close();
    throw e;
  }
  return {
    address: cluster.address,
    password: cluster.password,
    port: cluster.port,
    logFile: cluster.logFile,
    wsproxy,
    urlFor: (database) => {
      const u = new URL(base);
      u.pathname = `/${database}`;
      return u.toString();
    },
    pooledUrlFor: bouncer ? bouncer.urlFor : null,
    async close() {
      forgetCluster();
      forgetBouncer();
      await proxy.stop();
      await bouncer?.close();
      await cluster.close();
    },
  };
}

/** A single connection (Neon's pg-compatible Client) through the proxy, for seeding and checks. */
export async function sqlClient(/** @type {string} */ url, /** @type {string} */ wsproxy) {
  neonConfig.webSocketConstructor = createRequire(import.meta.url)('ws');
  neonConfig.wsProxy = (host, port) => `${wsproxy.replace(/^ws:\/\//, '')}/v1?address=${host}:${port}`;
  neonConfig.useSecureWebSocket = false;
  neonConfig.pipelineTLS = false;
  neonConfig.pipelineConnect = 'password';
  neonConfig.coalesceWrites = false;
  const client = new Client({ connectionString: url });
  client.on('error', () => {});
  await client.connect();
  return client;
}

/** @typedef {Awaited<ReturnType<typeof sqlClient>>} Sql */

/**
 * Statement counting for one database through pg_stat_statements (installed in `postgres`, where
 * the runner's own queries go, so they are not counted).
 * @param {Sql} admin a connection to the `postgres` database
 * @param {string} database
 */
export function statementCounter(admin, database) {
  return {
    async reset() {
      await admin.query('SELECT pg_stat_statements_reset()');
    },
    /** Statements executed in `database` since the last reset (top level, BEGIN/COMMIT included). */
    async count() {
      const { rows } = await admin.query(
        `SELECT query, calls::int AS calls FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = $1)`,
        [database],
      );
      // Without PgBouncer's own SETs on a new server connection: they are the pooler's, not the request's.
      return /** @type {{ query: string, calls: number }[]} */ (rows).reduce((n, r) => (isPoolerStatement(r.query) ? n : n + r.calls), 0);
    },
  };
}

/** @typedef {ReturnType<typeof statementCounter>} StatementCounter */

export async function createDatabase(/** @type {BenchCluster} */ cluster, /** @type {string} */ name) {
  const admin = await sqlClient(cluster.urlFor('postgres'), cluster.wsproxy);
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return cluster.urlFor(name);
}

/**
 * Ends every backend of `database` except `keepPid`'s and waits until they are gone: PgBouncer sees
 * its idle server connections close and opens new ones, which start with the database's current
 * settings (ALTER DATABASE … SET applies to new backends only).
 * @param {Sql} admin a connection to the `postgres` database
 * @param {string} database
 * @param {number} keepPid
 */
export async function closeOtherBackends(admin, database, keepPid) {
  const others = `FROM pg_stat_activity WHERE datname = $1 AND pid <> $2 AND pid <> pg_backend_pid()`;
  await admin.query(`SELECT pg_terminate_backend(pid) ${others}`, [database, keepPid]);
  for (let i = 0; i < 100; i += 1) {
    const { rows } = await admin.query(`SELECT count(*)::int AS n ${others}`, [database, keepPid]);
    if (rows[0].n === 0) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  // PgBouncer notices a closed idle server connection on its next poll; give it one.
  await new Promise((r) => setTimeout(r, 500));
}
