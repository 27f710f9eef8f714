/** One test per pitfall listed at the top of ../shared/spec/prefect-filters.md, over the canonical dataset. */
import { beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { get, post, withDb } from '../helpers';
import { seedCanonical, RUN_NAMES, type Canonical } from '../fixtures/canonical';

let id: Canonical;
beforeAll(async () => {
  id = await seedCanonical();
});

const count = async (path: string, body: unknown) => {
  const res = await post(path, body);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as number;
};
const runNames = async (body: unknown) => {
  const res = await post('/flow_runs/filter', body);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return (res.body as { name: string }[]).map((r) => r.name);
};

describe('pitfalls', () => {
  it('pitfall 1: a present but empty top-level filter requires the related row', async () => {
    expect(await count('/flow_runs/count', {})).toBe(12);
    expect(await count('/flow_runs/count', { deployments: {} })).toBe(4);
    expect(await count('/flow_runs/count', { task_runs: {} })).toBe(5);
    expect(await count('/flows/count', { flow_runs: {} })).toBe(4);
    expect(await count('/deployments/count', { flow_runs: {} })).toBe(3);
    expect(await count('/deployments/count', { work_pool_queues: {} })).toBe(1);
    expect(await count('/task_runs/count', { flow_runs: {} })).toBe(10);
  });

  it('pitfall 2: an empty sub-object inside or_ is TRUE, so the OR matches everything', async () => {
    expect(await count('/flows/count', { flows: { operator: 'or_', name: {}, tags: { all_: ['blue'] } } })).toBe(4);
    expect(await count('/flows/count', { flows: { operator: 'or_', name: null, tags: { all_: ['blue'] } } })).toBe(1);
    expect(await count('/deployments/count', { deployments: { operator: 'or_', tags: {}, paused: { eq_: true } } })).toBe(3);
  });

  it('pitfall 3: any_ [] matches nothing; not_any_ [], all_ [], like_ "" and startswith_ [] are no-ops', async () => {
    expect(await count('/flows/count', { flows: { name: { any_: [] } } })).toBe(0);
    expect(await count('/flows/count', { flows: { id: { not_any_: [] } } })).toBe(4);
    expect(await count('/flows/count', { flows: { tags: { all_: [] } } })).toBe(4);
    expect(await count('/flows/count', { flows: { name: { like_: '' } } })).toBe(4);
    expect(await count('/deployments/count', { work_pool_queues: { name: { startswith_: [] } } })).toBe(1);
    const queues = await post('/work_queues/filter', { work_queues: { name: { startswith_: [] } } });
    expect(queues.body).toHaveLength(1);
  });

  it('pitfall 4: not_any_ excludes rows whose column is NULL', async () => {
    expect(await count('/flow_runs/count', { flow_runs: { state: { name: { not_any_: ['Completed'] } } } })).toBe(6);
    expect(await count('/flow_runs/count', { flow_runs: { idempotency_key: { not_any_: ['x'] } } })).toBe(0);
  });

  it('pitfall 5: like_ is case-insensitive, its wildcards are live, and its value is a bind parameter', async () => {
    expect(await runNames({ flow_runs: { name: { like_: 'PARENT' } } })).toEqual(['parent']);
    expect(await count('/flow_runs/count', { flow_runs: { name: { like_: 'd_ck' } } })).toBe(4);
    expect(await count('/flow_runs/count', { flow_runs: { name: { like_: "x' or 1=1 --" } } })).toBe(0);
    expect(await count('/flows/count', { flows: { name: { like_: '%-%' } } })).toBe(4);
  });

  it('pitfall 6: tags.is_null_ tests for the empty list', async () => {
    expect(await count('/flows/count', { flows: { tags: { is_null_: true } } })).toBe(2);
    expect(await count('/deployments/count', { deployments: { tags: { is_null_: true } } })).toBe(3);
    expect(await count('/task_runs/count', { task_runs: { tags: { is_null_: false } } })).toBe(0);
  });

  it('pitfall 7: a state sub-filter with both any_ and not_any_ applies both (3.9.1; 3.8.8 dropped it)', async () => {
    const body = { flow_runs: { state: { type: { any_: ['FAILED'] }, name: { any_: ['Completed', 'Failed'], not_any_: ['Completed'] } } } };
    expect(await count('/flow_runs/count', body)).toBe(2);
    const none = { flow_runs: { state: { type: { any_: ['FAILED'] }, name: { any_: ['Failed'], not_any_: ['Failed'] } } } };
    expect(await count('/flow_runs/count', none)).toBe(0);
    // Under or_ at the run level, the sub-filter is applied, not turned into TRUE.
    const orBody = {
      flow_runs: { operator: 'or_', state: { type: { any_: ['COMPLETED'], not_any_: ['FAILED'] } }, name: { any_: ['parent'] } },
    };
    expect(await count('/flow_runs/count', orBody)).toBeLessThan(12);
    expect(await count('/flow_runs/count', orBody)).toBe(
      await count('/flow_runs/count', { flow_runs: { operator: 'or_', state: { type: { any_: ['COMPLETED'] } }, name: { any_: ['parent'] } } }),
    );
  });

  it('pitfall 8: flow-run start bounds use COALESCE(start_time, expected_start_time); task-run ones do not', async () => {
    expect(await runNames({ flow_runs: { name: { any_: ['fr-3-2'] }, start_time: { after_: '2000-01-01' } } })).toEqual(['fr-3-2']);
    expect(await count('/task_runs/count', { task_runs: { start_time: { after_: '2000-01-01' } } })).toBe(7);
    await withDb((db) => db.execute(sql`update task_run set start_time = null where id = ${id.T1}`));
    try {
      expect(await count('/task_runs/count', { task_runs: { start_time: { after_: '2000-01-01' } } })).toBe(6);
      expect(await count('/task_runs/count', { task_runs: { expected_start_time: { after_: '2000-01-01' } } })).toBe(7);
    } finally {
      await withDb((db) => db.execute(sql`update task_run set start_time = expected_start_time where id = ${id.T1}`));
    }
  });

  it('pitfall 9: the task-run flow_run_id filter defaults to is_null_ false', async () => {
    const background = crypto.randomUUID();
    await withDb((db) =>
      db.execute(sql`insert into task_run (id, name, task_key, dynamic_key) values (${background}, 'background', 'bg', '0')`),
    );
    try {
      expect(await count('/task_runs/count', {})).toBe(11);
      expect(await count('/task_runs/count', { task_runs: {} })).toBe(11);
      expect(await count('/task_runs/count', { task_runs: { flow_run_id: {} } })).toBe(10);
      expect(await count('/task_runs/count', { task_runs: { flow_run_id: { is_null_: true } } })).toBe(1);
      expect(await count('/task_runs/count', { task_runs: { flow_run_id: { is_null_: null } } })).toBe(11);
      expect(await count('/task_runs/count', { task_runs: { flow_run_id: { is_null_: null, any_: [id.R7] } } })).toBe(3);
      // Any flow-run-side filter excludes background tasks.
      expect(await count('/task_runs/count', { flows: {} })).toBe(10);
    } finally {
      await withDb((db) => db.execute(sql`delete from task_run where id = ${background}`));
    }
  });

  it('pitfall 10: work_queue_name filters the stored column; responses derive it from the queue', async () => {
    expect(await count('/flow_runs/count', { flow_runs: { work_queue_name: { any_: ['default'] } } })).toBe(0);
    expect(await count('/flow_runs/count', { work_pool_queues: { name: { any_: ['default'] } } })).toBe(1);
    expect(await count('/flow_runs/count', { flow_runs: { work_queue_name: { is_null_: true } } })).toBe(12);
    const r9 = await get(`/flow_runs/${id.R9}`);
    expect(r9.body).toMatchObject({ work_queue_name: 'default', work_queue_id: id.WQd, work_pool_name: 'Test Pool', work_pool_id: id.pool });
  });

  it('pitfall 11: DESC puts NULLs first, ASC last (ties broken by id, our documented addition)', async () => {
    const desc = await runNames({ sort: 'EXPECTED_START_TIME_DESC' });
    expect(desc.slice(0, 2).sort()).toEqual(['child', 'parent']);
    const asc = await runNames({ sort: 'EXPECTED_START_TIME_ASC' });
    expect(asc.slice(-2).sort()).toEqual(['child', 'parent']);
    expect(asc[0]).toBe(RUN_NAMES.R1);
    // The tie between P and C (both NULL) follows id: DESC for the DESC sort, ASC for the ASC sort.
    const [lo, hi] = [id.P!, id.C!].sort();
    const nameOf = (x: string) => (x === id.P ? 'parent' : 'child');
    expect(desc.slice(0, 2)).toEqual([nameOf(hi!), nameOf(lo!)]);
    expect(asc.slice(-2)).toEqual([nameOf(lo!), nameOf(hi!)]);
  });

  it('pitfall 12: limit errors are {"detail"} 422s with a maximum of 200; others use the validation shape', async () => {
    for (const path of ['/flows/filter', '/flow_runs/filter', '/task_runs/filter', '/deployments/filter', '/work_pools/filter', '/work_queues/filter']) {
      expect(await post(path, { limit: 201 }), path).toMatchObject({ status: 422, body: { detail: 'Invalid limit: must be less than or equal to 200.' } });
      expect((await post(path, { limit: 200 })).status, path).toBe(200);
    }
    const bad = await post('/deployments/filter', { offset: 'x' });
    expect(bad.body).toMatchObject({ exception_message: 'Invalid request received.' });
  });

  it('pitfall 13: filter objects reject unknown keys at every level; unknown top-level keys are ignored', async () => {
    const deep = await post('/flow_runs/count', { flow_runs: { state: { type: { any_: ['FAILED'], foo: 1 } } } });
    expect(deep.status).toBe(422);
    expect(deep.body.exception_detail[0]).toMatchObject({ type: 'extra_forbidden', loc: ['body', 'flow_runs', 'state', 'type', 'foo'] });
    const pools = await post('/work_pools/filter', { work_pools: { name: { any_: ['x'], like_: 'x' } } });
    expect(pools.status).toBe(422);
    // task_runs endpoints ignore a work_pools key entirely, as Prefect does.
    expect(await count('/task_runs/count', { work_pools: { name: { any_: ['nope'] } } })).toBe(10);
    expect(await count('/flows/count', { work_pool_queues: { name: { any_: ['nope'] } } })).toBe(4);
  });

  it('pitfall 14: naive datetimes are UTC; bounds are inclusive to the microsecond', async () => {
    // T2 ends at 2024-01-01T00:31:00Z in the fixture.
    const ends = (bound: Record<string, string>) =>
      count('/task_runs/count', { task_runs: { name: { any_: ['task-run-2'] }, end_time: bound } });
    expect(await ends({ before_: '2024-01-01T00:31:00' })).toBe(1);
    expect(await ends({ after_: '2024-01-01 00:31:00' })).toBe(1);
    expect(await ends({ after_: '2024-01-01T01:31:00+01:00' })).toBe(1);
    expect(await ends({ after_: '2024-01-01T00:31:00.000001' })).toBe(0);
    expect(await ends({ before_: '2024-01-01T00:30:59.9999999' })).toBe(0);
    expect(await ends({ after_: String(Date.UTC(2024, 0, 1, 0, 31) / 1000) })).toBe(1);
  });
});
