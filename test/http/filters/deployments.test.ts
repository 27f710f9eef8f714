/** Spec §5.2 cases 41–48: /deployments/filter, /count and /paginate over the canonical dataset. */
import { beforeAll, describe, expect, it } from 'vitest';
import { get, post } from '../helpers';
import { seedCanonical, type Canonical } from '../fixtures/canonical';

let id: Canonical;
beforeAll(async () => {
  id = await seedCanonical();
});

const count = async (body: unknown) => {
  const res = await post('/deployments/count', body);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as number;
};
const filter = async (body: unknown) => {
  const res = await post('/deployments/filter', body);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return (res.body as { name: string }[]).map((r) => r.name);
};

describe('deployments: spec §5.2', () => {
  it('case 41: counts through flows, flow_runs and task_runs, each deployment once', async () => {
    expect(await count({})).toBe(3);
    expect(await count({ flows: { name: { like_: 'f-2' } } })).toBe(0);
    expect(await count({ flow_runs: { name: { like_: 'test-happy' } } })).toBe(1);
    expect(await count({ flow_runs: { deployment_id: { any_: [id.D11, id.D12, crypto.randomUUID()] } } })).toBe(2);
    expect(await count({ task_runs: { state: { type: { any_: ['FAILED'] } } } })).toBe(1);
  });

  it('case 42: deployments and flows are ANDed', async () => {
    expect(await count({ deployments: { name: { any_: ['d-1-1'] } }, flows: { name: { any_: ['f-2'] } } })).toBe(0);
    expect(await count({ deployments: { name: { any_: ['d-1-1'] } }, flows: { name: { any_: ['f-1', 'f-2'] } } })).toBe(1);
  });

  it('case 43: flow_or_deployment_name matches the flow name too', async () => {
    expect(await filter({ deployments: { flow_or_deployment_name: { like_: 'F-3' } } })).toEqual(['d-3-1']);
    expect((await filter({ deployments: { flow_or_deployment_name: { like_: '' } } })).length).toBe(3);
  });

  it('case 44: work_pool_queues and work_pools go through the deployment\'s queue', async () => {
    expect(await filter({ work_pool_queues: { name: { startswith_: ['DEF'] } } })).toEqual(['d-3-1']);
    expect(await filter({ work_pools: {} })).toEqual(['d-3-1']);
    expect(
      await filter({ work_pool_queues: { name: { any_: ['default'] } }, work_pools: { name: { any_: ['nope'] } } }),
    ).toEqual([]);
  });

  it('case 45: work_queue_name filters the stored column, not the derived name', async () => {
    expect(await filter({ deployments: { work_queue_name: { any_: ['default'] } } })).toEqual([]);
    const d31 = await get(`/deployments/${id.D31}`);
    expect(d31.body).toMatchObject({ work_queue_name: 'default', work_pool_name: 'Test Pool', work_queue_id: id.WQd });
    expect(await filter({ deployments: { work_queue_name: { any_: ['test-queue-for-filters'] } } })).toEqual(['d-1-2']);
  });

  it('case 46: paused, ignored concurrency_limit, or_', async () => {
    expect(await filter({ deployments: { paused: { eq_: true } } })).toEqual(['d-1-2']);
    expect((await filter({ deployments: { paused: { eq_: null } } })).length).toBe(3);
    expect((await filter({ deployments: { concurrency_limit: { ge_: 100 } } })).length).toBe(3);
    expect(
      await filter({ deployments: { operator: 'or_', name: { any_: ['d-1-1'] }, paused: { eq_: true } } }),
    ).toEqual(['d-1-1', 'd-1-2']);
  });

  it('case 47: flow_runs and task_runs must hold on the same run', async () => {
    const body = (runState: string) => ({
      flow_runs: { state: { type: { any_: [runState] } } },
      task_runs: { state: { type: { any_: ['RUNNING'] } } },
    });
    expect(await filter(body('FAILED'))).toEqual([]);
    expect(await filter(body('COMPLETED'))).toEqual(['d-1-1']);
  });

  it('case 48: sort, offset, and paginate past the end', async () => {
    expect(await filter({ sort: 'NAME_DESC' })).toEqual(['d-3-1', 'd-1-2', 'd-1-1']);
    expect(await filter({ offset: 1 })).toEqual(['d-1-2', 'd-3-1']);
    const page = await post('/deployments/paginate', { limit: 2, page: 5 });
    expect(page.body).toEqual({ results: [], count: 3, limit: 2, pages: 2, page: 5 });
  });

  it('GET /deployments/name/{flow}/{deployment}, and 404s', async () => {
    const found = await get('/deployments/name/f-1/d-1-2');
    expect(found.status).toBe(200);
    expect(found.body).toMatchObject({ id: id.D12, paused: true, work_queue_name: 'test-queue-for-filters', work_pool_name: null });
    expect(found.body.schedules).toEqual([]);
    expect(await get('/deployments/name/f-3/d-1-2')).toMatchObject({ status: 404, body: { detail: 'Deployment not found' } });
    expect(await get(`/deployments/${crypto.randomUUID()}`)).toMatchObject({ status: 404, body: { detail: 'Deployment not found' } });
    const d11 = await get(`/deployments/${id.D11}`);
    expect(d11.body.schedules).toHaveLength(1);
    expect(d11.body.schedules[0].schedule.interval).toBe(3600);
  });
});
