/** POST /flow_runs/history, /task_runs/history and /flow_runs/lateness: buckets, filters, errors, cost. */
import { beforeEach, describe, expect, it } from 'vitest';
import { post, randomName, resetDb } from '../helpers';

const T0 = Date.parse('2031-01-01T00:00:00Z'); // in the future: scheduled runs there are not late
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

async function flow(): Promise<string> {
  return (await post('/flows/', { name: randomName('hist') })).body.id;
}

async function scheduledRun(flowId: string, seconds: number, name = 'Scheduled'): Promise<string> {
  const res = await post('/flow_runs/', {
    flow_id: flowId,
    state: { type: 'SCHEDULED', name, state_details: { scheduled_time: at(seconds) } },
  });
  expect(res.status).toBe(201);
  return res.body.id;
}

const history = (body: Record<string, unknown>, kind = 'flow_runs') =>
  post(`/${kind}/history`, { history_start: at(0), history_end: at(180), history_interval_seconds: 60, ...body });

beforeEach(resetDb);

describe('flow run history', () => {
  it('groups runs into interval buckets by state type and name, with empty buckets in between', async () => {
    const f = await flow();
    await scheduledRun(f, 0); // first instant of bucket 0
    await scheduledRun(f, 59.5);
    await scheduledRun(f, 60); // the edge belongs to the next bucket
    await scheduledRun(f, 61, 'Late');
    await scheduledRun(f, -1); // before the range
    const res = await history({});
    expect(res.status).toBe(200);
    expect(res.body.map((b: any) => [b.interval_start, b.interval_end])).toEqual([
      [at(0).replace('.000', ''), at(60).replace('.000', '')],
      [at(60).replace('.000', ''), at(120).replace('.000', '')],
      [at(120).replace('.000', ''), at(180).replace('.000', '')],
    ]);
    const row = (type: string, name: string, n: number) => ({
      state_type: type, state_name: name, count_runs: n, sum_estimated_run_time: 0, sum_estimated_lateness: 0,
    });
    expect(res.body[0].states).toEqual([row('SCHEDULED', 'Scheduled', 2)]);
    const sortByName = (s: any[]) => [...s].sort((a, b) => a.state_name.localeCompare(b.state_name));
    expect(sortByName(res.body[1].states)).toEqual([row('SCHEDULED', 'Late', 1), row('SCHEDULED', 'Scheduled', 1)]);
    expect(res.body[2].states).toEqual([]);
  });

  it('rounds the bucket count up, includes runs up to the last bucket end, and caps at 500 buckets', async () => {
    const f = await flow();
    await scheduledRun(f, 100); // after history_end (90) but inside the last bucket (60..120)
    const res = await history({ history_end: at(90) });
    expect(res.body).toHaveLength(2);
    expect(res.body[1].states[0].count_runs).toBe(1);
    const capped = await history({ history_end: at(100_000), history_interval_seconds: 1 });
    expect(capped.body).toHaveLength(500);
    expect(capped.body[499].interval_end).toBe(at(500).replace('.000', ''));
  });

  it('answers [] for an empty or reversed range, and takes fractional intervals', async () => {
    expect((await history({ history_end: at(0) })).body).toEqual([]);
    expect((await history({ history_end: at(-10) })).body).toEqual([]);
    const res = await history({ history_end: at(5), history_interval_seconds: 2.5 });
    expect(res.body.map((b: any) => b.interval_end)).toEqual([at(2.5).replace('500Z', '500000Z'), at(5).replace('.000', '')]);
  });

  it('applies the flow, flow run and deployment filters', async () => {
    const [a, b] = [await flow(), await flow()];
    await scheduledRun(a, 1);
    const b2 = await scheduledRun(b, 2);
    await scheduledRun(b, 3);
    const count = async (filters: Record<string, unknown>) =>
      (await history(filters)).body[0].states.reduce((n: number, s: any) => n + s.count_runs, 0);
    expect(await count({})).toBe(3);
    expect(await count({ flows: { id: { any_: [a] } } })).toBe(1);
    expect(await count({ flows: { id: { any_: [b] } } })).toBe(2);
    expect(await count({ flow_runs: { id: { any_: [b2] } } })).toBe(1);
    expect(await count({ deployments: {} })).toBe(0); // present filter: a deployment must exist
    expect(await count({ work_queues: { name: { any_: ['nope'] } } })).toBe(0);
  });

  it('sums lateness of runs not yet started that are past their scheduled time', async () => {
    const f = await flow();
    const start = new Date(Date.now() - 3600_000).toISOString();
    const res0 = await post('/flow_runs/', { flow_id: f, state: { type: 'SCHEDULED', state_details: { scheduled_time: start } } });
    expect(res0.status).toBe(201);
    const res = await post('/flow_runs/history', { history_start: start, history_end: new Date().toISOString(), history_interval_seconds: 86400 });
    expect(res.body[0].states[0].sum_estimated_lateness).toBeGreaterThanOrEqual(3599);
    const lateness = await post('/flow_runs/lateness', { flows: { id: { any_: [f] } } });
    expect(lateness.status).toBe(200);
    expect(lateness.body).toBeGreaterThanOrEqual(3599);
    expect((await post('/flow_runs/lateness', { flows: { name: { any_: ['none'] } } })).body).toBeNull();
  });

  it("rejects an interval under one second and missing fields with Prefect's 422 shapes", async () => {
    const small = await history({ history_interval_seconds: 0.5 });
    expect(small.status).toBe(422);
    expect(small.body).toEqual({ detail: 'History interval must not be less than 1 second.' });
    const missing = await post('/flow_runs/history', { history_start: at(0), history_interval_seconds: 5 });
    expect(missing.status).toBe(422);
    expect(missing.body.exception_detail).toEqual([{ type: 'missing', loc: ['body', 'history_end'], msg: 'Field required', input: null }]);
    const huge = await history({ history_interval_seconds: 1e20 }); // Prefect: 500
    expect(huge.status).toBe(422);
    expect(huge.body.detail).toContain('too large');
    const bad = await history({ history_interval_seconds: 'a' });
    expect(bad.status).toBe(422);
    expect(bad.body.exception_detail[0]).toMatchObject({ type: 'float_parsing', loc: ['body', 'history_interval_seconds'] });
  });

  it('costs the same number of statements for 1 run as for 30', async () => {
    const f = await flow();
    await scheduledRun(f, 1);
    const one = await history({});
    for (let i = 0; i < 29; i += 1) await scheduledRun(f, i * 5);
    const many = await history({});
    expect(many.headers.get('x-sql-statements')).toBe(one.headers.get('x-sql-statements'));
    expect(Number(one.headers.get('x-sql-statements'))).toBeLessThanOrEqual(2);
  });
});

describe('task run history', () => {
  it('counts task runs by their expected start time, filtered through their flow run', async () => {
    const f = await flow();
    const run = await scheduledRun(f, 1);
    const task = await post('/task_runs/', {
      flow_run_id: run, task_key: 'k', dynamic_key: '0', name: 't',
      state: { type: 'SCHEDULED', state_details: { scheduled_time: at(70) } },
    });
    expect(task.status).toBe(201);
    const res = await history({}, 'task_runs');
    expect(res.status).toBe(200);
    expect(res.body[1].states).toEqual([
      { state_type: 'SCHEDULED', state_name: 'Scheduled', count_runs: 1, sum_estimated_run_time: 0, sum_estimated_lateness: 0 },
    ]);
    expect((await history({ flows: { name: { any_: ['other'] } } }, 'task_runs')).body[1].states).toEqual([]);
  });
});
