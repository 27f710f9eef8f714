/** POST /flows/bulk_delete and POST /deployments/bulk_delete (one transaction, limit 1..50, name order). */
import { beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { call, post, randomName, withDb } from '../helpers';
import { deploymentById, flowById } from './support';

describe('POST /flows/bulk_delete', () => {
  it('deletes the flows matching the filter, by name, up to the limit, with their deployments', async () => {
    const prefix = randomName('bulkflow');
    const ids: Record<string, string> = {};
    for (const n of ['c', 'a', 'b']) ids[n] = (await post('/flows/', { name: `${prefix}-${n}` })).body.id;
    const dep = (await post('/deployments/', { name: 'd', flow_id: ids.a, concurrency_limit: 2 })).body;
    const res = await post('/flows/bulk_delete', { flows: { name: { like_: prefix } }, limit: 2 });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ deleted: [ids.a, ids.b] });
    expect(await flowById(ids.a!)).toBeUndefined();
    expect(await flowById(ids.c!)).toBeDefined();
    expect(await deploymentById(dep.id)).toBeUndefined();
    // Like Prefect, the deployment's own limit is not removed by this path.
    const limits = await withDb((db) => db.execute(sql`select count(*)::int as n from concurrency_limit_v2 where id = ${dep.global_concurrency_limit.id}`));
    expect(limits.rows[0]).toEqual({ n: 1 });
    expect((await post('/flows/bulk_delete', { flows: { name: { any_: [`${prefix}-zzz`] } } })).body).toEqual({ deleted: [] });
  });

  it('422 for limits outside 1..50 and bad filters', async () => {
    for (const limit of [0, 51]) {
      const res = await post('/flows/bulk_delete', { limit, flows: { id: { any_: [] } } });
      expect(res.status).toBe(422);
      expect(res.body.exception_detail[0].loc).toEqual(['body', 'limit']);
    }
    const bad = await post('/flows/bulk_delete', { flows: { nope: 1 } });
    expect(bad.status).toBe(422);
    expect(bad.body.exception_detail[0]).toMatchObject({ type: 'extra_forbidden', loc: ['body', 'flows', 'nope'] });
  });
});

describe('POST /deployments/bulk_delete', () => {
  let flowId: string;
  beforeAll(async () => {
    flowId = (await post('/flows/', { name: randomName('flow') })).body.id;
  });

  it('deletes matching deployments by name, with their limits and scheduled runs', async () => {
    const prefix = randomName('bulkdep');
    const made: Record<string, any> = {};
    for (const n of ['b', 'a', 'c']) made[n] = (await post('/deployments/', { name: `${prefix}-${n}`, flow_id: flowId, concurrency_limit: 1 })).body;
    const run = await withDb((db) =>
      db.execute(sql`insert into flow_run (flow_id, name, deployment_id, state_type, state_name)
        values (${flowId}, 'r', ${made.a.id}, 'SCHEDULED', 'Scheduled') returning id`),
    );
    const res = await post('/deployments/bulk_delete', { deployments: { name: { like_: prefix } }, limit: 2 });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ deleted: [made.a.id, made.b.id] });
    expect(await deploymentById(made.c.id)).toBeDefined();
    const left = await withDb((db) =>
      db.execute(sql`select (select count(*) from flow_run where id = ${(run.rows[0] as { id: string }).id})::int as runs,
        (select count(*) from concurrency_limit_v2 where id in (${made.a.global_concurrency_limit.id}, ${made.b.global_concurrency_limit.id}))::int as limits`),
    );
    expect(left.rows[0]).toEqual({ runs: 0, limits: 0 });
    const limit = await post('/deployments/bulk_delete', { limit: 100 });
    expect(limit.status).toBe(422);
    expect(limit.body.exception_detail[0]).toMatchObject({ type: 'less_than_equal', loc: ['body', 'limit'] });
  });
});

describe('wrong methods', () => {
  it('GET on POST-only write paths is 405 in Prefect shape', async () => {
    const deployment = crypto.randomUUID();
    for (const path of [
      '/flows/bulk_delete',
      '/deployments/bulk_delete',
      `/task_runs/${crypto.randomUUID()}/set_state`,
      '/flow_runs/bulk_delete',
      '/flow_runs/bulk_set_state',
      `/deployments/${deployment}/create_flow_run`,
      `/deployments/${deployment}/create_flow_run/bulk`,
    ]) {
      for (const method of ['GET', 'PUT', 'PATCH', 'DELETE']) {
        const res = await call(method, path);
        expect(res.status, `${method} ${path}`).toBe(405);
        expect(res.body).toEqual({ detail: 'Method Not Allowed' });
      }
    }
  });
});
