/** Spec §5.2 cases 36–40: /task_runs/filter, /count and /paginate over the canonical dataset. */
import { beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { post, withDb } from '../helpers';
import { seedCanonical, TASK_NAMES, type Canonical } from '../fixtures/canonical';

let id: Canonical;
beforeAll(async () => {
  id = await seedCanonical();
});

const count = async (body: unknown) => {
  const res = await post('/task_runs/count', body);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as number;
};
const filter = async (body: unknown) => {
  const res = await post('/task_runs/filter', body);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return (res.body as { name: string }[]).map((r) => r.name);
};
const tasks = (...keys: string[]) => keys.map((k) => TASK_NAMES[k]!).sort();
const sorted = (xs: string[]) => [...xs].sort();
const dayAfterNow = () => new Date(Date.now() + 86_400_000).toISOString();

describe('task runs: spec §5.2', () => {
  it('case 36: counts through flows, task_runs, flow_runs and deployments', async () => {
    expect(await count({})).toBe(10);
    expect(await count({ flows: { name: { any_: ['f-1'] } } })).toBe(3);
    expect(await count({ task_runs: { name: { like_: 'run-2' } } })).toBe(2);
    expect(await count({ flow_runs: { tags: { all_: ['db', 'red'] } } })).toBe(0);
    expect(await count({ flow_runs: { tags: { is_null_: true } } })).toBe(4);
    expect(await count({ deployments: { id: { any_: [id.D11] } } })).toBe(3);
    expect(await count({ deployments: {} })).toBe(4);
    expect(sorted(await filter({ deployments: {} }))).toEqual(tasks('T1', 'T2', 'T3', 'T7'));
  });

  it('case 37: subflow_runs.exists_', async () => {
    expect(await filter({ task_runs: { subflow_runs: { exists_: true } } })).toEqual(['p-b']);
    expect((await filter({ task_runs: { subflow_runs: { exists_: false } } })).length).toBe(9);
  });

  it('case 38: end_time', async () => {
    expect(await count({ task_runs: { end_time: { is_null_: true } } })).toBe(5);
    expect(await count({ task_runs: { end_time: { is_null_: false } } })).toBe(5);
    expect(await count({ task_runs: { end_time: { before_: dayAfterNow() } } })).toBe(5);
    expect(await count({ task_runs: { end_time: { after_: dayAfterNow() } } })).toBe(0);
  });

  it('case 39: flow_run_id defaults to is_null_ false; is_null_ true ignores any_', async () => {
    expect(await count({ task_runs: { flow_run_id: {} } })).toBe(10);
    expect(await count({ task_runs: { flow_run_id: { is_null_: true, any_: [id.R1] } } })).toBe(0);
    expect(await count({ task_runs: { flow_run_id: { any_: [id.R1] } } })).toBe(3);
  });

  it('case 40: state type and name; NAME_ASC', async () => {
    const body = { task_runs: { state: { type: { any_: ['COMPLETED'] }, name: { any_: ['Completed'] } } } };
    expect(sorted(await filter(body))).toEqual(tasks('T2', 'T3', 'T5', 'T6'));
    expect(await filter({ sort: 'NAME_ASC' })).toEqual([
      'c-a', 'p-a', 'p-b', 'task-run-1', 'task-run-2', 'task-run-2a', 'tr-2-2-a', 'tr-2-2-b', 'tr-2-2-c', 'tr-3-1-a',
    ]);
  });

  it('paginate returns the reduced task-run shape', async () => {
    const res = await post('/task_runs/paginate', { limit: 4, page: 3, sort: 'NAME_ASC' });
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: { name: string }) => r.name)).toEqual(['tr-2-2-c', 'tr-3-1-a']);
    expect(res.body).toMatchObject({ count: 10, limit: 4, pages: 3, page: 3 });
    expect(res.body.results[0]).not.toHaveProperty('dynamic_key');
    expect(Object.keys(res.body.results[0])).toContain('estimated_start_time_delta');
  });

  it('DURATION_DESC / DURATION_ASC sort by estimated run time, ties by newest expected start (3.9.1)', async () => {
    await withDb((db) =>
      db.execute(sql`update task_run set total_run_time = case id when ${id.T1} then interval '3000 years'
        when ${id.T2} then interval '1000 years' when ${id.T3} then interval '2000 years' else interval '0' end`),
    );
    try {
      const [t1, t2, t3] = [TASK_NAMES.T1!, TASK_NAMES.T2!, TASK_NAMES.T3!];
      const desc = await filter({ sort: 'DURATION_DESC' });
      expect(desc.slice(0, 3)).toEqual([t1, t3, t2]);
      const asc = await filter({ sort: 'DURATION_ASC' });
      expect(asc.slice(-3)).toEqual([t2, t3, t1]);
      const res = await post('/task_runs/filter', { sort: 'DURATION_ASC' });
      type Row = { name: string; expected_start_time: string | null; state: { type: string } | null };
      const idle = (res.body as Row[])
        .filter((r) => r.state?.type !== 'RUNNING' && ![t1, t2, t3].includes(r.name))
        .map((r) => r.expected_start_time ?? '\uffff'); // DESC puts NULLs first
      expect(idle).toEqual([...idle].sort().reverse());
    } finally {
      await withDb((db) => db.execute(sql`update task_run set total_run_time = interval '0'`));
    }
  });

  it('GET /task_runs/{id} and its 404', async () => {
    const ok = await post('/task_runs/filter', { task_runs: { id: { any_: [id.T7] } } });
    expect(ok.body[0].state.type).toBe('FAILED');
    const { get } = await import('../helpers');
    const one = await get(`/task_runs/${id.T7}`);
    expect(one.status).toBe(200);
    expect(one.body.name).toBe('tr-3-1-a');
    const missing = await get(`/task_runs/${crypto.randomUUID()}`);
    expect(missing).toMatchObject({ status: 404, body: { detail: 'Task not found' } });
  });
});
