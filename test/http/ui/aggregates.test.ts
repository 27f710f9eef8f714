/**
 * The UI's aggregates (POST /ui/...), each one SQL statement: shapes and values as Prefect 3.9.1 gives
 * them (compared by hand with its server; the compat suite has the differential cases).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { get, post, randomName } from '../helpers';

const RANDOM_ID = '7c0e3a4e-96a6-4d36-9c8c-000000000000';
const statements = (res: { headers: Headers }) => res.headers.get('x-sql-statements');

let flowA: string;
let flowB: string;
let flowC: string;
let scheduledSoon: string;
let runningRun: string;
let completedRun: string;
let taskDone: string;
let subflowTask: string;
const taskName = randomName('ui-task');

async function createRun(flowId: string, state: unknown, extra: Record<string, unknown> = {}) {
  const res = await post('/flow_runs/', { flow_id: flowId, name: randomName('ui-run'), state, ...extra });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as string;
}

async function createTask(flowRunId: string, key: string, state: unknown) {
  const res = await post('/task_runs/', { flow_run_id: flowRunId, task_key: key, dynamic_key: '0', name: taskName, state });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as string;
}

beforeAll(async () => {
  flowA = (await post('/flows/', { name: randomName('ui-a') })).body.id;
  flowB = (await post('/flows/', { name: randomName('ui-b') })).body.id;
  flowC = (await post('/flows/', { name: randomName('ui-c') })).body.id;
  for (const name of ['d1', 'd2']) expect((await post('/deployments/', { name, flow_id: flowA })).status).toBe(201);
  expect((await post('/deployments/', { name: 'd1', flow_id: flowB })).status).toBe(201);
  const scheduled = (at: string) => ({ type: 'SCHEDULED', state_details: { scheduled_time: at } });
  await createRun(flowA, scheduled('2031-01-01T00:00:00Z'));
  scheduledSoon = await createRun(flowA, scheduled('2030-06-01T12:00:00Z'));
  await createRun(flowB, { type: 'PENDING' });
  runningRun = await createRun(flowB, { type: 'RUNNING' });
  completedRun = await createRun(flowB, { type: 'COMPLETED' });
  taskDone = await createTask(runningRun, 'done', { type: 'COMPLETED' });
  await createTask(runningRun, 'failed', { type: 'FAILED' });
  subflowTask = await createTask(runningRun, 'subflow', { type: 'RUNNING' });
  await createRun(flowC, { type: 'RUNNING' }, { parent_task_run_id: subflowTask });
});

describe('POST /ui/flows/count-deployments', () => {
  it('counts each flow’s deployments, 0 for unknown ids, in the ids’ order, in one statement', async () => {
    const res = await post('/ui/flows/count-deployments', { flow_ids: [flowB, RANDOM_ID, flowA.toUpperCase(), flowB] });
    expect(res.status).toBe(200);
    expect(Object.entries(res.body)).toEqual([
      [flowB, 1],
      [RANDOM_ID, 0],
      [flowA, 2],
    ]);
    expect(statements(res)).toBe('1');
    expect((await post('/ui/flows/count-deployments', { flow_ids: [] })).body).toEqual({});
  });

  it('refuses bad bodies with Prefect’s 422s', async () => {
    const missing = await post('/ui/flows/count-deployments', {});
    expect(missing.status).toBe(422);
    expect(missing.body.exception_detail).toEqual([{ type: 'missing', loc: ['body', 'flow_ids'], msg: 'Field required', input: null }]);
    const tooMany = await post('/ui/flows/count-deployments', { flow_ids: Array.from({ length: 201 }, () => RANDOM_ID) });
    expect(tooMany.status).toBe(422);
    expect(tooMany.body.exception_detail[0]).toMatchObject({
      type: 'too_long',
      loc: ['body', 'flow_ids'],
      msg: 'List should have at most 200 items after validation, not 201',
    });
    const notUuid = await post('/ui/flows/count-deployments', { flow_ids: ['x'] });
    expect(notUuid.body.exception_detail[0]).toMatchObject({ type: 'uuid_parsing', loc: ['body', 'flow_ids', 0] });
    expect((await post('/ui/flows/count-deployments', { flow_ids: RANDOM_ID })).body.exception_detail[0].type).toBe('list_type');
    expect((await get('/ui/flows/count-deployments')).status).toBe(405);
  });
});

describe('POST /ui/flows/next-runs', () => {
  it('gives each flow its soonest SCHEDULED run, null when it has none, in one statement', async () => {
    const res = await post('/ui/flows/next-runs', { flow_ids: [flowA, flowB, RANDOM_ID] });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      [flowA]: {
        id: scheduledSoon,
        flow_id: flowA,
        name: expect.any(String),
        state_name: 'Scheduled',
        state_type: 'SCHEDULED',
        next_scheduled_start_time: '2030-06-01T12:00:00Z',
      },
      [flowB]: null,
      [RANDOM_ID]: null,
    });
    expect(statements(res)).toBe('1');
  });
});

describe('POST /ui/flow_runs/count-task-runs', () => {
  it('counts task runs per flow run, leaving out those that stand for subflows', async () => {
    const res = await post('/ui/flow_runs/count-task-runs', { flow_run_ids: [runningRun, completedRun, RANDOM_ID] });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ [runningRun]: 2, [completedRun]: 0, [RANDOM_ID]: 0 });
    expect(statements(res)).toBe('1');
  });
});

describe('POST /ui/flow_runs/history', () => {
  it('lists the matching runs as chart points, expected start time descending by default', async () => {
    const res = await post('/ui/flow_runs/history', { flows: { id: { any_: [flowA, flowB] } } });
    expect(res.status).toBe(200);
    expect(statements(res)).toBe('1');
    expect(res.body).toHaveLength(5);
    expect(Object.keys(res.body[0]).sort()).toEqual(['duration', 'id', 'lateness', 'state_type', 'timestamp']);
    // The two scheduled runs lie in the future, so they come first; the later one first.
    expect(res.body[1]).toEqual({ id: scheduledSoon, state_type: 'SCHEDULED', timestamp: '2030-06-01T12:00:00Z', duration: 0, lateness: 0 });
    const running = res.body.find((p: { id: string }) => p.id === runningRun);
    expect(running.duration).toBeGreaterThanOrEqual(0);
    const times = res.body.map((p: { timestamp: string }) => p.timestamp);
    const asc = await post('/ui/flow_runs/history', { flows: { id: { any_: [flowA, flowB] } }, sort: 'EXPECTED_START_TIME_ASC', limit: 2, offset: 1 });
    expect(asc.body).toHaveLength(2);
    expect(asc.body[1].id).not.toBe(res.body[0].id);
    expect(times[0] >= times[1]).toBe(true);
  });

  it('limit is at most 1000 (Prefect’s 422), and never negative', async () => {
    const tooBig = await post('/ui/flow_runs/history', { limit: 1001 });
    expect(tooBig.status).toBe(422);
    expect(tooBig.body.exception_detail).toEqual([
      { type: 'less_than_equal', loc: ['body', 'limit'], msg: 'Input should be less than or equal to 1000', input: 1001, ctx: { le: 1000 } },
    ]);
    expect((await post('/ui/flow_runs/history', { limit: -1 })).status).toBe(422);
  });
});

describe('POST /ui/task_runs/count', () => {
  it('counts by state type, every type present', async () => {
    const res = await post('/ui/task_runs/count', { task_runs: { name: { any_: [taskName] } } });
    expect(res.status).toBe(200);
    expect(statements(res)).toBe('1');
    expect(res.body).toEqual({ COMPLETED: 1, PENDING: 0, RUNNING: 1, FAILED: 1, CANCELLED: 0, CRASHED: 0, PAUSED: 0, CANCELLING: 0, SCHEDULED: 0 });
    expect(Object.keys(res.body)).toEqual(['COMPLETED', 'PENDING', 'RUNNING', 'FAILED', 'CANCELLED', 'CRASHED', 'PAUSED', 'CANCELLING', 'SCHEDULED']);
    const byFlow = await post('/ui/task_runs/count', { flows: { id: { any_: [flowA] } } });
    expect(Object.values(byFlow.body).every((n) => n === 0)).toBe(true);
  });
});

describe('POST /ui/task_runs/dashboard/counts', () => {
  it('puts finished task runs in 20 buckets of start time, failed apart from completed', async () => {
    const after = new Date(Date.now() - 3600_000).toISOString();
    const res = await post('/ui/task_runs/dashboard/counts', { task_runs: { start_time: { after_: after }, name: { any_: [taskName] } } });
    expect(res.status).toBe(200);
    expect(statements(res)).toBe('1');
    expect(res.body).toHaveLength(20);
    const total = res.body.reduce((s: { completed: number; failed: number }, b: { completed: number; failed: number }) => ({ completed: s.completed + b.completed, failed: s.failed + b.failed }), { completed: 0, failed: 0 });
    // The RUNNING task is not finished; a state filter of the caller's is replaced by the terminal types.
    expect(total).toEqual({ completed: 1, failed: 1 });
    expect(res.body[19]).toEqual({ completed: 1, failed: 1 });
    const withState = await post('/ui/task_runs/dashboard/counts', {
      task_runs: { start_time: { after_: after }, name: { any_: [taskName] }, state: { type: { any_: ['RUNNING'] } } },
    });
    expect(withState.body).toEqual(res.body);
    const elsewhere = await post('/ui/task_runs/dashboard/counts', {
      task_runs: { start_time: { after_: after }, name: { any_: [taskName] } },
      work_pools: { name: { any_: ['no-such-pool'] } },
    });
    expect(elsewhere.body.every((b: { completed: number; failed: number }) => b.completed === 0 && b.failed === 0)).toBe(true);
  });

  it('requires task_runs.start_time.after_', async () => {
    const res = await post('/ui/task_runs/dashboard/counts', { task_runs: {} });
    expect([res.status, res.body]).toEqual([422, { detail: 'task_runs.start_time.after_ is required' }]);
    const missing = await post('/ui/task_runs/dashboard/counts', {});
    expect(missing.body.exception_detail[0]).toMatchObject({ type: 'missing', loc: ['body', 'task_runs'] });
  });
});

describe('GET /ui/task_runs/{id}', () => {
  it('is the task run with its flow run’s name', async () => {
    const [res, plain] = [await get(`/ui/task_runs/${taskDone}`), await get(`/task_runs/${taskDone}`)];
    expect(res.status).toBe(200);
    expect(statements(res)).toBe('1');
    const run = await get(`/flow_runs/${runningRun}`);
    const { estimated_run_time: _a, estimated_start_time_delta: _b, ...rest } = plain.body;
    expect(res.body).toMatchObject({ ...rest, flow_run_name: run.body.name });
    expect(Object.keys(res.body)).toEqual([...Object.keys(plain.body), 'flow_run_name']);
    const missing = await get(`/ui/task_runs/${RANDOM_ID}`);
    expect([missing.status, missing.body]).toEqual([404, { detail: 'Task not found' }]);
  });
});

describe('GET /ui-settings', () => {
  it('points the UI at this Worker’s /api, at the root only', async () => {
    const res = await get('/../ui-settings');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      api_url: 'http://edge.test/api',
      csrf_enabled: false,
      auth: null,
      flags: [],
      default_ui: 'v2',
      available_uis: ['v1', 'v2'],
      v1_base_url: '/',
      v2_base_url: '/v2',
    });
    expect((await get('/ui-settings')).status).toBe(404);
  });
});
