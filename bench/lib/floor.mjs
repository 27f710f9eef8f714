// @ts-check
// The floor: how fast could a request be if the Worker added nothing? For each scenario the runner
// captures the statements our Worker really sent for its first request (Postgres logs them with their
// parameters: log_statement=all, switched on for our database only, like auto_explain), replays them
// in order on one warm `pg` connection straight to Postgres (no proxy, no new backend), and times the
// sequence. Nothing is re-typed: the SQL and the parameter values come from the log. Writes are
// replayed inside their own transaction with ROLLBACK instead of COMMIT, so the data do not change
// (on the bench cluster, synchronous_commit=off, the two cost the same: ~0.3 ms). A bulk scenario's
// run ids are swapped, on every timed pass, for a set of its reserved block that nothing touched
// before (sets kept for the floor, after the measured ones): replaying the same 50 runs again and again
// would time them with their pages already in shared buffers, while each of the Worker's requests
// reads runs, states and task runs nobody read since the seed (for bulk_delete that made the floor
// about a third too low: docs/benchmarks.md).
import { performance } from 'node:perf_hooks';
import { createRequire } from 'node:module';
import { FLOOR_WARM_PASSES } from './config.mjs';

/** @typedef {{ pid: string, sql: string, params: (string | null)[] }} LoggedStatement */

/** @param {import('./db.mjs').Sql} admin @param {string} database */
export async function enableStatementLog(admin, database) {
  await admin.query(`ALTER DATABASE ${database} SET log_statement = 'all'`);
}

/** @param {import('./db.mjs').Sql} admin @param {string} database */
export async function disableStatementLog(admin, database) {
  await admin.query(`ALTER DATABASE ${database} RESET log_statement`);
}

// "2026-11-23 15:40:00.123 UTC [1234] db=edge LOG:  statement: begin" (log_line_prefix in db.mjs)
const ENTRY = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? \S+ \[(\d+)\] db=(\S*) ([A-Z]+):\s+(.*)$/;
const PARAM = /\$(\d+) = (NULL|'((?:[^']|'')*)')/g;

/**
 * The statements `database`'s clients sent, in log order, from a Postgres log text (simple-protocol
 * "statement: …" and extended-protocol "execute <unnamed>: …" with "DETAIL:  parameters: $1 = '…'").
 * @param {string} text
 * @param {string} database
 * @returns {LoggedStatement[]}
 */
export function parseStatements(text, database) {
  /** @type {LoggedStatement[]} */
  const out = [];
  /** @type {{ pid: string, db: string, level: string, lines: string[] } | null} */
  let entry = null;
  /** @type {LoggedStatement | null} */
  let last = null;
  const flush = () => {
    if (!entry || entry.db !== database) return;
    const body = entry.lines.join('\n');
    if (entry.level === 'LOG') {
      const m = /^(?:statement|execute [^:]*): ([\s\S]*)$/.exec(body);
      if (m) {
        last = { pid: entry.pid, sql: m[1] ?? '', params: [] };
        out.push(last);
      } else last = null;
    } else if (entry.level === 'DETAIL' && last && last.pid === entry.pid && body.startsWith('parameters: ')) {
      /** @type {(string | null)[]} */
      const params = [];
      for (const p of body.matchAll(PARAM)) params[Number(p[1]) - 1] = p[2] === 'NULL' ? null : (p[3] ?? '').replace(/''/g, "'");
      last.params = params;
    }
  };
  for (const line of text.split('\n')) {
    const m = ENTRY.exec(line);
    if (m) {
      flush();
      entry = { pid: m[1] ?? '', db: m[2] ?? '', level: m[3] ?? '', lines: [m[4] ?? ''] };
    } else if (entry) {
      entry.lines.push(line.replace(/^\t/, ''));
    }
  }
  flush();
  return out;
}

// What PgBouncer itself sends on a server connection it hands out: its connect_query
// (scripts/pgbouncer.mjs) and the client's application_name (a startup parameter it SETs).
const POOLER_SETS = /^(?:\s*SET (?:(?:statement_timeout|idle_in_transaction_session_timeout) = \d+|application_name\s*=\s*'(?:[^']|'')*')\s*;?)+\s*$/i;

/** @param {string} sql */
export const isPoolerStatement = (sql) => POOLER_SETS.test(sql);

/**
 * One request's statements among those captured around it: the first backend that logged a
 * statement of the Worker's (a new connection per request), without PgBouncer's own SETs, and at most
 * the `x-sql-statements` the Worker reported (through PgBouncer in transaction mode a later
 * connection, such as an automation pass after the response, can get the same backend).
 * @param {LoggedStatement[]} captured
 * @param {number} [sent] the reply's x-sql-statements, when known
 */
export function requestStatements(captured, sent) {
  const own = captured.filter((s) => !isPoolerStatement(s.sql));
  const pid = own[0]?.pid;
  const mine = own.filter((s) => s.pid === pid);
  return sent !== undefined && Number.isInteger(sent) && sent > 0 ? mine.slice(0, sent) : mine;
}

const isBegin = (/** @type {string} */ s) => /^\s*(begin|start transaction)\b/i.test(s);
const isCommit = (/** @type {string} */ s) => /^\s*(commit|end)\s*;?\s*$/i.test(s);
const writes = (/** @type {string} */ s) => /^\s*(with[\s\S]*\b(insert|update|delete)\b|insert|update|delete|merge)\b/i.test(s);

/**
 * The statements to replay: COMMIT becomes ROLLBACK; writes outside an explicit transaction are
 * wrapped in one (an extra BEGIN/ROLLBACK, said in the result).
 * @param {LoggedStatement[]} statements
 * @returns {{ statements: LoggedStatement[], wrapped: boolean }}
 */
export function replayPlan(statements) {
  const explicit = statements.some((s) => isBegin(s.sql));
  const mapped = statements.map((s) => (isCommit(s.sql) ? { ...s, sql: 'ROLLBACK' } : s));
  if (explicit || !statements.some((s) => writes(s.sql))) return { statements: mapped, wrapped: false };
  const pid = statements[0]?.pid ?? '';
  return { statements: [{ pid, sql: 'BEGIN', params: [] }, ...mapped, { pid, sql: 'ROLLBACK', params: [] }], wrapped: true };
}

/** A direct `pg` connection (TCP, no proxy) for the replay. */
export async function directClient(/** @type {string} */ url) {
  const pg = createRequire(import.meta.url)('pg');
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
  await client.connect();
  return client;
}

/**
 * Replays `statements` `repeats` times (after FLOOR_WARM_PASSES unmeasured passes that warm the
 * connection and the catalog caches) and returns the median time of one pass in ms.
 * @param {{ query: (text: string, values?: unknown[]) => Promise<unknown> }} client
 * @param {LoggedStatement[]} statements
 * @param {number} repeats
 * @param {(pass: number) => (value: string) => string} [paramsFor] the parameter mapping of a pass,
 *   e.g. swaps run ids for that pass's own set: 0 for every warm-up pass, 1…repeats for the timed ones
 */
export async function replay(client, statements, repeats, paramsFor = () => (v) => v) {
  const run = async (/** @type {number} */ pass) => {
    const mapParam = paramsFor(pass);
    const t = performance.now();
    try {
      for (const s of statements) {
        if (s.params.length) await client.query(s.sql, s.params.map((p) => (p === null ? null : mapParam(p))));
        else await client.query(s.sql);
      }
    } catch (e) {
      await client.query('ROLLBACK').catch(() => {});
      throw e;
    }
    return performance.now() - t;
  };
  for (let i = 0; i < FLOOR_WARM_PASSES; i += 1) await run(0);
  const times = [];
  for (let i = 1; i <= repeats; i += 1) times.push(await run(i));
  times.sort((a, b) => a - b);
  return Math.round((times[Math.floor(times.length / 2)] ?? NaN) * 100) / 100;
}
