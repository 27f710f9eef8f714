/** Spec §7 case 51 (subflow parent task sync) and the client's happy path with a retry. */
import { describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { post, withDb } from '../helpers';
import { createDeployment, createFlow, createRun, createTaskRun, history, runIn, runRow, setState } from './fixtures';

const CLIENT = { 'user-agent': 'prefect/3.4.11 (API 0.8.4)', 'x-prefect-api-version': '0.8.4' };

describe('subflows (§7 51)', () => {
  it('51. a subflow state is mirrored onto its parent task run', async () => {
    const parent = await runIn({ type: 'RUNNING' });
    const task = await createTaskRun(parent);
    const sub = await runIn({ type: 'RUNNING' }, { parentTaskRunId: task });
    const res = await setState(sub, { type: 'FAILED' });
    expect(res.body.status).toBe('ACCEPT');
    expect(res.body.state.state_details.task_run_id).toBe(task);
    const rows = await withDb((db) =>
      db.execute(sql`
        SELECT t.state_type, t.state_id, s.state_details, s.type, t.end_time IS NOT NULL AS ended
        FROM task_run t JOIN task_run_state s ON s.id = t.state_id WHERE t.id = ${task}`),
    );
    const t = rows.rows[0] as any;
    expect(t.state_type).toBe('FAILED');
    expect(t.state_id).not.toBe(res.body.state.id);
    expect(t.state_details).toMatchObject({ child_flow_run_id: sub, task_run_id: task, flow_run_id: parent });
    expect(t.ended).toBe(true);
    // A copy stamped after the subflow's state, as Prefect's fresh_copy() is.
    const stamps = await withDb((db) =>
      db.execute(sql`SELECT (SELECT timestamp FROM task_run_state WHERE id = ${t.state_id}) > (SELECT timestamp FROM flow_run_state WHERE id = ${res.body.state.id}) AS later`),
    );
    expect((stamps.rows[0] as { later: boolean }).later).toBe(true);
  });
});

describe('subflows sharing a parent task run (found by the property tests: a 409 and a deadlock)', () => {
  const taskStates = (task: string) =>
    withDb(async (db) => (await db.execute(sql`SELECT type, timestamp::text AS ts FROM task_run_state WHERE task_run_id = ${task} ORDER BY timestamp`)).rows as { type: string; ts: string }[]);

  it("create_flow_run/bulk items naming the same parent: all created, the last item's state on the parent", async () => {
    const parent = await runIn({ type: 'RUNNING' });
    const task = await createTaskRun(parent);
    const dep = await createDeployment();
    const items = ['SCHEDULED', 'PENDING', 'RUNNING'].map((type) => ({ state: { type }, parent_task_run_id: task }));
    const res = await post(`/deployments/${dep.id}/create_flow_run/bulk`, items);
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: any) => r.status)).toEqual(['CREATED', 'CREATED', 'CREATED']);
    const states = await taskStates(task);
    expect(states.at(-1)?.type).toBe('RUNNING');
    expect(new Set(states.map((s) => s.ts)).size).toBe(states.length);
  });

  it('bulk_set_state on two subflows of one parent: both accepted, one state for the parent', async () => {
    const parent = await runIn({ type: 'RUNNING' });
    const task = await createTaskRun(parent);
    const subs = [await runIn({ type: 'PENDING' }, { parentTaskRunId: task }), await runIn({ type: 'PENDING' }, { parentTaskRunId: task })];
    const before = (await taskStates(task)).length;
    const res = await post('/flow_runs/bulk_set_state', { flow_runs: { id: { any_: subs } }, state: { type: 'RUNNING' } });
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: any) => r.status)).toEqual(['ACCEPT', 'ACCEPT']);
    const states = await taskStates(task);
    expect(states.length).toBe(before + 1);
    expect(states.at(-1)?.type).toBe('RUNNING');
  });

  it('concurrent subflow creations and transitions on one parent: every request succeeds, one state per timestamp', async () => {
    const flowId = await createFlow();
    const parent = await runIn({ type: 'RUNNING' }, { flowId });
    const [taskA, taskB] = [await createTaskRun(parent), await createTaskRun(parent)];
    // Bulk creates naming both parents in opposite orders used to lock the two task runs in opposite orders.
    const dep = await createDeployment({ flowId });
    const requests = Array.from({ length: 12 }, (_, i) => {
      const pair = i % 2 === 0 ? [taskA, taskB] : [taskB, taskA];
      return i % 3 === 0
        ? post('/flow_runs/', { flow_id: flowId, parent_task_run_id: pair[0], state: { type: 'RUNNING' } })
        : post(`/deployments/${dep.id}/create_flow_run/bulk`, pair.map((t) => ({ parent_task_run_id: t, state: { type: 'PENDING' } })));
    });
    const responses = await Promise.all(requests);
    expect(responses.map((r) => r.status).filter((s) => s !== 200 && s !== 201)).toEqual([]);
    for (const task of [taskA, taskB]) {
      const states = await taskStates(task);
      expect(states.length).toBeGreaterThan(3);
      expect(new Set(states.map((s) => s.ts)).size).toBe(states.length);
    }
  });
});

describe('the client sequence', () => {
  it('create → PENDING → RUNNING → FAILED (retried) → RUNNING → COMPLETED', async () => {
    const id = await createRun({ policy: { retries: 1, retry_delay: 0 } });
    const step = async (state: Record<string, unknown>) => {
      const res = await setState(id, { ...state, state_details: { flow_run_id: id, transition_id: crypto.randomUUID(), deployment_concurrency_lease_id: null } }, CLIENT);
      return res.body;
    };
    expect((await step({ type: 'PENDING' })).status).toBe('ACCEPT');
    expect((await step({ type: 'RUNNING' })).status).toBe('ACCEPT');
    const failed = await step({ type: 'FAILED', message: 'first try' });
    expect([failed.status, failed.state.name]).toEqual(['REJECT', 'AwaitingRetry']);
    expect((await step({ type: 'RUNNING' })).status).toBe('ACCEPT');
    expect((await step({ type: 'COMPLETED', data: { storage_key: 'result' } })).status).toBe('ACCEPT');
    const run = await runRow(id);
    expect([run.state_type, run.run_count, run.empirical_policy.retry_type]).toEqual(['COMPLETED', 2, 'in_process']);
    const names = (await history(id)).map((s: any) => s.name);
    expect(names).toEqual(['Pending', 'Running', 'AwaitingRetry', 'Running', 'Completed']);
  });
});
