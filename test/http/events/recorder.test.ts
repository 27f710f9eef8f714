/**
 * The task-run recorder: client `prefect.task-run.*` events become task runs and their state history,
 * as Prefect's recorder makes them (in order, out of order, repeated, with retries, matched by natural key).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { get, post, resetDb, withDb } from '../helpers';
import { at, count, event, eventCount, taskRunEvent } from './support';

let flowRunId: string;

beforeEach(async () => {
  await resetDb();
  flowRunId = await withDb(async (db) => {
    const flow = (await db.execute(sql`INSERT INTO flow (name) VALUES ('recorded') RETURNING id`)).rows[0] as { id: string };
    return ((await db.execute(sql`INSERT INTO flow_run (name, flow_id) VALUES ('r', ${flow.id}) RETURNING id`)).rows[0] as { id: string }).id;
  });
});

const send = async (...events: unknown[]) => expect((await post('/events', events)).status).toBe(204);
const history = async (taskRunId: string) =>
  ((await get(`/task_run_states/?task_run_id=${taskRunId}`)).body as any[]).map((s) => `${s.type}/${s.name}`);

function lifecycle(taskRunId: string) {
  return {
    pending: taskRunEvent({ taskRunId, flowRunId, type: 'PENDING', occurred: at(1) }),
    running: taskRunEvent({ taskRunId, flowRunId, type: 'RUNNING', occurred: at(2), runCount: 1, taskRun: { run_count: 1 } }),
    completed: taskRunEvent({
      taskRunId,
      flowRunId,
      type: 'COMPLETED',
      occurred: at(3),
      runCount: 1,
      taskRun: { run_count: 1, start_time: at(2), end_time: at(3), total_run_time: 0.000001 },
    }),
  };
}

describe('task-run recorder', () => {
  it('in order: the run follows its events, with the whole history', async () => {
    const id = crypto.randomUUID();
    const { pending, running, completed } = lifecycle(id);
    await send(pending);
    expect((await get(`/task_runs/${id}`)).body).toMatchObject({ state_type: 'PENDING', flow_run_id: flowRunId, run_count: 0 });
    await send(running);
    await send(completed);
    const run = (await get(`/task_runs/${id}`)).body;
    expect(run).toMatchObject({
      id,
      name: 'my-task-abc',
      flow_run_id: flowRunId,
      task_key: 'my_task-1234',
      dynamic_key: '0',
      state_type: 'COMPLETED',
      state_name: 'Completed',
      state_id: completed.id,
      run_count: 1,
      flow_run_run_count: 1,
      start_time: at(2),
      end_time: at(3),
      expected_start_time: at(3),
      task_inputs: { x: [] },
      empirical_policy: { max_retries: 0, retry_delay_seconds: 0, retries: 0, retry_delay: 0, retry_jitter_factor: null },
    });
    expect(run.state).toMatchObject({ id: completed.id, type: 'COMPLETED', timestamp: at(3), message: '' });
    expect(run.state.state_details).toMatchObject({ task_run_id: id, flow_run_id: flowRunId });
    expect(await history(id)).toEqual(['PENDING/Pending', 'RUNNING/Running', 'COMPLETED/Completed']);
    const [first] = (await get(`/task_run_states/?task_run_id=${id}`)).body;
    expect(first.id).toBe(pending.id);
    expect((await get(`/task_run_states/${pending.id}`)).body).toMatchObject({ id: pending.id, type: 'PENDING' });
    expect((await post('/task_runs/filter', { flow_runs: { id: { any_: [flowRunId] } } })).body).toHaveLength(1);
    expect((await post('/task_runs/count', {})).body).toBe(1);
  });

  it('out of order: an older state joins the history but never moves the run back', async () => {
    const id = crypto.randomUUID();
    const { pending, running, completed } = lifecycle(id);
    await send(completed);
    await send(running);
    await send(pending);
    expect((await get(`/task_runs/${id}`)).body).toMatchObject({ state_type: 'COMPLETED', state_id: completed.id, end_time: at(3) });
    expect(await history(id)).toEqual(['PENDING/Pending', 'RUNNING/Running', 'COMPLETED/Completed']);
  });

  it('within one batch, the latest state wins whatever the order of arrival', async () => {
    const id = crypto.randomUUID();
    const { pending, running, completed } = lifecycle(id);
    await send(running, completed, pending);
    expect((await get(`/task_runs/${id}`)).body).toMatchObject({ state_type: 'COMPLETED', state_id: completed.id });
    expect(await history(id)).toHaveLength(3);
  });

  it('a repeated event changes nothing and adds no state', async () => {
    const id = crypto.randomUUID();
    const { pending, running } = lifecycle(id);
    await send(pending, running);
    // Without estimated_run_time: for a RUNNING run it grows with the clock.
    const stored = async () => {
      const { estimated_run_time: _, ...rest } = (await get(`/task_runs/${id}`)).body;
      return rest;
    };
    const before = await stored();
    await send(running);
    await send(running, pending);
    expect(await stored()).toEqual(before);
    expect(await history(id)).toEqual(['PENDING/Pending', 'RUNNING/Running']);
    expect(await eventCount()).toBe(2);
  });

  it('retries: the Retrying state and the run count, as the SDK reports them', async () => {
    const id = crypto.randomUUID();
    const policy = { retries: 2, max_retries: 0, retry_delay: 0, retry_delay_seconds: 0 };
    const ev = (type: string, name: string, i: number, runCount: number, extra: Record<string, unknown> = {}) =>
      taskRunEvent({ taskRunId: id, flowRunId, type, name, occurred: at(i), runCount, taskRun: { run_count: runCount, empirical_policy: policy, ...extra } });
    await send(ev('PENDING', 'Pending', 1, 0));
    await send(ev('RUNNING', 'Running', 2, 1, { start_time: at(2) }));
    await send(ev('RUNNING', 'Retrying', 3, 1, { start_time: at(2) }));
    await send(ev('COMPLETED', 'Completed', 4, 2, { start_time: at(2), end_time: at(4) }));
    expect((await get(`/task_runs/${id}`)).body).toMatchObject({
      state_type: 'COMPLETED',
      run_count: 2,
      empirical_policy: { retries: 2, max_retries: 0, retry_delay: 0, retry_delay_seconds: 0, retry_jitter_factor: null },
    });
    expect(await history(id)).toEqual(['PENDING/Pending', 'RUNNING/Running', 'RUNNING/Retrying', 'COMPLETED/Completed']);
  });

  it('a key the event does not carry keeps its stored value', async () => {
    const id = crypto.randomUUID();
    await send(taskRunEvent({ taskRunId: id, flowRunId, type: 'RUNNING', occurred: at(1), taskRun: { start_time: at(1), cache_key: 'k' } }));
    const later = taskRunEvent({ taskRunId: id, flowRunId, type: 'COMPLETED', occurred: at(2) });
    delete (later.payload.task_run as Record<string, unknown>).start_time;
    await send(later);
    expect((await get(`/task_runs/${id}`)).body).toMatchObject({ state_type: 'COMPLETED', start_time: at(1), cache_key: 'k' });
  });

  it('a run already stored under the same flow run, task key and dynamic key keeps its id and gets the states', async () => {
    const created = await post('/task_runs/', { flow_run_id: flowRunId, task_key: 'my_task-1234', dynamic_key: '0' });
    expect(created.status).toBe(201);
    const other = crypto.randomUUID();
    await send(taskRunEvent({ taskRunId: other, flowRunId, type: 'RUNNING', occurred: new Date(Date.now() + 60_000).toISOString() }));
    expect((await get(`/task_runs/${other}`)).status).toBe(404);
    expect((await get(`/task_runs/${created.body.id}`)).body).toMatchObject({ state_type: 'RUNNING' });
    expect(await history(created.body.id)).toEqual(['PENDING/Pending', 'RUNNING/Running']);
  });

  it('two new ids for one natural key in a batch make one run', async () => {
    const [a, b] = [crypto.randomUUID(), crypto.randomUUID()];
    await send(
      taskRunEvent({ taskRunId: a, flowRunId, type: 'PENDING', occurred: at(1) }),
      taskRunEvent({ taskRunId: b, flowRunId, type: 'RUNNING', occurred: at(2) }),
    );
    expect(await count(sql`SELECT count(*)::int AS n FROM task_run`)).toBe(1);
    expect(await count(sql`SELECT count(*)::int AS n FROM task_run_state`)).toBe(2);
    expect((await get(`/task_runs/${b}`)).body).toMatchObject({ state_type: 'RUNNING' });
  });

  it('a task run outside any flow run is recorded by id', async () => {
    const id = crypto.randomUUID();
    await send(taskRunEvent({ taskRunId: id, flowRunId: null, type: 'PENDING', occurred: at(1) }));
    expect((await get(`/task_runs/${id}`)).body).toMatchObject({ flow_run_id: null, state_type: 'PENDING' });
  });

  it('stores but does not record: other events, server-side task-run events, unreadable payloads, unknown flow runs', async () => {
    const ids = Array.from({ length: 4 }, () => crypto.randomUUID());
    const serverSide = taskRunEvent({ taskRunId: ids[0]!, flowRunId, type: 'PENDING', occurred: at(1) });
    serverSide.resource['prefect.orchestration'] = 'server';
    const unreadable = taskRunEvent({ taskRunId: ids[1]!, flowRunId, type: 'PENDING', occurred: at(1) });
    delete (unreadable.payload.task_run as Record<string, unknown>).task_key;
    const badType = taskRunEvent({ taskRunId: ids[2]!, flowRunId, type: 'SLEEPING', occurred: at(1) });
    const orphan = taskRunEvent({ taskRunId: ids[3]!, flowRunId: crypto.randomUUID(), type: 'PENDING', occurred: at(1) });
    const good = taskRunEvent({ taskRunId: crypto.randomUUID(), flowRunId, type: 'PENDING', occurred: at(1), dynamicKey: '9' });
    await send(event(), serverSide, unreadable, badType, orphan, good);
    expect(await eventCount()).toBe(6);
    expect(await count(sql`SELECT count(*)::int AS n FROM task_run`)).toBe(1);
  });
});
