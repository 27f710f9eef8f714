/**
 * One Neon Pool per request (a Worker must not share sockets across requests), wrapped by Drizzle.
 * Production (Neon) and local dev/tests (plain Postgres or PGlite behind scripts/wsproxy.mjs) run the
 * same code; only `WSPROXY` and `PG_PIPELINE_CONNECT` differ.
 */
import { Pool, neonConfig, type PoolClient } from '@neondatabase/serverless';
import { drizzle, type NeonDatabase } from 'drizzle-orm/neon-serverless';
import type { Logger } from 'drizzle-orm/logger';
import type { Env } from '../env';
import { ServiceUnavailable } from '../http/errors';
import { pipelineClient } from './pipeline';

/**
 * No schema is handed to Drizzle: nothing uses its relational queries (`db.query.*`), and with a schema
 * drizzle() walks every table's columns and relations on each call, i.e. on every request.
 */
export type Db = NeonDatabase;
/** What a transaction callback receives; queries accept either. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
export type DbOrTx = Db | Tx;

/** Counts the statements Drizzle sends, so tests can assert that a request's cost is constant. */
export class StatementCounter implements Logger {
  count = 0;
  /** Round trips to the server: fewer than statements when statements are pipelined (./pipeline.ts). */
  roundTrips = 0;
  /**
   * Statements that may have stored events (an `INSERT INTO event`, CTEs included): only those queue
   * work for automations, so only a request that sent one gets an automation pass after its response
   * (src/services/automations.ts). Every event insert of ours names the table so (status-events.ts,
   * queries/events.ts, the orchestration store); a bulk_delete or a PATCH that stores no event costs
   * no pass and no second connection.
   */
  eventWrites = 0;
  logQuery(query: string): void {
    this.count += 1;
    if (STORES_EVENTS.test(query)) this.eventWrites += 1;
  }
}

const STORES_EVENTS = /\binsert\s+into\s+"?event"?\s*\(/i;

export interface DbHandle {
  db: Db;
  counter: StatementCounter;
  /** The driver's pool under `db` (one connection); tests reach past Drizzle through it. */
  pool: Pool;
  /** Never rejects, and settles within CLOSE_TIMEOUT_MS: 'destroyed' when the sockets had to be dropped. */
  close: () => Promise<'ended' | 'destroyed'>;
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
  if (!neonConfig.webSocketConstructor && typeof WebSocket === 'function') neonConfig.webSocketConstructor = quietWebSocket();
  // 'password' saves a round trip on Neon (cleartext over TLS); PGlite and trust auth need false.
  neonConfig.pipelineConnect = env.PG_PIPELINE_CONNECT === 'false' ? false : 'password';
  const pool = new Pool({ connectionString: url, max: 1, ...sessionTimeouts(env) });
  // In workerd a server-side close fires a late 'error' after 'close'; without a listener that
  // becomes an uncaught exception that outlives the request.
  pool.on('error', () => {});
  const counter = new StatementCounter();
  pool.on('connect', (client: PoolClient) => {
    client.on('error', () => {});
    pipelineClient(client, counter);
  });
  const db = drizzle({ client: pool, logger: counter });
  return { db, counter, pool, close: () => closePool(pool) };
}

let quiet: typeof WebSocket | undefined;
/**
 * The runtime's WebSocket, except that a send after the server hung up is dropped. The driver flushes
 * coalesced writes on a timer, and a flush that lands after a killed backend's socket closed would
 * throw "Can't call WebSocket send() after close()" as an uncaught exception; the query it carried
 * fails anyway, through the socket's close event.
 */
function quietWebSocket(): typeof WebSocket {
  quiet ??= class QuietWebSocket extends WebSocket {
    override send(data: Parameters<WebSocket['send']>[0]): void {
      if (this.readyState === WebSocket.OPEN) super.send(data);
    }
  };
  return quiet;
}

/** How long a polite close (Terminate, then wait for the server to hang up) may take. */
export const CLOSE_TIMEOUT_MS = 1_000;

/** The driver's internals that closing a dead connection needs (pg's Client, Neon's Socket). */
interface DriverClient {
  connection?: { stream?: { ws?: unknown; destroy?: () => void } };
}
const clientsOf = (pool: Pool) => [...((pool as unknown as { _clients?: DriverClient[] })._clients ?? [])];

/**
 * Ends the pool, but never waits longer than CLOSE_TIMEOUT_MS, then destroys whatever socket is left.
 * `pool.end()` waits until every checked-out client is released, and one can be left checked out for
 * good: Drizzle's `transaction()` checks a client out and sends BEGIN before its try/finally, so when
 * BEGIN fails (the backend was killed just then) the client is never released. Awaited in
 * `waitUntil`, that wait made workerd cancel the request as hung.
 */
async function closePool(pool: Pool): Promise<'ended' | 'destroyed'> {
  const clients = clientsOf(pool);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = await Promise.race([
    pool.end().then(
      () => false,
      () => false,
    ),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), CLOSE_TIMEOUT_MS))),
  ]);
  clearTimeout(timer);
  if (!late) return 'ended';
  for (const client of [...clients, ...clientsOf(pool)]) {
    try {
      client.connection?.stream?.destroy?.();
    } catch {
      /* already gone */
    }
  }
  return 'destroyed';
}
