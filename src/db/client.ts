/**
 * One Neon Pool per request (a Worker must not share sockets across requests), wrapped by Drizzle.
 * Production (Neon) and local dev/tests (plain Postgres or PGlite behind scripts/wsproxy.mjs) run the
 * same code; only `WSPROXY` and `PG_PIPELINE_CONNECT` differ.
 */
import { Pool, neonConfig, type PoolClient } from '@neondatabase/serverless';
import { drizzle, type NeonDatabase } from 'drizzle-orm/neon-serverless';
import type { Logger } from 'drizzle-orm/logger';
import * as schema from './schema';
import type { Env } from '../env';
import { ServiceUnavailable } from '../http/errors';

export type Db = NeonDatabase<typeof schema>;
/** What a transaction callback receives; queries accept either. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
export type DbOrTx = Db | Tx;

/** Counts the statements Drizzle sends, so tests can assert that a request's cost is constant. */
export class StatementCounter implements Logger {
  count = 0;
  logQuery(): void {
    this.count += 1;
  }
}

export interface DbHandle {
  db: Db;
  counter: StatementCounter;
  close: () => Promise<void>;
}

export const DEFAULT_STATEMENT_TIMEOUT_MS = 10_000;
/** How much longer than the server's own timeout the driver waits before giving up on a statement. */
const CLIENT_TIMEOUT_MARGIN_MS = 2_000;

/**
 * Time limits for every connection, so no request holds a connection (and its locks) indefinitely.
 * statement_timeout and idle_in_transaction_session_timeout travel as startup parameters (no extra
 * round trip). Neon's proxy does not forward them today (set them on the role there, see the README),
 * so the driver also stops waiting on its own a little later: `query_timeout` is client-side.
 */
export function sessionTimeouts(env: Env) {
  const raw = env.STATEMENT_TIMEOUT_MS?.trim();
  const n = raw ? Number(raw) : DEFAULT_STATEMENT_TIMEOUT_MS;
  const ms = Number.isInteger(n) && n >= 0 ? n : DEFAULT_STATEMENT_TIMEOUT_MS;
  if (ms === 0) return {};
  return { statement_timeout: ms, idle_in_transaction_session_timeout: ms, query_timeout: ms + CLIENT_TIMEOUT_MARGIN_MS };
}

export function createDb(env: Env): DbHandle {
  const url = env.DATABASE_URL;
  if (!url) throw new ServiceUnavailable('DATABASE_URL is not configured');
  // neonConfig is global to the isolate; setting it per request from env is harmless.
  if (env.WSPROXY) {
    const proxy = env.WSPROXY.replace(/\/$/, '');
    neonConfig.wsProxy = (host, port) => `${proxy.replace(/^wss?:\/\//, '')}/v1?address=${host}:${port}`;
    neonConfig.useSecureWebSocket = proxy.startsWith('wss://');
    neonConfig.pipelineTLS = false;
  }
  // 'password' saves a round trip on Neon (cleartext over TLS); PGlite and trust auth need false.
  neonConfig.pipelineConnect = env.PG_PIPELINE_CONNECT === 'false' ? false : 'password';
  const pool = new Pool({ connectionString: url, max: 1, ...sessionTimeouts(env) });
  // In workerd a server-side close fires a late 'error' after 'close'; without a listener that
  // becomes an uncaught exception that outlives the request.
  pool.on('error', () => {});
  pool.on('connect', (client: PoolClient) => client.on('error', () => {}));
  const counter = new StatementCounter();
  const db = drizzle({ client: pool, schema, logger: counter });
  return { db, counter, close: () => pool.end().catch(() => {}) };
}
