/**
 * ../shared/spec/prefect-filters.md §5.2 cases 52, 54, 55 and 56 (the flow / deployment parts) on the
 * canonical dataset, checked through the HTTP read endpoints.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { del, get, post } from '../helpers';
import { POOL_NAME, seedCanonical, type Canonical } from '../fixtures/canonical';

let ids: Canonical;

beforeAll(async () => {
  ids = await seedCanonical();
});

describe('§5.2 create / delete cases', () => {
  it('52: POST /flows/ with an existing name returns it unchanged (200); bad names and extra keys are 422', async () => {
    const res = await post('/flows/', { name: 'f-1', tags: ['new'] });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: ids.F1, name: 'f-1', tags: ['db', 'blue'] });
    const slash = await post('/flows/', { name: 'a/b' });
    expect(slash.status).toBe(422);
    expect(slash.body.exception_detail[0].type).toBe('string_pattern_mismatch');
    const extra = await post('/flows/', { name: 'zz', foo: 1 });
    expect(extra.status).toBe(422);
    expect(extra.body.exception_detail[0]).toMatchObject({ type: 'extra_forbidden', loc: ['body', 'foo'] });
  });

  it('54: POST /deployments/ creates (201) and upserts (200) keeping the id and the limit', async () => {
    const body = { name: 'api-dep', flow_id: ids.F2, work_pool_name: POOL_NAME, schedules: [{ schedule: { interval: 3600 } }], concurrency_limit: 3 };
    const created = await post('/deployments/', body);
    expect(created.status).toBe(201);
    const d = created.body;
    expect(d).toMatchObject({
      work_queue_name: 'default',
      work_pool_name: POOL_NAME,
      concurrency_limit: null,
      status: 'NOT_READY',
      pull_steps: [],
      parameter_openapi_schema: {},
      enforce_parameter_schema: true,
      global_concurrency_limit: { name: `deployment:${d.id}`, limit: 3 },
    });
    expect(d.schedules).toHaveLength(1);
    expect(d.schedules[0].schedule.interval).toBe(3600.0);
    const upserted = await post('/deployments/', { name: 'api-dep', flow_id: ids.F2, work_pool_name: POOL_NAME, description: 'upd' });
    expect(upserted.status).toBe(200);
    expect(upserted.body).toMatchObject({ id: d.id, schedules: [], tags: d.tags, description: 'upd', global_concurrency_limit: { id: d.global_concurrency_limit.id } });
    expect((await get(`/deployments/${d.id}`)).body.description).toBe('upd');
  });

  it('55: DELETE /deployments/D11 leaves its runs with a dangling deployment_id', async () => {
    expect((await del(`/deployments/${ids.D11}`)).status).toBe(204);
    expect((await get(`/flow_runs/${ids.R1}`)).body.deployment_id).toBe(ids.D11);
    expect((await post('/flow_runs/count', { flow_runs: { deployment_id: { any_: [ids.D11] } } })).body).toBe(2);
    expect((await post('/flow_runs/count', { deployments: { id: { any_: [ids.D11] } } })).body).toBe(0);
    expect((await get(`/deployments/${ids.D11}`)).status).toBe(404);
  });

  it('56: DELETE /flows/F3 cascades to its runs and deployments', async () => {
    expect((await del(`/flows/${ids.F3}`)).status).toBe(204);
    expect((await post('/flow_runs/count', { flows: { name: { any_: ['f-3'] } } })).body).toBe(0);
    expect((await post('/flow_runs/count', { flow_runs: { id: { any_: [ids.R9, ids.R10] } } })).body).toBe(0);
    expect((await get(`/deployments/${ids.D31}`)).status).toBe(404);
    expect((await get(`/flows/${ids.F3}`)).body).toEqual({ detail: 'Flow not found' });
  });
});
