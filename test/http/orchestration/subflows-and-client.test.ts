/** Spec §7 case 51 (subflow parent task sync) and the client's happy path with a retry. */
import { describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { withDb } from '../helpers';
import { createRun, createTaskRun, history, runIn, runRow, setState } from './fixtures';

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
