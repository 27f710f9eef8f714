// @ts-check
// Seeds one database (ours or Prefect's, already migrated and empty) with the benchmark dataset.
// Fast path for millions of rows: drop the keys, indexes and foreign keys of the seeded tables, insert
// set-based (bench/seed/dataset.sql), then rebuild them (indexes on two connections) and VACUUM ANALYZE.
import { performance } from 'node:perf_hooks';
import fs from 'node:fs';
import { datasetStatements } from './dataset.mjs';
import { sqlClient } from './db.mjs';

/** The tables the dataset fills; both schemas have them, with the same column names. */
export const SEEDED_TABLES = [
  'work_pool',
  'work_queue',
  'flow',
  'concurrency_limit_v2',
  'deployment',
  'deployment_schedule',
  'flow_run',
  'flow_run_state',
  'task_run',
  'task_run_state',
];

/**
 * @typedef {{ table: string, name: string, sql: string }} Ddl
 * @typedef {{ keys: Ddl[], indexes: Ddl[], foreignKeys: Ddl[] }} SchemaObjects
 */

/**
 * The primary/unique keys and indexes of the seeded tables, and every foreign key that touches them
 * (from either side), as the statements that recreate them.
 * @param {import('./db.mjs').Sql} sql
 * @returns {Promise<SchemaObjects>}
 */
export async function schemaObjects(sql) {
  const tables = SEEDED_TABLES.map((t) => `'public.${t}'::regclass`).join(', ');
  const cons = await sql.query(
    `SELECT conrelid::regclass::text AS "table", conname AS name, contype AS type, pg_get_constraintdef(oid) AS def
     FROM pg_constraint
     WHERE (contype IN ('p', 'u') AND conrelid IN (${tables}))
        OR (contype = 'f' AND (conrelid IN (${tables}) OR confrelid IN (${tables})))
     ORDER BY 1, 2`,
  );
  const idx = await sql.query(
    `SELECT i.indrelid::regclass::text AS "table", c.relname AS name, pg_get_indexdef(i.indexrelid) AS def
     FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
     WHERE i.indrelid IN (${tables})
       AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.contype IN ('p', 'u', 'x'))
     ORDER BY 1, 2`,
  );
  /** @param {{ table: string, name: string, def: string }} r */
  const addConstraint = (r) => ({ table: r.table, name: r.name, sql: `ALTER TABLE ${r.table} ADD CONSTRAINT "${r.name}" ${r.def}` });
  return {
    keys: cons.rows.filter((r) => r.type !== 'f').map(addConstraint),
    indexes: idx.rows.map((r) => ({ table: r.table, name: r.name, sql: r.def })),
    foreignKeys: cons.rows.filter((r) => r.type === 'f').map(addConstraint),
  };
}

/** @param {import('./db.mjs').Sql} sql @param {SchemaObjects} objects */
async function dropSchemaObjects(sql, objects) {
  for (const fk of objects.foreignKeys) await sql.query(`ALTER TABLE ${fk.table} DROP CONSTRAINT "${fk.name}"`);
  for (const key of objects.keys) await sql.query(`ALTER TABLE ${key.table} DROP CONSTRAINT "${key.name}"`);
  for (const index of objects.indexes) await sql.query(`DROP INDEX "${index.name}"`);
}

/**
 * Runs statements on `connections` parallel connections, in order; returns each one's seconds.
 * @param {() => Promise<import('./db.mjs').Sql>} connect
 * @param {string[]} statements
 * @param {number} connections
 * @returns {Promise<{ statement: string, seconds: number }[]>}
 */
async function runParallel(connect, statements, connections) {
  const queue = [...statements];
  /** @type {{ statement: string, seconds: number }[]} */
  const timings = [];
  await Promise.all(
    Array.from({ length: connections }, async () => {
      const sql = await connect();
      try {
        for (let s = queue.shift(); s !== undefined; s = queue.shift()) {
          const t = performance.now();
          await sql.query(s);
          timings.push({ statement: s, seconds: (performance.now() - t) / 1000 });
        }
      } finally {
        await sql.end();
      }
    }),
  );
  return timings;
}

/**
 * Seeds `url` (whose schema is already created and whose seeded tables are empty).
 * @param {{ url: string, wsproxy: string, config: import('./config.mjs').BenchConfig, log?: (msg: string) => void }} options
 * @returns {Promise<{ seconds: number, rows: Record<string, number>, fingerprint: Record<string, string> }>}
 */
export async function seedDatabase({ url, wsproxy, config, log = () => {} }) {
  const started = performance.now();
  const statements = datasetStatements(fs.readFileSync(new URL('../seed/dataset.sql', import.meta.url), 'utf8'), config);
  const connect = () => sqlClient(url, wsproxy);
  const sql = await connect();
  try {
    for (const table of SEEDED_TABLES) {
      const { rows } = await sql.query(`SELECT EXISTS (SELECT 1 FROM ${table}) AS used`);
      if (rows[0].used) throw new Error(`refusing to seed: table ${table} is not empty`);
    }
    // The staging tables (a row per run and per task run) stay in memory instead of spilling to disk.
    await sql.query(`SET temp_buffers = '2GB'`);
    // JIT-compiling these big expressions costs more than it saves (25 s at BENCH_SCALE=0.1).
    await sql.query(`SET jit = off`);
    const objects = await schemaObjects(sql);
    await dropSchemaObjects(sql, objects);
    log(`dropped ${objects.keys.length} keys, ${objects.indexes.length} indexes, ${objects.foreignKeys.length} foreign keys`);
    // One transaction that starts by truncating the (empty) tables: with wal_level=minimal, rows
    // inserted into a relation created or truncated in the same transaction skip the WAL.
    await sql.query('BEGIN');
    await sql.query(`TRUNCATE ${SEEDED_TABLES.join(', ')}`);
    for (const statement of statements) {
      const t = performance.now();
      await sql.query(statement);
      const what = /^(?:--.*\n)*\s*((?:INSERT INTO|CREATE TEMP TABLE|UPDATE|CREATE \w+ INDEX ON|CREATE FUNCTION|DROP TABLE)\s+\S+)/.exec(statement)?.[1];
      log(`  ${(what ?? statement.slice(0, 40)).replace(/\s+/g, ' ')}: ${((performance.now() - t) / 1000).toFixed(1)} s`);
    }
    await sql.query('COMMIT');
    let t = performance.now();
    // Keys first (indexes and foreign keys need them), then plain indexes in parallel, then foreign keys.
    const timings = [...(await runParallel(connect, bySize(objects.keys), 2)), ...(await runParallel(connect, bySize(objects.indexes), 2))];
    for (const fk of objects.foreignKeys) {
      const f = performance.now();
      await sql.query(fk.sql);
      timings.push({ statement: fk.sql, seconds: (performance.now() - f) / 1000 });
    }
    log(`  rebuilt keys, indexes and foreign keys: ${((performance.now() - t) / 1000).toFixed(1)} s; slowest:`);
    for (const x of timings.sort((a, b) => b.seconds - a.seconds).slice(0, 6)) {
      log(`    ${x.seconds.toFixed(1)} s ${x.statement.replace(/\s+/g, ' ').slice(0, 110)}`);
    }
    t = performance.now();
    await runParallel(connect, bySize(SEEDED_TABLES.map((table) => ({ table, name: table, sql: `VACUUM (ANALYZE) ${table}` }))), 2);
    log(`  VACUUM ANALYZE: ${((performance.now() - t) / 1000).toFixed(1)} s`);
    const rows = await rowCounts(sql);
    const fingerprint = await datasetFingerprint(sql);
    return { seconds: (performance.now() - started) / 1000, rows, fingerprint };
  } finally {
    await sql.end();
  }
}

/** Orders DDL so the statements on the largest tables start first (they dominate the wall time). */
function bySize(/** @type {Ddl[]} */ ddl) {
  const weight = (/** @type {string} */ table) => {
    const i = ['task_run', 'flow_run_state', 'flow_run', 'task_run_state'].indexOf(table.replace(/^public\./, ''));
    return i < 0 ? 99 : i;
  };
  return [...ddl].sort((a, b) => weight(a.table) - weight(b.table)).map((d) => d.sql);
}

/** @param {import('./db.mjs').Sql} sql @returns {Promise<Record<string, number>>} */
export async function rowCounts(sql) {
  const { rows } = await sql.query(SEEDED_TABLES.map((t) => `SELECT '${t}' AS t, count(*)::int AS n FROM ${t}`).join(' UNION ALL '));
  return Object.fromEntries(rows.map((r) => [r.t, r.n]));
}

/**
 * An order-independent hash of the columns that matter to the benchmarks, per table. Equal
 * fingerprints in our database and Prefect's mean both servers answer over the same data.
 */
export const FINGERPRINT_COLUMNS = {
  work_pool: 'id, name, type, default_queue_id',
  work_queue: 'id, name, work_pool_id, priority',
  flow: 'id, name, tags',
  concurrency_limit_v2: 'id, name, "limit"',
  deployment: 'id, name, flow_id, paused, work_queue_id, work_queue_name, tags, concurrency_limit_id',
  deployment_schedule: 'id, deployment_id, schedule',
  flow_run: 'id, name, flow_id, deployment_id, state_id, state_type, state_timestamp, expected_start_time, start_time, end_time, work_queue_id, tags',
  flow_run_state: 'id, flow_run_id, type, "timestamp", name, state_details',
  task_run: 'id, flow_run_id, name, task_key, state_id, state_type, start_time, end_time',
  task_run_state: 'id, task_run_id, type, "timestamp"',
};

/** @param {import('./db.mjs').Sql} sql @returns {Promise<Record<string, string>>} */
export async function datasetFingerprint(sql) {
  /** @type {Record<string, string>} */
  const out = {};
  for (const [table, columns] of Object.entries(FINGERPRINT_COLUMNS)) {
    // Summing 64-bit hashes of each row's text is order-independent; numeric avoids overflow.
    const { rows } = await sql.query(
      `SELECT count(*) AS n, coalesce(sum(hashtextextended(row(${columns})::text, 0)::numeric), 0)::text AS h FROM ${table}`,
    );
    out[table] = `${rows[0].n}:${rows[0].h}`;
  }
  return out;
}
