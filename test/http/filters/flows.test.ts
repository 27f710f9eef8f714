/** Spec §5.2 cases 1–11: /flows/filter and /flows/count over the canonical dataset. */
import { beforeAll, describe, expect, it } from 'vitest';
import { post } from '../helpers';
import { seedCanonical, type Canonical } from '../fixtures/canonical';

let id: Canonical;
beforeAll(async () => {
  id = await seedCanonical();
});

const count = async (body: unknown) => {
  const res = await post('/flows/count', body);
  expect(res.status).toBe(200);
  return res.body as number;
};
const names = async (body: unknown) => {
  const res = await post('/flows/filter', body);
  expect(res.status).toBe(200);
  return (res.body as { name: string }[]).map((f) => f.name);
};

describe('flows: spec §5.2', () => {
  it('case 1: count {} is 4; filter {} lists all flows by NAME_ASC', async () => {
    expect(await count({})).toBe(4);
    expect(await names({})).toEqual(['f-1', 'f-2', 'f-3', 'f-4']);
  });

  it('case 2: name any_ is an exact match', async () => {
    expect(await count({ flows: { name: { any_: ['f-1', 'f-100'] } } })).toBe(1);
  });

  it('case 3: name like_ is a substring match', async () => {
    expect(await count({ flows: { name: { like_: 'f' } } })).toBe(4);
    expect(await count({ flows: { name: { like_: '1' } } })).toBe(1);
  });

  it('case 4: tags all_', async () => {
    expect(await count({ flows: { tags: { all_: ['db'] } } })).toBe(2);
    expect(await count({ flows: { tags: { all_: ['db', 'blue'] } } })).toBe(1);
    expect(await count({ flows: { tags: { all_: ['db', 'red'] } } })).toBe(0);
  });

  it('case 5: a flow_runs filter counts each flow once', async () => {
    expect(await count({ flow_runs: { tags: { all_: ['db', 'red'] } } })).toBe(3);
  });

  it('case 6: flow_runs tags is_null_ means an empty tag list', async () => {
    expect(await count({ flow_runs: { tags: { is_null_: true } } })).toBe(3);
  });

  it('case 7: task_runs filter reaches flows through their runs', async () => {
    expect(await count({ task_runs: { name: { like_: '2a' } } })).toBe(1);
  });

  it('case 8: deployments filter; an empty one requires a deployment', async () => {
    expect(await count({ deployments: { name: { like_: 'd-1' } } })).toBe(1);
    expect(await names({ deployments: {} })).toEqual(['f-1', 'f-3']);
  });

  it('case 9: flows.deployment.is_null_', async () => {
    expect(await names({ flows: { deployment: { is_null_: true } } })).toEqual(['f-2', 'f-4']);
    expect(await names({ flows: { deployment: { is_null_: false } } })).toEqual(['f-1', 'f-3']);
  });

  it('case 10: subflow runs and parent_task_run_id', async () => {
    expect(await count({ task_runs: { subflow_runs: { exists_: true } } })).toBe(1);
    expect(await count({ flow_runs: { parent_task_run_id: { is_null_: false } } })).toBe(1);
  });

  it('case 11: work_pools filter goes through deployments, not runs', async () => {
    expect(await names({ work_pools: { name: { any_: ['Test Pool'] } } })).toEqual(['f-3']);
  });

  it('flows/paginate returns a page and the total', async () => {
    const res = await post('/flows/paginate', { limit: 3, page: 2 });
    expect(res.body).toEqual({ results: [expect.objectContaining({ name: 'f-4' })], count: 4, limit: 3, pages: 2, page: 2 });
    expect(id.F1).toBeDefined();
  });
});
