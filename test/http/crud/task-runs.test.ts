/** POST /task_runs/, PATCH / DELETE /task_runs/{id}, POST /task_runs/{id}/set_state. */
import { beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { del, patch, post, randomName, withDb } from '../helpers';
import { hexUpper, taskRunById } from './support';

let flowId: string;

async function insertFlowRun(stateType: string | null = 'RUNNING', runCount = 1) {
  const res = await withDb((db) =>
    db.execute(sql`insert into flow_run (flow_id, name, state_type, state_name, run_count, labels)
      values (${flowId}, ${randomName('run')}, ${stateType}, ${stateType ? 'x' : null}, ${runCount}, '{"from": "flow-run", "team": "a"}'::jsonb)
      returning id`),
  );
  return (res.rows[0] as { id: string }).id;
}

const newTask = async (extra: Record<string, unknown> = {}) =>
  (await post('/task_runs/', { task_key: randomName('task'), dynamic_key: '0', flow_run_id: await insertFlowRun(), ...extra })).body;

beforeAll(async () => {
  flowId = (await post('/flows/', { name: randomName('flow') })).body.id;
});

describe('POST /task_runs/', () => {
  it('creates a PENDING task run (201) with its first state and bookkeeping; same keys → 200 unchanged', async () => {
    const flowRunId = await insertFlowRun();
    const body = { task_key: 'my-task', dynamic_key: '3', flow_run_id: flowRunId, labels: { team: 'b' }, tags: ['x'] };
    const res = await post('/task_runs/', body);
    expect(res.status).toBe(201);
    const t = res.body;
    expect(t).toMatchObject({
      flow_run_id: flowRunId,
      task_key: 'my-task',
      dynamic_key: '3',
      tags: ['x'],
      labels: { from: 'flow-run', team: 'b', 'prefect.flow-run.id': flowRunId },
      state_type: 'PENDING',
      state_name: 'Pending',
      run_count: 0,
      start_time: null,
      end_time: null,
    });
    expect(t.name).toMatch(/^[a-z]+-[a-z]+$/);
    expect(t.state).toMatchObject({ id: t.state_id, type: 'PENDING', name: 'Pending' });
    expect(t.state.state_details).toMatchObject({ flow_run_id: flowRunId, task_run_id: t.id });
    expect(t.expected_start_time).toBe(t.state.timestamp);
    const again = await post('/task_runs/', { ...body, name: 'other', state: { type: 'RUNNING' } });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(t.id);
    expect(again.body.name).toBe(t.name);
    expect(again.body.state_type).toBe('PENDING');
  });

  it('an initial RUNNING state sets start_time and run_count; COMPLETED sets start = end', async () => {
    const running = await newTask({ state: { type: 'RUNNING' } });
    expect(running).toMatchObject({ state_type: 'RUNNING', run_count: 1 });
    expect(running.start_time).toBe(running.state.timestamp);
    const done = await newTask({ state: { type: 'COMPLETED', data: { storage_key: 'k' } } });
    expect(done.start_time).toBe(done.end_time);
    expect(done.state.data).toEqual({ storage_key: 'k' });
    const scheduled = await newTask({ state: { type: 'SCHEDULED', state_details: { scheduled_time: '2030-01-01T00:00:00Z' } } });
    expect(scheduled).toMatchObject({ expected_start_time: '2030-01-01T00:00:00Z', next_scheduled_start_time: '2030-01-01T00:00:00Z' });
  });

  it('background tasks (no flow run) are idempotent on task key + dynamic key', async () => {
    const key = randomName('bg');
    const first = await post('/task_runs/', { task_key: key, dynamic_key: 'a', name: 'bg', empirical_policy: { max_retries: 2 } });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ flow_run_id: null, name: 'bg', labels: {} });
    expect(first.body.empirical_policy).toMatchObject({ retries: 2, max_retries: 2 });
    const second = await post('/task_runs/', { task_key: key, dynamic_key: 'a' });
    expect(second.status).toBe(200);
    expect(second.body.id).toBe(first.body.id);
  });

  it('uses a given id; task_inputs are validated', async () => {
    const id = crypto.randomUUID();
    const res = await newTask({ id, task_inputs: { x: [{ input_type: 'parameter', name: 'x' }, { input_type: 'task_run', id }] } });
    expect(res.id).toBe(id);
    expect(res.task_inputs).toEqual({ x: [{ input_type: 'parameter', name: 'x' }, { input_type: 'task_run', id }] });
    const bad = await post('/task_runs/', { task_key: 'k', dynamic_key: '0', task_inputs: { x: [{ input_type: 'nope' }] } });
    expect(bad.status).toBe(422);
  });

  it('409 for an unknown flow run; 422 for missing keys, unknown keys and bad states', async () => {
    const fk = await post('/task_runs/', { task_key: 'k', dynamic_key: '0', flow_run_id: crypto.randomUUID() });
    expect(fk.status).toBe(409);
    expect(fk.body.detail).toMatch(/^Data integrity conflict/);
    const missing = await post('/task_runs/', { task_key: 'k' });
    expect(missing.body.exception_detail[0]).toMatchObject({ type: 'missing', loc: ['body', 'dynamic_key'] });
    const extra = await post('/task_runs/', { task_key: 'k', dynamic_key: '0', bogus: 1 });
    expect(extra.body.exception_detail[0]).toMatchObject({ type: 'extra_forbidden', loc: ['body', 'bogus'] });
    const state = await post('/task_runs/', { task_key: 'k', dynamic_key: '0', state: { type: 'running' } });
    expect(state.body.exception_detail[0]).toMatchObject({ type: 'enum', loc: ['body', 'state', 'type'] });
    const stateExtra = await post('/task_runs/', { task_key: 'k', dynamic_key: '0', state: { type: 'RUNNING', timestamp: 'x' } });
    expect(stateExtra.body.exception_detail[0]).toMatchObject({ type: 'extra_forbidden', loc: ['body', 'state', 'timestamp'] });
  });
});

describe('PATCH / DELETE /task_runs/{id}', () => {
  it('renames (204); a null name gets a slug; 404 otherwise', async () => {
    const t = await newTask();
    expect((await patch(`/task_runs/${hexUpper(t.id)}`, { name: 'renamed' })).status).toBe(204);
    expect((await taskRunById(t.id))!.name).toBe('renamed');
    await patch(`/task_runs/${t.id}`, { name: null });
    expect((await taskRunById(t.id))!.name).toMatch(/^[a-z]+-[a-z]+$/);
    const missing = await patch(`/task_runs/${crypto.randomUUID()}`, { name: 'x' });
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ detail: 'Task run not found' });
    expect((await patch(`/task_runs/${t.id}`, { tags: [] })).status).toBe(422);
  });

  it('deletes (204) with its states; 404 after', async () => {
    const t = await newTask();
    expect((await del(`/task_runs/${t.id}`)).status).toBe(204);
    expect(await taskRunById(t.id)).toBeUndefined();
    const states = await withDb((db) => db.execute(sql`select count(*)::int as n from task_run_state where task_run_id = ${t.id}`));
    expect(states.rows[0]).toEqual({ n: 0 });
    const again = await del(`/task_runs/${t.id}`);
    expect(again.status).toBe(404);
    expect(again.body).toEqual({ detail: 'Task not found' });
    expect((await del('/task_runs/not-a-uuid')).body).toEqual({ detail: 'Not Found' });
  });
});

describe('POST /task_runs/{id}/set_state', () => {
  it('PENDING → RUNNING → COMPLETED: 201 ACCEPT each time, with run bookkeeping', async () => {
    const t = await newTask();
    const running = await post(`/task_runs/${t.id}/set_state`, { state: { type: 'RUNNING' } });
    expect(running.status).toBe(201);
    expect(running.body).toMatchObject({ status: 'ACCEPT', details: { type: 'accept_details' }, state: { type: 'RUNNING', name: 'Running' } });
    expect(Object.keys(running.body)).toEqual(['state', 'status', 'details']);
    const done = await post(`/task_runs/${t.id}/set_state`, { state: { type: 'COMPLETED', message: 'ok' } });
    expect(done.status).toBe(201);
    const after = await taskRunById(t.id);
    expect(after).toMatchObject({ state_type: 'COMPLETED', run_count: 1, flow_run_run_count: 1, state_id: done.body.state.id });
    expect(after!.start_time).toBe(running.body.state.timestamp);
    expect(after!.end_time).toBe(done.body.state.timestamp);
    expect(after!.total_run_time).toBeGreaterThanOrEqual(0);
    expect(done.body.state.state_details).toMatchObject({ task_run_id: t.id, flow_run_id: t.flow_run_id });
  });

  it('a task cannot run while its flow run is not RUNNING (ABORT, 200); force overrides', async () => {
    const flowRunId = await insertFlowRun('COMPLETED');
    const t = (await post('/task_runs/', { task_key: randomName('t'), dynamic_key: '0', flow_run_id: flowRunId })).body;
    const res = await post(`/task_runs/${t.id}/set_state`, { state: { type: 'RUNNING' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'ABORT',
      details: { type: 'abort_details', reason: 'The enclosing flow must be running to begin task execution.' },
      state: { id: t.state_id, type: 'PENDING' },
    });
    const forced = await post(`/task_runs/${t.id}/set_state`, { state: { type: 'RUNNING' }, force: true });
    expect(forced.status).toBe(201);
    expect(forced.body.status).toBe('ACCEPT');
  });

  it('terminal protections: no CRASHED after COMPLETED; a persisted result cannot be left', async () => {
    const t = await newTask({ state: { type: 'COMPLETED', data: { storage_key: 'k' } } });
    const crashed = await post(`/task_runs/${t.id}/set_state`, { state: { type: 'CRASHED' } });
    expect(crashed.body).toMatchObject({ status: 'ABORT', details: { reason: 'Run is already COMPLETED.' } });
    const rerun = await post(`/task_runs/${t.id}/set_state`, { state: { type: 'RUNNING' } });
    expect(rerun.status).toBe(200);
    expect(rerun.body).toMatchObject({ status: 'REJECT', details: { type: 'reject_details', reason: 'This run is already completed.' }, state: { id: t.state_id } });
  });

  it('404 in the model-level shape; 422 when the state is missing', async () => {
    const id = crypto.randomUUID();
    const missing = await post(`/task_runs/${id}/set_state`, { state: { type: 'RUNNING' } });
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ exception_message: `Task run with id ${id} not found` });
    const t = await newTask();
    const noState = await post(`/task_runs/${t.id}/set_state`, { force: true });
    expect(noState.status).toBe(422);
    expect(noState.body.exception_detail[0]).toMatchObject({ type: 'missing', loc: ['body', 'state'] });
  });
});
