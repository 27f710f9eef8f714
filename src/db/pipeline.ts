/**
 * Fewer database round trips per transaction, by pipelining on the connection Drizzle uses.
 *
 * Drizzle's `transaction()` awaits `BEGIN`, then each statement, then `COMMIT`: one round trip each.
 * The driver (pg's Client inside @neondatabase/serverless) waits for ReadyForQuery before it sends
 * the next query, so nothing overlaps by itself. This wraps a connection's `query` so that:
 *
 * - `BEGIN` is held back and sent together with the transaction's first statement;
 * - a statement marked with `deferred()` (a write whose result nobody reads) is held back too and
 *   sent with the next statement, or just before `COMMIT`;
 * - `COMMIT` of a transaction that sent nothing sends nothing; `ROLLBACK` before anything was sent
 *   sends nothing either.
 *
 * Held-back statements go out in order, as Parse/Bind/Describe/Execute messages behind ONE Sync: the
 * server runs them in order, and at the first error skips the rest up to the Sync. One Sync means one
 * ReadyForQuery, so the driver sees one query. Every statement is unnamed (no server-side prepared
 * statement outlives it), which PgBouncer in transaction mode requires.
 *
 * COMMIT always travels alone, after the writes have answered. Sent behind them, it would sit in the
 * server's input while a write waits for a lock; if our connection died then, the server would still
 * commit once the lock came free, and the client, which got a 503, would retry a change that was made
 * (test/http/security/bulk-faults.test.ts). Alone, it is only sent once every write has succeeded, and
 * a connection lost before that leaves nothing committed.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { PoolClient } from '@neondatabase/serverless';

/** Marks a statement as one that may wait for the next round trip; its result is an empty one. */
const DEFERRED = '/* deferred */';

/**
 * `query` sent with the transaction's next statement (or its COMMIT) instead of on its own: for
 * writes whose result is not read. Inside a transaction only; outside one it runs at once. Its
 * error, if any, surfaces from that later statement (the transaction fails as a whole either way).
 */
export const deferred = (query: SQL): SQL => sql`${sql.raw(DEFERRED)} ${query}`;

const BEGIN = /^\s*begin\b/i;
const COMMIT = /^\s*commit\s*;?\s*$/i;
const ROLLBACK = /^\s*rollback\s*;?\s*$/i;

/** What the driver's query function receives from Drizzle. */
interface QueryConfig {
  text: string;
  name?: string;
  values?: unknown[];
  types?: unknown;
  rowMode?: string;
}

/** The parts of pg's Query and Connection the pipeline drives (the driver bundles pg 8). */
interface PgQuery {
  text: string;
  callback?: (err: Error | null) => void;
  _canceledDueToError?: Error | false;
  _result: { _types?: unknown };
  _results: unknown;
  prepare(con: unknown): void;
  handleRowDescription(msg: unknown): void;
  handleDataRow(msg: unknown): void;
  handleCommandComplete(msg: unknown, con: unknown): void;
}
type PgQueryClass = new (config: QueryConfig, values?: unknown[]) => PgQuery;
type Connection = Record<'parse' | 'bind' | 'describe' | 'execute' | 'sync' | 'sendCopyFail', (arg?: unknown) => void>;
type Call = [keyof Connection, unknown];

const empty = (command: string) => ({ command, rowCount: null, oid: null, rows: [], fields: [] });

export interface RoundTripCounter {
  roundTrips: number;
}

/** Installs the pipelining `query` on a freshly connected client (once per connection). */
export function pipelineClient(client: PoolClient, counter: RoundTripCounter): void {
  const raw = client as unknown as { query: (...args: unknown[]) => unknown; _types?: unknown; constructor: { Query: PgQueryClass } };
  if ((raw as { pipelined?: boolean }).pipelined) return;
  (raw as { pipelined?: boolean }).pipelined = true;
  const send = raw.query.bind(client);
  const Query = raw.constructor.Query;
  /** Held-back statements of the open transaction, BEGIN first until it is sent. */
  let held: QueryConfig[] = [];
  let inTransaction = false;

  const direct = (...args: unknown[]) => {
    counter.roundTrips += 1;
    return send(...args);
  };

  raw.query = (config: unknown, values?: unknown, callback?: unknown): unknown => {
    // Callbacks (pg's Pool.query), submittables and named statements go through untouched.
    const plain = typeof config === 'string' || (typeof config === 'object' && config !== null && typeof (config as { submit?: unknown }).submit !== 'function');
    if (typeof callback === 'function' || typeof values === 'function' || !plain) return direct(config, values, callback);
    const stmt: QueryConfig = typeof config === 'string' ? { text: config } : { ...(config as QueryConfig) };
    if (stmt.name) return held.length ? pipeline(take(), null).then(() => direct(config, values)) : direct(config, values);
    if (values !== undefined) stmt.values = values as unknown[];
    const text = stmt.text;
    if (!inTransaction && BEGIN.test(text)) {
      inTransaction = true;
      held = [stmt];
      return Promise.resolve(empty('BEGIN'));
    }
    if (inTransaction && COMMIT.test(text)) {
      inTransaction = false;
      const pending = take();
      // Nothing ran in this transaction: BEGIN and COMMIT would be two round trips for nothing.
      if (pending.length === 1 && BEGIN.test(pending[0]!.text)) return Promise.resolve(empty('COMMIT'));
      return pending.length ? pipeline(pending, null).then(() => direct(config, values)) : direct(config, values);
    }
    if (inTransaction && ROLLBACK.test(text)) {
      inTransaction = false;
      const pending = take();
      // The server never saw BEGIN: there is nothing to roll back. Otherwise held writes are dropped.
      if (pending.some((p) => BEGIN.test(p.text))) return Promise.resolve(empty('ROLLBACK'));
      return direct(config, values);
    }
    if (inTransaction && text.startsWith(DEFERRED)) {
      held.push(stmt);
      return Promise.resolve(empty('DEFERRED'));
    }
    return held.length ? pipeline(take(), stmt) : direct(config, values);
  };

  function take(): QueryConfig[] {
    const out = held;
    held = [];
    return out;
  }

  /**
   * Sends `before` and then `main` (if any) behind one Sync; resolves with `main`'s result, or
   * rejects with the first error of any of them.
   */
  function pipeline(before: QueryConfig[], main: QueryConfig | null): Promise<unknown> {
    const statements = main ? [...before, main] : before;
    const queries = statements.map((s) => {
      const q = new Query({ text: s.text, types: s.types, rowMode: s.rowMode }, s.values ?? []);
      if (!q._result._types && raw._types) q._result._types = raw._types;
      return q;
    });
    // Each query's messages, recorded first: a value that cannot be serialised fails here, before
    // anything is on the wire (pg's Query reports it through its callback).
    const calls: Call[] = [];
    let invalid: Error | null = null;
    const recorder = {
      parse: (a: unknown) => calls.push(['parse', a]),
      bind: (a: { values?: unknown[]; valueMapper?: (v: unknown, i: number) => unknown }) => {
        a.values?.forEach((v, i) => a.valueMapper?.(v, i));
        calls.push(['bind', a]);
      },
      describe: (a: unknown) => calls.push(['describe', a]),
      execute: (a: unknown) => calls.push(['execute', a]),
      sync: () => {},
      flush: () => {},
    };
    for (const q of queries) {
      q.callback = (err) => (invalid ??= err);
      q.prepare(recorder);
      q.callback = undefined;
    }
    if (invalid) return Promise.reject(invalid as Error);
    counter.roundTrips += 1;
    return new Promise((resolve, reject) => {
      let current = 0;
      const submittable = {
        callback: (err: Error | null, result?: unknown) => (err ? reject(err) : resolve(result)),
        submit(con: Connection) {
          for (const [method, arg] of calls) con[method](arg);
          con.sync();
          return null;
        },
        handleRowDescription: (msg: unknown) => queries[current]?.handleRowDescription(msg),
        handleDataRow: (msg: unknown) => queries[current]?.handleDataRow(msg),
        handleCommandComplete(msg: unknown, con: unknown) {
          queries[current]?.handleCommandComplete(msg, con);
          current += 1;
        },
        handleEmptyQuery() {
          current += 1;
        },
        handlePortalSuspended() {},
        handleCopyInResponse: (con: Connection) => con.sendCopyFail('COPY is not supported here'),
        handleCopyData() {},
        handleError(err: Error) {
          this.callback(err);
        },
        handleReadyForQuery() {
          const bad = queries.find((q) => q._canceledDueToError);
          if (bad) this.callback(bad._canceledDueToError as Error);
          else this.callback(null, main ? queries.at(-1)!._results : empty('PIPELINE'));
        },
      };
      send(submittable);
    });
  }
}
