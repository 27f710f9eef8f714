// @ts-check
// The plan check: capture the plans of the SQL our Worker sends, and find sequential scans of the big
// tables. We use auto_explain (preloaded by the bench cluster, off by default) rather than re-running
// EXPLAIN ourselves: it logs the plan Postgres actually chose for each statement, with the real
// parameter values, including statements run inside foreign-key cascades (log_nested_statements),
// without the benchmark having to know what SQL the endpoints send.
//
// It is switched on with ALTER DATABASE for our database only. Every Worker request opens a new
// connection, so the setting applies from the next request on; the timed runs happen after it is
// switched off again, so logging does not cost them anything.
import fs from 'node:fs';

/** Tables large enough that a sequential scan in a request is a bug (fails the benchmark). */
export const BIG_TABLES = ['flow_run', 'flow_run_state', 'task_run', 'task_run_state'];

const AUTO_EXPLAIN = {
  'auto_explain.log_min_duration': '0',
  'auto_explain.log_nested_statements': 'on',
  'auto_explain.log_format': 'json',
};

/** @param {import('./db.mjs').Sql} sql @param {string} database */
export async function enableAutoExplain(sql, database) {
  for (const [name, value] of Object.entries(AUTO_EXPLAIN)) await sql.query(`ALTER DATABASE ${database} SET ${name} = '${value}'`);
}

/** @param {import('./db.mjs').Sql} sql @param {string} database */
export async function disableAutoExplain(sql, database) {
  for (const name of Object.keys(AUTO_EXPLAIN)) await sql.query(`ALTER DATABASE ${database} RESET ${name}`);
}

/**
 * @typedef {{ 'Node Type': string, 'Relation Name'?: string, Plans?: PlanNode[], [key: string]: unknown }} PlanNode
 * @typedef {{ query: string, plan: PlanNode, ms: number }} LoggedPlan  ms: execution time Postgres logged
 * @typedef {{ table: string, query: string, scenario?: string }} SeqScan
 */

// "2026-11-23 15:40:00.123 UTC [1234] db=edge LOG:  duration: 0.050 ms  plan:" (log_line_prefix in db.mjs)
const ENTRY = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? \S+ \[\d+\] db=(\S*) ([A-Z]+):\s+(.*)$/;

/**
 * Parses the auto_explain entries of `database` from a Postgres log text (stderr format, where the
 * lines of a multi-line message after the first start with a tab).
 * @param {string} text
 * @param {string} database
 * @returns {LoggedPlan[]}
 */
export function parsePlans(text, database) {
  /** @type {LoggedPlan[]} */
  const plans = [];
  /** @type {{ db: string, level: string, lines: string[] } | null} */
  let entry = null;
  const flush = () => {
    if (!entry || entry.db !== database || entry.level !== 'LOG') return;
    const first = entry.lines[0] ?? '';
    const at = first.indexOf('plan:');
    if (!first.startsWith('duration:') || at < 0) return;
    const body = [first.slice(at + 'plan:'.length), ...entry.lines.slice(1)].join('\n');
    const parsed = JSON.parse(body);
    plans.push({ query: String(parsed['Query Text'] ?? ''), plan: parsed.Plan, ms: Number(/^duration: ([\d.]+) ms/.exec(first)?.[1] ?? NaN) });
  };
  for (const line of text.split('\n')) {
    const m = ENTRY.exec(line);
    if (m) {
      flush();
      entry = { db: m[1] ?? '', level: m[2] ?? '', lines: [m[3] ?? ''] };
    } else if (entry) {
      entry.lines.push(line);
    }
  }
  flush();
  return plans;
}

/** Every sequential scan (parallel or not) of one of `tables` anywhere in a plan tree. */
export function seqScans(/** @type {LoggedPlan} */ logged, tables = BIG_TABLES) {
  /** @type {SeqScan[]} */
  const found = [];
  const walk = (/** @type {PlanNode} */ node) => {
    if (node['Node Type'] === 'Seq Scan' && node['Relation Name'] && tables.includes(node['Relation Name'])) {
      found.push({ table: node['Relation Name'], query: logged.query });
    }
    for (const child of node.Plans ?? []) walk(child);
  };
  walk(logged.plan);
  return found;
}

/**
 * True for the statements Postgres itself runs to enforce foreign keys (ON DELETE CASCADE / SET NULL,
 * key checks), logged by auto_explain as nested statements; their time is part of their parent's.
 */
export function isForeignKeyStatement(/** @type {string} */ query) {
  return /\bONLY "[^"]+"\."[^"]+"/.test(query) && query.includes('OPERATOR(pg_catalog.');
}

/** Reads what a log file gained since `offset` (a byte position from logSize). */
export function readLogSince(/** @type {string} */ file, /** @type {number} */ offset) {
  const size = fs.statSync(file).size;
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(Math.max(0, size - offset));
    fs.readSync(fd, buf, 0, buf.length, offset);
    return buf.toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}

export const logSize = (/** @type {string} */ file) => fs.statSync(file).size;
