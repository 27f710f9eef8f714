/**
 * Query plans of the UI's aggregates on a realistic volume (200 flows, 40k flow runs, 40k task runs):
 * each reaches flow_run, task_run and deployment through an index, never a sequential scan.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as v from 'valibot';
import { sql, type SQL } from 'drizzle-orm';
import { post, resetDb, withDb } from '../helpers';
import { TaskRunFilter } from '../../../src/schemas/filters';
import { dashboardCountsSql, deploymentCountsQuery, nextRunsSql, taskRunCountsQuery, taskRunsOnPoolsCondition } from '../../../src/queries/ui';

const FLOWS = 200;
const RUNS = 40_000;
let flowIds: string[] = [];
let runIds: string[] = [];

beforeAll(async () => {
  await resetDb();
  await withDb(async (db) => {
    await db.execute(sql`insert into flow (name) select 'plan-flow-' || g from generate_series(1, ${FLOWS}) g`);
    await db.execute(sql`
      with f as (select id, row_number() over (order by name) as n from flow)
      insert into deployment (name, flow_id) select 'dep-' || g, id from f, generate_series(1, 20) g`);
    // Mostly finished runs, a quarter SCHEDULED (as a flow with no worker piles them up).
    await db.execute(sql`
      with f as (select id, row_number() over (order by name) as n from flow)
      insert into flow_run (flow_id, name, state_type, state_name, expected_start_time, next_scheduled_start_time)
      select f.id, 'run-' || g, (array['COMPLETED','FAILED','RUNNING','SCHEDULED'])[1 + (g / ${FLOWS}) % 4]::state_type,
             (array['Completed','Failed','Running','Scheduled'])[1 + (g / ${FLOWS}) % 4],
             now() - g * interval '1 minute', now() + g * interval '1 minute'
      from generate_series(1, ${RUNS}) g join f on f.n = 1 + g % ${FLOWS}`);
    await db.execute(sql`
      insert into task_run (flow_run_id, task_key, dynamic_key, name, state_type, state_name, start_time)
      select id, 'k', '0', 't', (array['COMPLETED','FAILED','RUNNING'])[1 + (hashtext(name) & 1023) % 3]::state_type, 'x',
             expected_start_time
      from flow_run`);
    await db.execute(sql`analyze`);
    flowIds = ((await db.execute(sql`select id from flow order by name limit 200`)).rows as { id: string }[]).map((r) => r.id);
    runIds = ((await db.execute(sql`select id from flow_run order by name limit 200`)).rows as { id: string }[]).map((r) => r.id);
  });
}, 120_000);

// Later files need not wade through 40k runs.
afterAll(() => resetDb());

type PlanNode = { 'Node Type': string; 'Relation Name'?: string; 'Index Name'?: string; Plans?: PlanNode[] };
const nodes = (plan: PlanNode): PlanNode[] => [plan, ...(plan.Plans ?? []).flatMap(nodes)];
const describePlan = (all: PlanNode[]) =>
  all.map((n) => `${n['Node Type']}${n['Relation Name'] ? ` on ${n['Relation Name']}` : ''}${n['Index Name'] ? ` using ${n['Index Name']}` : ''}`).join('\n');

async function explain(query: SQL): Promise<PlanNode[]> {
  return withDb(async (db) => {
    const res = await db.execute(sql`explain (format json) ${query}`);
    return nodes((res.rows[0] as { 'QUERY PLAN': { Plan: PlanNode }[] })['QUERY PLAN'][0]!.Plan);
  });
}

/** No sequential scan of the big tables, and at least one index used on `table`. */
function expectIndexed(plan: PlanNode[], table: string, index?: string) {
  const text = describePlan(plan);
  expect(plan.filter((n) => n['Node Type'] === 'Seq Scan' && ['flow_run', 'task_run', 'deployment'].includes(n['Relation Name'] ?? '')), text).toEqual([]);
  // A bitmap index scan names the index only; the index names carry their table's name.
  const onTable = plan.filter((n) => new RegExp(`^(ix|uq)_${table}__|^${table}_pkey$`).test(n['Index Name'] ?? ''));
  expect(onTable.length, text).toBeGreaterThan(0);
  if (index) expect(onTable.map((n) => n['Index Name']), text).toContain(index);
}

describe('query plans of the UI aggregates over 40k runs', () => {
  it('/ui/flows/next-runs: one probe per flow on the partial index of SCHEDULED runs', async () => {
    expectIndexed(await explain(nextRunsSql(flowIds)), 'flow_run', 'ix_flow_run__flow_id_next_scheduled_start_time_scheduled');
    const res = await post('/ui/flows/next-runs', { flow_ids: flowIds });
    expect(Object.values(res.body).filter((r) => r !== null)).toHaveLength(FLOWS);
  });

  it('/ui/flows/count-deployments: deployments by flow id (a page of 10 flows among 200, 4000 deployments)', async () => {
    const plan = await withDb(async (db) => explain(deploymentCountsQuery(db, flowIds.slice(0, 10)).getSQL()));
    expectIndexed(plan, 'deployment');
    const res = await post('/ui/flows/count-deployments', { flow_ids: flowIds.slice(0, 10) });
    expect(Object.values(res.body)).toEqual(Array(10).fill(20));
  });

  it('/ui/flow_runs/count-task-runs: task runs by flow run id, subflows by parent task', async () => {
    const plan = await withDb(async (db) => explain(taskRunCountsQuery(db, runIds).getSQL()));
    expectIndexed(plan, 'task_run', 'ix_task_run__flow_run_id');
    expectIndexed(plan, 'flow_run', 'ix_flow_run__parent_task_run_id');
  });

  it('/ui/task_runs/dashboard/counts: finished task runs of the last hour by state type and start time', async () => {
    const now = Date.now() * 1000;
    const taskRuns = v.parse(TaskRunFilter, {
      start_time: { after_: new Date(Date.now() - 3600_000).toISOString() },
      state: { type: { any_: ['COMPLETED', 'FAILED', 'CANCELLED', 'CRASHED'] } },
    });
    const plan = await explain(dashboardCountsSql({ start: now - 3600_000_000, end: now }, taskRunsOnPoolsCondition({ task_runs: taskRuns })));
    expectIndexed(plan, 'task_run');
  });
});
