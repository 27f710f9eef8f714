/** Spec §7 cases 34–41: pausing, suspending, resuming, run input. */
import { describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { post, withDb } from '../helpers';
import { createDeployment, createRun, createTaskRun, iso, runIn, runRow, setState } from './fixtures';

const reasonOf = (res: any) => res.body.details.reason;
const deployed = async () => {
  const dep = await createDeployment();
  return { deploymentId: dep.id, flowId: dep.flowId };
};
const resume = (id: string, body: unknown = {}) => post(`/flow_runs/${id}/resume`, body);

describe('pausing (§7 34–36)', () => {
  it('34. a pause key fires once', async () => {
    const id = await runIn({ type: 'RUNNING' }, await deployed());
    expect((await setState(id, { type: 'PAUSED', state_details: { pause_key: 'hello' } })).body.status).toBe('ACCEPT');
    expect((await runRow(id)).empirical_policy.pause_keys).toContain('hello');
    expect((await resume(id)).status).toBe(201);
    const again = await setState(id, { type: 'PAUSED', state_details: { pause_key: 'hello' } });
    expect([again.status, again.body.status, reasonOf(again), again.body.state.type]).toEqual([200, 'REJECT', 'This pause has already fired.', 'RUNNING']);
  });

  it('35. no state → PAUSED aborts with a null state; non-running runs are rejected', async () => {
    const none = await createRun();
    const res = await setState(none, { type: 'PAUSED' });
    expect([res.status, res.body.status, reasonOf(res), res.body.state]).toEqual([200, 'ABORT', 'Cannot pause flows with no state.', null]);
    for (const type of ['SCHEDULED', 'PENDING', 'PAUSED']) {
      const id = await runIn({ type });
      const r = await setState(id, { type: 'PAUSED' });
      expect([r.status, r.body.status, reasonOf(r)]).toEqual([200, 'REJECT', 'Cannot pause flows that are not currently running.']);
    }
  });

  it('36. suspending needs a deployment and a top-level run', async () => {
    const id = await runIn({ type: 'RUNNING' });
    expect(reasonOf(await setState(id, { type: 'PAUSED', state_details: { pause_reschedule: true } }))).toBe('Cannot pause flows without a deployment.');
    expect(reasonOf(await setState(id, { type: 'PAUSED', name: 'Suspended', state_details: { pause_reschedule: true } }))).toBe(
      'Cannot suspend flows without a deployment.',
    );
    const parent = await createRun();
    const task = await createTaskRun(parent);
    const sub = await runIn({ type: 'RUNNING' }, { ...(await deployed()), parentTaskRunId: task });
    const r = await setState(sub, { type: 'PAUSED', state_details: { pause_reschedule: true } });
    expect([r.body.status, reasonOf(r)]).toEqual(['ABORT', 'Cannot pause subflows.']);
  });
});

describe('resuming (§7 37–41)', () => {
  it.each(['RUNNING', 'COMPLETED', 'FAILED', 'CRASHED', 'CANCELLED'])('37. a paused deployed run → %s is accepted and resuming', async (to) => {
    const id = await runIn({ type: 'PAUSED', state_details: { pause_timeout: iso(3600_000) } }, await deployed());
    expect((await setState(id, { type: to })).body.status).toBe('ACCEPT');
    // The flag is set on exit, after RemoveResumingIndicator looked at it.
    expect((await runRow(id)).empirical_policy.resuming).toBe(true);
  });

  it('37. a blocking pause of a deployed run → SCHEDULED is accepted and rescheduled, not resuming (3.9.1)', async () => {
    const id = await runIn({ type: 'PAUSED', state_details: { pause_timeout: iso(3600_000) } }, await deployed());
    expect((await setState(id, { type: 'SCHEDULED' })).body.status).toBe('ACCEPT');
    expect((await runRow(id)).empirical_policy).toMatchObject({ resuming: false, retry_type: 'reschedule' });
  });

  it('37. PAUSED → PENDING is rejected', async () => {
    const id = await runIn({ type: 'PAUSED' }, await deployed());
    const r = await setState(id, { type: 'PENDING' });
    expect([r.status, r.body.status, r.body.state.type]).toEqual([200, 'REJECT', 'PAUSED']);
    expect(reasonOf(r)).toBe('This run cannot transition to the StateType.PENDING state from the StateType.PAUSED state.');
  });

  it('38. a timed-out pause fails the run', async () => {
    const id = await runIn({ type: 'PAUSED', state_details: { pause_timeout: iso(-300_000) } }, await deployed());
    const r = await setState(id, { type: 'RUNNING' });
    expect([r.status, r.body.status, r.body.state.type, r.body.state.message]).toEqual([201, 'REJECT', 'FAILED', 'The flow was running and never resumed.']);
    expect(reasonOf(r)).toBe('The flow run pause has timed out and can no longer resume.');
  });

  it('39. a suspended run without a deployment cannot resume; a blocking pause can', async () => {
    const suspended = await runIn({ type: 'PAUSED', state_details: { pause_reschedule: true } });
    const r = await setState(suspended, { type: 'RUNNING' });
    expect([r.status, r.body.status, reasonOf(r)]).toEqual([200, 'REJECT', 'Cannot reschedule a running flow run without a deployment.']);
    const blocking = await runIn({ type: 'PAUSED' });
    expect((await setState(blocking, { type: 'RUNNING' })).body.status).toBe('ACCEPT');
  });

  it('40. POST /resume', async () => {
    const blocking = await runIn({ type: 'PAUSED' }, await deployed());
    const a = await resume(blocking);
    expect([a.status, a.body.status, a.body.state.type]).toEqual([201, 'ACCEPT', 'RUNNING']);

    const suspended = await runIn({ type: 'PAUSED', state_details: { pause_reschedule: true } }, await deployed());
    const b = await resume(suspended);
    expect([b.status, b.body.state.type, b.body.state.name]).toEqual([201, 'SCHEDULED', 'Resuming']);

    const orphan = await runIn({ type: 'PAUSED', state_details: { pause_reschedule: true } });
    const c = await resume(orphan);
    expect([c.status, c.body.status, c.body.state.type]).toEqual([200, 'REJECT', 'PAUSED']);

    for (const id of [await runIn({ type: 'FAILED' }), await createRun()]) {
      const d = await resume(id);
      expect([d.status, d.body]).toEqual([200, { state: null, status: 'ABORT', details: { type: 'abort_details', reason: 'Cannot resume a flow run that is not paused.' } }]);
    }
    const ghost = crypto.randomUUID();
    expect((await resume(ghost)).status).toBe(404);
  });

  it('40. a paused run that requires input validates it, and stores it on success', async () => {
    const keyset = { schema: 'paused-schema', response: 'paused-response', description: 'paused-description' };
    const id = await runIn({ type: 'PAUSED', state_details: { run_input_keyset: keyset } }, await deployed());
    const paused = (await runRow(id)).state_id;
    const schema = { type: 'object', properties: { approved: { type: 'boolean' } }, required: ['approved'] };
    await withDb((db) => db.execute(sql`INSERT INTO flow_run_input (flow_run_id, key, value) VALUES (${id}, 'paused-schema', ${JSON.stringify(schema)})`));
    const r = await resume(id);
    expect([r.status, r.body.status, r.body.details.type, r.body.state.id]).toEqual([200, 'REJECT', 'abort_details', paused]);
    expect(r.body.details.reason).toContain("'approved' is a required property");
    const wrong = await resume(id, { run_input: { approved: 'yes' } });
    expect(wrong.body.details.reason).toBe("Reason: Validation failed for field 'approved'. Failure reason: 'yes' is not of type 'boolean'");
    const ok = await resume(id, { run_input: { approved: true } });
    expect([ok.status, ok.body.status]).toEqual([201, 'ACCEPT']);
    const stored = await withDb((db) => db.execute(sql`SELECT value FROM flow_run_input WHERE flow_run_id = ${id} AND key = 'paused-response'`));
    expect(JSON.parse((stored.rows[0] as any).value)).toEqual({ approved: true });

    const noSchema = await runIn({ type: 'PAUSED', state_details: { run_input_keyset: keyset } }, await deployed());
    expect((await resume(noSchema)).body.details.reason).toBe('Run input schema not found.');
  });

  it('41. a blocking pause and resume counts the run again; a suspended one does not', async () => {
    const id = await runIn({ type: 'PENDING' }, await deployed());
    await setState(id, { type: 'RUNNING' });
    await setState(id, { type: 'PAUSED' });
    await resume(id);
    let run = await runRow(id);
    expect([run.run_count, run.empirical_policy.resuming]).toEqual([2, true]);
    await setState(id, { type: 'COMPLETED' });
    expect((await runRow(id)).empirical_policy.resuming).toBe(false);

    const s = await runIn({ type: 'PENDING' }, await deployed());
    await setState(s, { type: 'RUNNING' });
    expect((await setState(s, { type: 'PAUSED', name: 'Suspended', state_details: { pause_reschedule: true } })).body.status).toBe('ACCEPT');
    expect((await resume(s)).body.state.name).toBe('Resuming');
    run = await runRow(s);
    expect(run.empirical_policy.resuming).toBe(true);
    expect((await setState(s, { type: 'PENDING' })).body.status).toBe('ACCEPT');
    expect((await setState(s, { type: 'RUNNING' })).body.status).toBe('ACCEPT');
    run = await runRow(s);
    expect([run.run_count, run.empirical_policy.resuming]).toEqual([1, false]);
  });
});
