/// <reference types="vite/client" />
/**
 * The benchmark dataset (bench/seed/dataset.sql), seeded small into the test database with every key,
 * index and (validated at the end) foreign key of our schema: the rows are valid for our schema, hang together the
 * way the benchmark assumes, and our API reads them.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import datasetSql from '../../bench/seed/dataset.sql?raw';
import { benchConfig } from '../../bench/lib/config.mjs';
import { datasetStatements } from '../../bench/lib/dataset.mjs';
import { DEPLOYMENT_FILTERS } from '../../bench/lib/read-bodies.mjs';
import { post, resetDb, withDb } from './helpers';

const config = benchConfig({ BENCH_SCALE: '0.001', BENCH_BULK_REQUESTS: '2', BENCH_WARMUP: '1' });

const query = <T = Record<string, unknown>>(text: string) => withDb(async (db) => (await db.execute(sql.raw(text))).rows as T[]);
const one = async (text: string) => Object.values((await query(text))[0] ?? {})[0];

beforeAll(async () => {
  await resetDb();
  // One transaction: the seed's temp tables and pg_temp functions live in one session. Like the real
  // seed (which drops foreign keys while it loads), rows go in before the rows they reference
  // (flow_run.state_id, work_pool.default_queue_id), so foreign keys are checked at the end instead:
  // re-adding each one makes Postgres validate every row, and a failure rolls everything back.
  await withDb((db) =>
    db.transaction(async (tx) => {
      await tx.execute(sql`SET LOCAL session_replication_role = replica`);
      for (const statement of datasetStatements(datasetSql, config)) await tx.execute(sql.raw(statement));
      await tx.execute(sql`SET LOCAL session_replication_role = origin`);
      const fks = await tx.execute(
        sql.raw(`SELECT conrelid::regclass::text AS t, conname AS name, pg_get_constraintdef(oid) AS def FROM pg_constraint
                 WHERE contype = 'f' AND connamespace = 'public'::regnamespace`),
      );
      for (const fk of fks.rows as { t: string; name: string; def: string }[]) {
        await tx.execute(sql.raw(`ALTER TABLE ${fk.t} DROP CONSTRAINT "${fk.name}"`));
        await tx.execute(sql.raw(`ALTER TABLE ${fk.t} ADD CONSTRAINT "${fk.name}" ${fk.def}`));
      }
    }),
  );
}, 120_000);

afterAll(async () => {
  await resetDb();
});

describe('benchmark dataset on our schema', () => {
  it('has the planned size: ~3 states per run, ~2 task runs per run, one state per task run', async () => {
    const counts = (await query<{ t: string; n: number }>(
      `SELECT 'flow' t, count(*)::int n FROM flow UNION ALL SELECT 'deployment', count(*)::int FROM deployment
       UNION ALL SELECT 'flow_run', count(*)::int FROM flow_run UNION ALL SELECT 'flow_run_state', count(*)::int FROM flow_run_state
       UNION ALL SELECT 'task_run', count(*)::int FROM task_run UNION ALL SELECT 'task_run_state', count(*)::int FROM task_run_state
       UNION ALL SELECT 'work_pool', count(*)::int FROM work_pool UNION ALL SELECT 'work_queue', count(*)::int FROM work_queue`,
    )).reduce<Record<string, number>>((acc, r) => ({ ...acc, [r.t]: r.n }), {});
    expect(counts.flow).toBe(config.flows);
    expect(counts.deployment).toBe(config.deployments);
    expect(counts.flow_run).toBe(config.flowRuns);
    expect(counts.work_pool).toBe(8);
    expect(counts.work_queue).toBe(32);
    expect(counts.flow_run_state! / config.flowRuns).toBeGreaterThan(2.5);
    expect(counts.flow_run_state! / config.flowRuns).toBeLessThan(3.5);
    expect(counts.task_run! / config.flowRuns).toBeGreaterThan(1.5);
    expect(counts.task_run! / config.flowRuns).toBeLessThan(2.5);
    expect(counts.task_run_state).toBe(counts.task_run);
  });

  it("points every run at its latest state and copies that state's type, name and time", async () => {
    const mismatched = await one(
      `SELECT count(*)::int FROM flow_run r LEFT JOIN flow_run_state s ON s.id = r.state_id
       WHERE s.id IS NULL OR s.flow_run_id <> r.id OR s.type <> r.state_type OR s.name <> r.state_name
          OR s."timestamp" <> r.state_timestamp
          OR EXISTS (SELECT 1 FROM flow_run_state later WHERE later.flow_run_id = r.id AND later."timestamp" > s."timestamp")`,
    );
    expect(mismatched).toBe(0);
    const badTasks = await one(
      `SELECT count(*)::int FROM task_run t LEFT JOIN task_run_state s ON s.id = t.state_id
       WHERE s.id IS NULL OR s.task_run_id <> t.id OR s.type <> t.state_type`,
    );
    expect(badTasks).toBe(0);
  });

  it('gives deployment runs their deployment’s flow, queue and tags, and skews work towards pool 0', async () => {
    const inconsistent = await one(
      `SELECT count(*)::int FROM flow_run r JOIN deployment d ON d.id = r.deployment_id
       WHERE r.flow_id <> d.flow_id OR r.work_queue_id IS DISTINCT FROM d.work_queue_id OR NOT r.tags @> d.tags`,
    );
    expect(inconsistent).toBe(0);
    const perPool = await query<{ name: string; n: number }>(
      `SELECT p.name, count(*)::int n FROM deployment d JOIN work_queue q ON q.id = d.work_queue_id JOIN work_pool p ON p.id = q.work_pool_id
       GROUP BY p.name ORDER BY n DESC`,
    );
    expect(perPool[0]?.name).toBe('k8s-prod');
  });

  it('reserves each bulk block in the state its scenario needs, every run with a deployment', async () => {
    const expected = { delete: 'COMPLETED', cancel: 'RUNNING', reschedule: 'FAILED' } as const;
    for (const [name, type] of Object.entries(expected)) {
      const block = config.blocks[name as keyof typeof expected];
      const rows = await query<{ state_type: string; with_deployment: boolean; n: number }>(
        `SELECT state_type, deployment_id IS NOT NULL AS with_deployment, count(*)::int n FROM flow_run
         WHERE id IN (SELECT md5('flow_run:' || i)::uuid FROM generate_series(${block.from}, ${block.to - 1}) i)
         GROUP BY 1, 2`,
      );
      expect(rows).toEqual([{ state_type: type, with_deployment: true, n: block.to - block.from }]);
    }
  });

  it('is read by our /deployments/filter for every read scenario', async () => {
    for (const [key, { body }] of Object.entries(DEPLOYMENT_FILTERS)) {
      const res = await post('/deployments/filter', body);
      expect(res.status, `${key}: ${JSON.stringify(res.body).slice(0, 300)}`).toBe(200);
      expect((res.body as unknown[]).length, key).toBeGreaterThan(0);
    }
    const byPool = await post('/deployments/filter', DEPLOYMENT_FILTERS['deployments-work-pools']!.body);
    const expectedIds = await query<{ id: string }>(
      `SELECT d.id FROM deployment d JOIN work_queue q ON q.id = d.work_queue_id JOIN work_pool p ON p.id = q.work_pool_id
       WHERE p.name = 'k8s-prod' ORDER BY d.name LIMIT 200`,
    );
    expect((byPool.body as { id: string }[]).map((d) => d.id)).toEqual(expectedIds.map((r) => r.id));
  });
});
