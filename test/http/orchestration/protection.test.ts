/** Spec §7 cases 9–25: PENDING protection, duplicates, scheduled time, terminal protection and result data. */
import { describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { get, withDb } from '../helpers';
import { createDeployment, createRun, force, history, HOUR, iso, runIn, runRow, setState } from './fixtures';

const reasonOf = (res: any) => res.body.details.reason;

describe('PENDING protection and duplicates (§7 9–13)', () => {
  it('9. no state → PENDING accepted; PENDING again aborted with the current state', async () => {
    const id = await createRun();
    const first = await setState(id, { type: 'PENDING' });
    expect([first.status, first.body.status]).toEqual([201, 'ACCEPT']);
    const again = await setState(id, { type: 'PENDING' });
    expect([again.status, again.body.status]).toEqual([200, 'ABORT']);
    expect(reasonOf(again)).toBe('This run is in a PENDING state and cannot transition to a PENDING state.');
    expect(again.body.state.id).toBe(first.body.state.id);
  });

  it('10. RUNNING → PENDING is aborted', async () => {
    const id = await runIn({ type: 'RUNNING' });
    const res = await setState(id, { type: 'PENDING' });
    expect([res.status, res.body.status, reasonOf(res)]).toEqual([200, 'ABORT', 'This run is in a RUNNING state and cannot transition to a PENDING state.']);
  });

  it('11. Pending → Submitting copies scheduled_time and lease id; then Pending is aborted', async () => {
    const T = '2021-05-06T07:08:09.000001Z';
    const lease = crypto.randomUUID();
    const id = await runIn({ type: 'PENDING', state_details: { scheduled_time: T, deployment_concurrency_lease_id: lease } });
    const sub = await setState(id, { type: 'PENDING', name: 'Submitting', state_details: { deployment_concurrency_lease_id: null } });
    expect([sub.status, sub.body.status]).toEqual([201, 'ACCEPT']);
    expect(sub.body.state.state_details.scheduled_time).toBe(T);
    expect(sub.body.state.state_details.deployment_concurrency_lease_id).toBe(lease);
    const back = await setState(id, { type: 'PENDING', name: 'Pending' });
    expect([back.status, back.body.status]).toEqual([200, 'ABORT']);
  });

  it('12. a repeated transition_id is rejected to the current state', async () => {
    const X = crypto.randomUUID();
    const id = await runIn({ type: 'PENDING', state_details: { transition_id: X } });
    const current = (await history(id)).at(-1);
    const dup = await setState(id, { type: 'PENDING', name: 'Test State', state_details: { transition_id: X } });
    expect([dup.status, dup.body.status, reasonOf(dup)]).toEqual([200, 'REJECT', 'This run has already made this state transition.']);
    expect(dup.body.state.id).toBe(current.id);
    const other = await setState(id, { type: 'PENDING', name: 'Test State', state_details: { transition_id: crypto.randomUUID() } });
    expect(other.body.status).toBe('ACCEPT');
  });

  it('13. CANCELLED → PENDING aborts; CANCELLING → PENDING is rejected', async () => {
    const cancelled = await runIn({ type: 'CANCELLED' });
    const a = await setState(cancelled, { type: 'PENDING' });
    expect([a.body.status, reasonOf(a)]).toEqual(['ABORT', 'This run is in a CANCELLED state and cannot transition to a PENDING state.']);
    const cancelling = await runIn({ type: 'CANCELLING' });
    const r = await setState(cancelling, { type: 'PENDING' });
    expect([r.status, r.body.status, reasonOf(r)]).toEqual([200, 'REJECT', 'Cannot transition flows that are cancelling to a state other than Cancelled.']);
  });
});

describe('scheduled time (§7 14–16)', () => {
  it('14. a run scheduled in 30 days waits; forced RUNNING is accepted', async () => {
    const id = await runIn({ type: 'SCHEDULED', state_details: { scheduled_time: iso(30 * 24 * HOUR) } });
    const res = await setState(id, { type: 'RUNNING' });
    expect([res.status, res.body.status, reasonOf(res)]).toEqual([200, 'WAIT', 'Scheduled time is in the future']);
    expect(res.body.details.delay_seconds).toBeGreaterThan(2_591_990);
    expect(res.body.details.delay_seconds).toBeLessThanOrEqual(2_592_000);
    expect(Object.keys(res.body.details)).toEqual(['type', 'delay_seconds', 'reason']);
    const forced = await setState(id, { type: 'RUNNING' }, undefined, true);
    expect([forced.status, forced.body.status]).toEqual([201, 'ACCEPT']);
  });

  it('15. PENDING inherits the scheduled time; RUNNING then waits and returns the PENDING state', async () => {
    const T = iso(24 * HOUR);
    const id = await runIn({ type: 'SCHEDULED', state_details: { scheduled_time: T } });
    const pending = await setState(id, { type: 'PENDING' });
    expect(pending.status).toBe(201);
    expect(Date.parse(pending.body.state.state_details.scheduled_time)).toBe(Date.parse(T));
    const res = await setState(id, { type: 'RUNNING' });
    expect(res.body.status).toBe('WAIT');
    expect(res.body.details.delay_seconds).toBeGreaterThanOrEqual(86370);
    expect(res.body.details.delay_seconds).toBeLessThanOrEqual(86400);
    expect(res.body.state.id).toBe(pending.body.state.id);
  });

  it('16. a run scheduled 5 minutes ago may run', async () => {
    const id = await runIn({ type: 'SCHEDULED', state_details: { scheduled_time: iso(-300_000) } });
    const res = await setState(id, { type: 'RUNNING' });
    expect([res.status, res.body.status]).toEqual([201, 'ACCEPT']);
  });
});

describe('terminal protection and result data (§7 17–25)', () => {
  it.each([1, 'test', { foo: 'bar' }])('17. COMPLETED with data %j reads back', async (data) => {
    const id = await createRun();
    expect((await setState(id, { type: 'COMPLETED', data })).status).toBe(201);
    expect((await history(id)).at(-1).data).toEqual(data);
  });

  it('18. a persisted result cannot be overwritten by a COMPLETED without one, even forced', async () => {
    const id = await createRun();
    const persisted = { storage_key: 'k', serializer: { type: 'pickle' } };
    expect((await setState(id, { type: 'COMPLETED', data: persisted }, undefined, true)).status).toBe(201);
    const none = await setState(id, { type: 'COMPLETED' }, undefined, true);
    expect([none.status, none.body.status]).toEqual([200, 'REJECT']);
    expect(none.body.details.reason).toBe('Cannot overwrite a COMPLETED state that carries persisted result data with one that does not.');
    expect((await history(id)).at(-1).data).toEqual(persisted);
    const other = await setState(id, { type: 'COMPLETED', data: { storage_key: 'k2' } }, undefined, true);
    expect([other.status, other.body.status]).toEqual([201, 'ACCEPT']);
    expect((await setState(id, { type: 'COMPLETED', data: 1 }, undefined, true)).body.status).toBe('REJECT');
  });

  it.each([1, [1, 2, 3]])('19. scalars and lists (%j) are never persisted results', async (data) => {
    const id = await createRun();
    await setState(id, { type: 'COMPLETED', data }, undefined, true);
    expect((await setState(id, { type: 'COMPLETED' }, undefined, true)).body.status).toBe('ACCEPT');
  });

  it('20. COMPLETED with a persisted result rejects RUNNING; without one, or unpersisted, accepts', async () => {
    const id = await runIn({ type: 'COMPLETED', data: { foo: 'bar' } });
    const res = await setState(id, { type: 'RUNNING' });
    expect([res.status, res.body.status, reasonOf(res)]).toEqual([200, 'REJECT', 'Run is already COMPLETED.']);
    for (const data of [null, { type: 'unpersisted' }]) {
      const ok = await runIn({ type: 'COMPLETED', data });
      expect((await setState(ok, { type: 'RUNNING' })).status).toBe(201);
    }
  });

  it.each(['COMPLETED', 'FAILED', 'CANCELLED', 'CRASHED'])('21. %s rejects CRASHED, CANCELLING and PAUSED with ABORT', async (X) => {
    const id = await runIn({ type: X });
    for (const to of ['CRASHED', 'CANCELLING', 'PAUSED']) {
      const res = await setState(id, { type: to });
      expect([res.status, res.body.status, reasonOf(res)]).toEqual([200, 'ABORT', `Run is already in terminal state ${X}.`]);
    }
  });

  it.each(['AwaitingRetry', 'FooBar'])('22. a deployed FAILED run may be rescheduled (%s) without resetting run_count', async (name) => {
    const dep = await createDeployment();
    const id = await runIn({ type: 'FAILED' }, { deploymentId: dep.id, flowId: dep.flowId, runCount: 1, policy: { pause_keys: ['x'] } });
    const res = await setState(id, { type: 'SCHEDULED', name });
    expect([res.status, res.body.status]).toEqual([201, 'ACCEPT']);
    const run = await runRow(id);
    expect(run.run_count).toBe(1);
    expect(run.empirical_policy).toMatchObject({ retry_type: 'reschedule', pause_keys: [] });
    expect(run.end_time).toBeNull();
    expect(run.next_scheduled_start_time).not.toBeNull();
  });

  it('23. retries do not limit manual reschedules', async () => {
    const dep = await createDeployment();
    const id = await runIn({ type: 'FAILED' }, { deploymentId: dep.id, flowId: dep.flowId, runCount: 3, policy: { retries: 2 } });
    expect((await setState(id, { type: 'SCHEDULED' })).body.status).toBe('ACCEPT');
    expect((await runRow(id)).run_count).toBe(3);
  });

  it('24. a run without a deployment cannot be rescheduled', async () => {
    const id = await runIn({ type: 'FAILED' });
    const res = await setState(id, { type: 'SCHEDULED' });
    expect([res.status, res.body.status, reasonOf(res)]).toEqual([200, 'ABORT', 'Cannot reschedule a run without an associated deployment.']);
    expect((await runRow(id)).state_type).toBe('FAILED');
  });

  it.each(['FAILED', 'COMPLETED', 'RUNNING', 'PENDING'])('25. FAILED → %s is accepted', async (to) => {
    const id = await runIn({ type: 'FAILED' });
    expect((await setState(id, { type: to })).body.status).toBe('ACCEPT');
  });

  it('unpersisted data is echoed once but not stored', async () => {
    const id = await createRun();
    const res = await setState(id, { type: 'COMPLETED', data: { type: 'unpersisted', x: 1 } });
    expect(res.body.state.data).toEqual({ type: 'unpersisted', x: 1 });
    expect((await get(`/flow_run_states/${res.body.state.id}`)).body.data).toBeNull();
    // Stored as SQL NULL, not a JSON null.
    const row = await withDb((db) => db.execute(sql`SELECT data IS NULL AS is_null FROM flow_run_state WHERE id = ${res.body.state.id}`));
    expect(row.rows).toEqual([{ is_null: true }]);
    await force(id, { type: 'RUNNING' });
  });
});
