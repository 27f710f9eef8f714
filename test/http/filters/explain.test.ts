/**
 * Query plans on a realistic volume: tens of thousands of flow runs. The read endpoints' statements must
 * reach flow_run through an index, never a sequential scan.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as v from 'valibot';
import { sql, type SQL } from 'drizzle-orm';
import { post, resetDb, withDb } from '../helpers';
import { DeploymentFilter, FlowRunFilter } from '../../../src/schemas/filters';
import { DEPLOYMENT_ORDER, FLOW_RUN_ORDER, deploymentsCondition, flowRunsCondition } from '../../../src/queries/filters';
import { deploymentsJsonQuery, flowRunsQuery } from '../../../src/queries/read-models';
import type { Db } from '../../../src/db/client';

const RUNS = 40_000;
const DEPLOYMENTS = 400;
let targetDeployment: string;

beforeAll(async () => {
  await resetDb();
  await withDb(async (db) => {
    await db.execute(sql`insert into flow (name) values ('bulk-flow')`);
    await db.execute(sql`
      insert into deployment (name, flow_id)
      select 'dep-' || g, (select id from flow where name = 'bulk-flow') from generate_series(1, ${DEPLOYMENTS}) g`);
    // Runs spread evenly over the deployments, with mixed states and tags.
    await db.execute(sql`
      with d as (select id, row_number() over (order by substring(name from 5)::int) as n from deployment)
      insert into flow_run (flow_id, name, deployment_id, state_type, state_name, tags, expected_start_time)
      select (select id from flow where name = 'bulk-flow'), 'run-' || g, d.id,
             (array['COMPLETED','FAILED','RUNNING','SCHEDULED'])[1 + g % 4]::state_type,
             (array['Completed','Failed','Running','Scheduled'])[1 + g % 4],
             case when g % 3 = 0 then '["db"]'::jsonb else '[]'::jsonb end,
             now() - g * interval '1 minute'
      from generate_series(1, ${RUNS}) g join d on d.n = 1 + g % ${DEPLOYMENTS}`);
    // Every run has a current state row, as through the API.
    await db.execute(sql`
      insert into flow_run_state (flow_run_id, type, name, timestamp)
      select id, state_type, state_name, expected_start_time from flow_run`);
    await db.execute(sql`update flow_run set state_id = s.id from flow_run_state s where s.flow_run_id = flow_run.id`);
    await db.execute(sql`analyze`);
    const row = await db.execute(sql`select id from deployment where name = 'dep-7'`);
    targetDeployment = (row.rows[0] as { id: string }).id;
  });
});

type PlanNode = { 'Node Type': string; 'Relation Name'?: string; 'Index Name'?: string; Plans?: PlanNode[] };

/** Every node of an EXPLAIN (FORMAT JSON) plan. */
function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

/** /deployments/filter's statement (Postgres builds its JSON answer). */
const deploymentsFilterSql = (db: Db, q: Parameters<typeof deploymentsJsonQuery>[1]) => ({ getSQL: () => deploymentsJsonQuery(db, q) });

async function explain(build: (db: Db) => { getSQL: () => SQL }): Promise<PlanNode[]> {
  return withDb(async (db) => {
    const res = await db.execute(sql`explain (format json) ${build(db).getSQL()}`);
    const plan = (res.rows[0] as { 'QUERY PLAN': { Plan: PlanNode }[] })['QUERY PLAN'][0]!.Plan;
    return nodes(plan);
  });
}

const onFlowRun = (all: PlanNode[]) => all.filter((n) => n['Relation Name'] === 'flow_run' || n['Relation Name'] === 'flow_run_state');
const flowRunIndexes = (all: PlanNode[]) => all.filter((n) => /^(ix_flow_run__|flow_run_pkey|uq_flow_run__)/.test(n['Index Name'] ?? ''));
const describePlan = (all: PlanNode[]) => all.map((n) => `${n['Node Type']}${n['Relation Name'] ? ` on ${n['Relation Name']}` : ''}${n['Index Name'] ? ` using ${n['Index Name']}` : ''}`).join('\n');

describe('query plans over 40k flow runs', () => {
  it('/deployments/filter with a selective flow_runs filter reaches flow_run through an index', async () => {
    const flowRuns = v.parse(FlowRunFilter, { name: { any_: ['run-1234'] } });
    const plan = await explain((db) =>
      deploymentsFilterSql(db, { where: deploymentsCondition({ flow_runs: flowRuns }), orderBy: DEPLOYMENT_ORDER.NAME_ASC, limit: 200 }),
    );
    const scans = onFlowRun(plan);
    expect(scans.length, describePlan(plan)).toBeGreaterThan(0);
    expect(scans.every((n) => n['Node Type'] !== 'Seq Scan'), describePlan(plan)).toBe(true);
    expect(flowRunIndexes(plan).length, describePlan(plan)).toBeGreaterThan(0);
    const res = await post('/deployments/filter', { flow_runs: { name: { any_: ['run-1234'] } } });
    expect(res.body.map((d: { name: string }) => d.name)).toEqual([`dep-${1 + (1234 % DEPLOYMENTS)}`]);
  });

  it('/deployments/filter with a deployment_id flow_runs filter reaches flow_run through an index', async () => {
    const flowRuns = v.parse(FlowRunFilter, { deployment_id: { any_: [targetDeployment] }, state: { type: { any_: ['FAILED'] } } });
    const deployments = v.parse(DeploymentFilter, { name: { like_: 'dep-' } });
    const plan = await explain((db) =>
      deploymentsFilterSql(db, {
        where: deploymentsCondition({ flow_runs: flowRuns, deployments }),
        orderBy: DEPLOYMENT_ORDER.NAME_ASC,
        limit: 200,
      }),
    );
    expect(onFlowRun(plan).every((n) => n['Node Type'] !== 'Seq Scan'), describePlan(plan)).toBe(true);
  });

  it('/deployments/filter with a flow_runs state and tags filter (the benchmark\'s) probes runs by deployment and state type', async () => {
    const flowRuns = v.parse(FlowRunFilter, { state: { type: { any_: ['FAILED', 'CRASHED'] } }, tags: { all_: ['db'] } });
    const plan = await explain((db) =>
      deploymentsFilterSql(db, { where: deploymentsCondition({ flow_runs: flowRuns }), orderBy: DEPLOYMENT_ORDER.NAME_ASC, limit: 200 }),
    );
    expect(onFlowRun(plan).every((n) => n['Node Type'] !== 'Seq Scan'), describePlan(plan)).toBe(true);
    expect(flowRunIndexes(plan).map((n) => n['Index Name']), describePlan(plan)).toContain('ix_flow_run__deployment_id_state_type');
  });

  it('/flow_runs/filter by deployment_id uses an index on flow_run', async () => {
    const flowRuns = v.parse(FlowRunFilter, { deployment_id: { any_: [targetDeployment] } });
    for (const sort of ['ID_DESC', 'EXPECTED_START_TIME_DESC', 'NAME_ASC'] as const) {
      const plan = await explain((db) =>
        flowRunsQuery(db, { where: flowRunsCondition({ flow_runs: flowRuns }), orderBy: FLOW_RUN_ORDER[sort], limit: 200 }),
      );
      const scans = onFlowRun(plan);
      expect(scans.length).toBeGreaterThan(0);
      expect(scans.every((n) => n['Node Type'] !== 'Seq Scan'), `${sort}:\n${describePlan(plan)}`).toBe(true);
      expect(flowRunIndexes(plan).length, `${sort}:\n${describePlan(plan)}`).toBeGreaterThan(0);
    }
    const res = await post('/flow_runs/count', { flow_runs: { deployment_id: { any_: [targetDeployment] } } });
    expect(res.body).toBe(RUNS / DEPLOYMENTS);
  });

  it('a flow_runs page costs one statement and a paginate two, whatever the page size', async () => {
    const small = await post('/flow_runs/filter', { limit: 1 });
    const large = await post('/flow_runs/filter', { limit: 200 });
    expect(large.body).toHaveLength(200);
    expect(small.headers.get('x-sql-statements')).toBe('1');
    expect(large.headers.get('x-sql-statements')).toBe('1');
    const page = await post('/deployments/paginate', { limit: 200 });
    expect(page.headers.get('x-sql-statements')).toBe('2');
  });
});
