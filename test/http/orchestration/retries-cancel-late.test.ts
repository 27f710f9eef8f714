/** Spec §7 cases 26–33: automatic retries, cancelling, late marking. */
import { describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { withDb } from '../helpers';
import { createDeployment, createRun, createTaskRun, force, runIn, runRow, setState } from './fixtures';

const reasonOf = (res: any) => res.body.details.reason;
const ALL = ['SCHEDULED', 'PENDING', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED', 'CRASHED', 'PAUSED', 'CANCELLING'];

describe('automatic retries (§7 26–28)', () => {
  it('26–27. FAILED with retries left becomes AwaitingRetry; the last attempt fails for real', async () => {
    const id = await runIn({ type: 'PENDING' }, { policy: { retries: 1, retry_delay: 10, pause_keys: ['p'] } });
    await setState(id, { type: 'RUNNING' });
    const before = await runRow(id);
    const res = await setState(id, { type: 'FAILED', message: 'boom' });
    expect([res.status, res.body.status, reasonOf(res)]).toEqual([201, 'REJECT', 'Retrying']);
    const s = res.body.state;
    expect([s.type, s.name, s.message]).toEqual(['SCHEDULED', 'AwaitingRetry', 'boom']);
    const wait = (Date.parse(s.state_details.scheduled_time) - Date.parse(s.timestamp)) / 1000;
    expect(wait).toBeCloseTo(10, 0);
    let run = await runRow(id);
    expect(run.empirical_policy).toMatchObject({ retry_type: 'in_process', resuming: false, pause_keys: [] });
    expect(run.state_type).toBe('SCHEDULED');
    expect(run.total_run_time).toBeGreaterThan(before.total_run_time);

    await force(id, { type: 'RUNNING' });
    expect((await runRow(id)).run_count).toBe(2);
    const final = await setState(id, { type: 'FAILED' });
    expect([final.status, final.body.status, final.body.state.type]).toEqual([201, 'ACCEPT', 'FAILED']);
    run = await runRow(id);
    expect(run.empirical_policy.retry_type).toBeNull();
  });

  it.each([null, 0])('28. retries=%s fails at once', async (retries) => {
    const id = await runIn({ type: 'RUNNING' }, { runCount: 1, policy: { retries } });
    expect((await setState(id, { type: 'FAILED' })).body.status).toBe('ACCEPT');
  });
});

describe('cancelling (§7 29–32)', () => {
  it('29. CANCELLING only moves to CANCELLED', async () => {
    const id = await runIn({ type: 'CANCELLING' });
    for (const to of ALL.filter((t) => t !== 'CANCELLED')) {
      const res = await setState(id, { type: to });
      expect([res.status, res.body.status, res.body.state.type]).toEqual([200, 'REJECT', 'CANCELLING']);
    }
    expect((await setState(id, { type: 'CANCELLED' })).status).toBe(201);
  });

  it('30. a deployed CANCELLED run may be rescheduled', async () => {
    const dep = await createDeployment();
    const id = await runIn({ type: 'CANCELLED' }, { deploymentId: dep.id, flowId: dep.flowId });
    expect((await setState(id, { type: 'SCHEDULED' })).body.status).toBe('ACCEPT');
  });

  it.each([false, true])('31. a SCHEDULED run without infrastructure is cancelled outright (force=%s)', async (forced) => {
    const id = await runIn({ type: 'SCHEDULED' });
    const res = await setState(id, { type: 'CANCELLING' }, undefined, forced);
    expect([res.status, res.body.status, res.body.state.type, reasonOf(res)]).toEqual([
      201, 'REJECT', 'CANCELLED', 'Scheduled flow run has no infrastructure to terminate.',
    ]);
    const withPid = await createRun({ infrastructurePid: 'pid-42' });
    await force(withPid, { type: 'SCHEDULED' });
    expect((await setState(withPid, { type: 'CANCELLING' }, undefined, forced)).body.status).toBe('ACCEPT');
    const resuming = await createRun({ infrastructurePid: 'pid-42' });
    await force(resuming, { type: 'SCHEDULED', name: 'Resuming' });
    expect((await setState(resuming, { type: 'CANCELLING' }, undefined, forced)).body.state.type).toBe('CANCELLED');
  });

  it('32. suspended runs are cancelled outright; blocking pauses go CANCELLING, forced or not (3.9.1)', async () => {
    const suspended = await runIn({ type: 'PAUSED', state_details: { pause_reschedule: true } });
    const res = await setState(suspended, { type: 'CANCELLING' });
    expect([res.body.status, res.body.state.type, reasonOf(res)]).toEqual(['REJECT', 'CANCELLED', 'Suspended flow run has no infrastructure to terminate.']);
    const blocking = await runIn({ type: 'PAUSED' });
    const r = await setState(blocking, { type: 'CANCELLING' });
    expect([r.status, r.body.status, r.body.state.type]).toEqual([201, 'ACCEPT', 'CANCELLING']);
    const forcedRun = await runIn({ type: 'PAUSED' });
    const f = await setState(forcedRun, { type: 'CANCELLING' }, undefined, true);
    expect([f.status, f.body.status, f.body.state.type]).toEqual([201, 'ACCEPT', 'CANCELLING']);
  });
});

describe('late marking (§7 33)', () => {
  it('33. only SCHEDULED runs are marked late, once', async () => {
    const dep = await createDeployment();
    const opts = { deploymentId: dep.id, flowId: dep.flowId };
    for (const type of ['RUNNING', 'PENDING']) {
      const id = await runIn({ type }, opts);
      const res = await setState(id, { type: 'SCHEDULED', name: 'Late' });
      expect([res.body.status, reasonOf(res)]).toEqual(['REJECT', 'Only scheduled flows can be marked late.']);
    }
    for (const type of ['COMPLETED', 'FAILED']) {
      const id = await runIn({ type }, opts);
      expect((await setState(id, { type: 'SCHEDULED', name: 'Late' })).body.status).toBe('REJECT');
    }
    const cancelling = await runIn({ type: 'CANCELLING' }, opts);
    expect(reasonOf(await setState(cancelling, { type: 'SCHEDULED', name: 'Late' }))).toBe(
      'Cannot transition flows that are cancelling to a state other than Cancelled.',
    );
    const id = await runIn({ type: 'SCHEDULED' }, opts);
    expect((await setState(id, { type: 'SCHEDULED', name: 'Late' })).body.status).toBe('ACCEPT');
    const again = await setState(id, { type: 'SCHEDULED', name: 'Late' });
    expect([again.body.status, reasonOf(again)]).toEqual(['REJECT', 'This flow run is already marked late.']);
  });
});

describe('legacy retries (API < 0.8.3)', () => {
  it("an automatic retry also sends the run's FAILED task runs to AwaitingRetry with run_count 0", async () => {
    const id = await runIn({ type: 'RUNNING' }, { runCount: 1, policy: { retries: 1 } });
    const failedTask = await createTaskRun(id);
    const okTask = await createTaskRun(id);
    await withDb((db) => db.execute(sql`UPDATE task_run SET state_type = 'FAILED', run_count = 2, end_time = now() WHERE id = ${failedTask}`));
    const res = await setState(id, { type: 'FAILED' }, { 'x-prefect-api-version': '0.8.2' });
    expect([res.body.status, res.body.state.name]).toEqual(['REJECT', 'AwaitingRetry']);
    const rows = await withDb((db) =>
      db.execute(sql`
        SELECT t.id, t.state_type, t.state_name, t.run_count, t.end_time, s.name AS state_row_name
        FROM task_run t LEFT JOIN task_run_state s ON s.id = t.state_id WHERE t.flow_run_id = ${id}`),
    );
    const byId = new Map((rows.rows as any[]).map((r) => [r.id, r]));
    expect(byId.get(failedTask)).toMatchObject({ state_type: 'SCHEDULED', state_name: 'AwaitingRetry', run_count: 0, end_time: null, state_row_name: 'AwaitingRetry' });
    expect(byId.get(okTask)).toMatchObject({ state_type: null });
    // Current clients leave task runs alone.
    const modern = await runIn({ type: 'RUNNING' }, { runCount: 1, policy: { retries: 1 } });
    const task = await createTaskRun(modern);
    await withDb((db) => db.execute(sql`UPDATE task_run SET state_type = 'FAILED' WHERE id = ${task}`));
    await setState(modern, { type: 'FAILED' }, { 'x-prefect-api-version': '0.8.4' });
    const after = await withDb((db) => db.execute(sql`SELECT state_type FROM task_run WHERE id = ${task}`));
    expect(after.rows).toEqual([{ state_type: 'FAILED' }]);
  });
});
