/** Individual rules and transforms as pure functions (spec §2.1, §3.2, §3.3). */
import { describe, expect, it } from 'vitest';
import { ConcurrencyLedger } from '../../../src/orchestration/concurrency';
import { roundHalfDown } from '../../../src/orchestration/core-policy';
import { clientVersionAtLeast } from '../../../src/orchestration/versions';
import { deployment, iso, NOW, propose, run, SECOND, state } from './builders';

const LIMIT = 'aaaaaaaa-0000-4000-8000-000000000001';
const limited = (limit: number, active = 0) => ({ limits: [{ id: LIMIT, limit, activeSlots: active, active: true }] });
const scheduledDeployed = () => run(state('SCHEDULED', { details: { scheduled_time: iso(NOW - 60 * SECOND) } }), { deploymentId: crypto.randomUUID() });

describe('global transforms', () => {
  it('bumps the timestamp past states of the run that share it (A12)', () => {
    const r = run(state('PENDING'), { recentStateTimestamps: [NOW, NOW + 1] });
    const o = propose({ run: r, proposed: state('RUNNING') });
    expect(o.state!.timestamp).toBe(NOW + 2);
    expect(o.run.startTime).toBe(NOW + 2);
  });
  it('RUNNING → COMPLETED accrues run time and sets end_time', () => {
    const r = run(state('RUNNING', { timestamp: NOW - 5 * SECOND }), { runCount: 1, startTime: NOW - 5 * SECOND, totalRunTime: SECOND });
    const o = propose({ run: r, proposed: state('COMPLETED') });
    expect([o.run.totalRunTime, o.run.endTime, o.run.runCount]).toEqual([6 * SECOND, NOW, 1]);
  });
  it('a never-started run that is cancelled gets start_time = end_time', () => {
    const o = propose({ run: scheduledDeployed(), proposed: state('CANCELLED'), force: true });
    expect([o.run.startTime, o.run.endTime]).toEqual([NOW, NOW]);
  });
  it('terminal → RUNNING clears end_time and counts the run', () => {
    const r = run(state('COMPLETED'), { runCount: 1, endTime: NOW - SECOND, startTime: NOW - 2 * SECOND });
    const o = propose({ run: r, proposed: state('RUNNING'), force: true });
    expect([o.run.endTime, o.run.runCount]).toEqual([null, 2]);
  });
  it('expected_start_time is set once; next_scheduled_start_time follows SCHEDULED states', () => {
    const t = iso(NOW - 100 * SECOND);
    const o = propose({ run: run(null), proposed: state('SCHEDULED', { details: { scheduled_time: t } }) });
    expect(iso(o.run.expectedStartTime!)).toBe(t);
    expect(iso(o.run.nextScheduledStartTime!)).toBe(t);
    const o2 = propose({ run: o.run, proposed: state('PENDING') });
    expect(iso(o2.run.expectedStartTime!)).toBe(t);
    expect(o2.run.nextScheduledStartTime).toBeNull();
  });
  it('fills flow_run_id, and task_run_id for subflows, and mirrors the state on the parent task', () => {
    const task = crypto.randomUUID();
    const r = run(state('RUNNING'), { parentTaskRunId: task });
    const o = propose({ run: r, proposed: state('FAILED') });
    expect(o.state!.stateDetails.flow_run_id).toBe(r.id);
    expect(o.state!.stateDetails.task_run_id).toBe(task);
    expect(o.parentTaskSync!.taskRunId).toBe(task);
    expect(o.parentTaskSync!.state.type).toBe('FAILED');
    expect(o.parentTaskSync!.state.id).not.toBe(o.state!.id);
    expect(o.parentTaskSync!.state.stateDetails.child_flow_run_id).toBe(r.id);
  });
  it('an api version below 0.8.4 counts a resumed run again', () => {
    const r = run(state('PENDING'), { policy: { resuming: true }, runCount: 1 });
    expect(propose({ run: r, proposed: state('RUNNING') }).run.runCount).toBe(1);
    expect(propose({ run: r, proposed: state('RUNNING'), apiVersion: [0, 8, 3] }).run.runCount).toBe(2);
  });
});

describe('retries (#15)', () => {
  it('rejects FAILED to AwaitingRetry while retries remain, then accepts', () => {
    const r = run(state('RUNNING'), { runCount: 1, policy: { retries: 1, retry_delay: 10, pause_keys: ['x'] } });
    const o = propose({ run: r, proposed: state('FAILED', { message: 'boom' }) });
    expect([o.status, o.state!.type, o.state!.name, o.state!.message, o.reason]).toEqual(['REJECT', 'SCHEDULED', 'AwaitingRetry', 'boom', 'Retrying']);
    expect(o.state!.stateDetails.scheduled_time).toBe(iso(NOW + 10 * SECOND));
    expect(o.run.empiricalPolicy).toMatchObject({ retry_type: 'in_process', resuming: false, pause_keys: [] });
    const again = propose({ run: { ...o.run, state: state('RUNNING'), runCount: 2 }, proposed: state('FAILED') });
    expect([again.status, again.run.empiricalPolicy.retry_type]).toEqual(['ACCEPT', null]);
  });
  it('asks for the legacy task-run reset only below API 0.8.3', () => {
    const r = run(state('RUNNING'), { runCount: 1, policy: { retries: 1 } });
    expect(propose({ run: r, proposed: state('FAILED'), apiVersion: [0, 8, 2] }).retryFailedTaskRuns).toBe(true);
    expect(propose({ run: r, proposed: state('FAILED'), apiVersion: [0, 8, 3] }).retryFailedTaskRuns).toBe(false);
    expect(propose({ run: r, proposed: state('FAILED') }).retryFailedTaskRuns).toBe(false);
  });
  it('reads the deprecated max_retries', () => {
    const r = run(state('RUNNING'), { runCount: 1, policy: { max_retries: 2 } });
    expect(propose({ run: r, proposed: state('FAILED') }).status).toBe('REJECT');
  });
});

describe('scheduled time (#13, #14)', () => {
  it('rounds the wait to the nearest second, .5 down (A10)', () => {
    expect([roundHalfDown(0.4), roundHalfDown(0.5), roundHalfDown(0.6), roundHalfDown(1.5)]).toEqual([0, 0, 1, 1]);
  });
  it('WAITs until the scheduled time, and PENDING inherits it', () => {
    const sched = iso(NOW + 86400 * SECOND);
    const r = run(state('SCHEDULED', { details: { scheduled_time: sched } }));
    const pending = propose({ run: r, proposed: state('PENDING') });
    expect(pending.state!.stateDetails.scheduled_time).toBe(sched);
    const o = propose({ run: pending.run, proposed: state('RUNNING') });
    expect(o.details).toEqual({ type: 'wait_details', delay_seconds: 86400, reason: 'Scheduled time is in the future' });
    expect(o.state!.id).toBe(pending.state!.id);
  });
});

describe('deployment concurrency (#7, #8, #9, #17)', () => {
  it('takes a slot and a lease on PENDING; the next run waits in AwaitingConcurrencySlot', () => {
    const ledger = new ConcurrencyLedger(limited(1).limits);
    const dep = deployment(LIMIT);
    const a = propose({ run: scheduledDeployed(), proposed: state('PENDING'), deployment: dep, ledger });
    expect(a.status).toBe('ACCEPT');
    const lease = a.state!.stateDetails.deployment_concurrency_lease_id!;
    expect(ledger.readLease(lease)).toMatchObject({ resourceIds: [LIMIT], expiration: NOW + 300 * SECOND, metadata: { slots: 1 } });
    const b = propose({ run: scheduledDeployed(), proposed: state('PENDING'), deployment: dep, ledger });
    expect([b.status, b.state!.name, b.reason]).toEqual(['REJECT', 'AwaitingConcurrencySlot', 'Deployment concurrency limit reached.']);
    expect(b.state!.stateDetails.scheduled_time).toBe(iso(NOW + 30 * SECOND));
    expect(ledger.limit(LIMIT)!.activeSlots).toBe(1);
  });
  it('CANCEL_NEW cancels; limit 0 aborts; a missing deployment aborts', () => {
    const dep = deployment(LIMIT, { collision_strategy: 'CANCEL_NEW' });
    const b = propose({ run: scheduledDeployed(), proposed: state('PENDING'), deployment: dep, ...limited(1, 1) });
    expect([b.status, b.state!.type, b.state!.message]).toEqual(['REJECT', 'CANCELLED', 'Deployment concurrency limit reached.']);
    const zero = propose({ run: scheduledDeployed(), proposed: state('PENDING'), deployment: deployment(LIMIT), ...limited(0) });
    expect(zero.reason).toBe('The deployment concurrency limit is 0. The flow will deadlock if submitted again.');
    const gone = propose({ run: scheduledDeployed(), proposed: state('PENDING'), deployment: null });
    expect([gone.status, gone.reason]).toEqual(['ABORT', 'Deployment not found.']);
  });
  it('uses grace_period_seconds as the lease TTL', () => {
    const ledger = new ConcurrencyLedger(limited(1).limits);
    const o = propose({ run: scheduledDeployed(), proposed: state('PENDING'), deployment: deployment(LIMIT, { collision_strategy: 'ENQUEUE', grace_period_seconds: 720 }), ledger });
    expect(ledger.readLease(o.state!.stateDetails.deployment_concurrency_lease_id!)!.expiration).toBe(NOW + 720 * SECOND);
  });
  it('self-managing clients (3.0.0–3.0.3) take no slot', () => {
    const ledger = new ConcurrencyLedger(limited(1).limits);
    propose({ run: scheduledDeployed(), proposed: state('PENDING'), deployment: deployment(LIMIT), ledger, clientVersion: '3.0.2' });
    expect(ledger.limit(LIMIT)!.activeSlots).toBe(0);
  });
  it('PENDING → RUNNING renews the lease for new clients, revokes it for old ones; COMPLETED releases', () => {
    const dep = deployment(LIMIT);
    for (const clientVersion of ['3.4.11', null]) {
      const ledger = new ConcurrencyLedger(limited(1).limits);
      const p = propose({ run: scheduledDeployed(), proposed: state('PENDING'), deployment: dep, ledger, clientVersion });
      const lease = p.state!.stateDetails.deployment_concurrency_lease_id!;
      const r = propose({ run: { ...p.run, deploymentId: dep.id }, proposed: state('RUNNING'), deployment: dep, ledger, clientVersion, now: NOW + SECOND });
      expect(r.state!.stateDetails.deployment_concurrency_lease_id).toBe(lease);
      expect(ledger.readLease(lease) !== null).toBe(clientVersion !== null);
      const c = propose({ run: r.run, proposed: state('COMPLETED'), deployment: dep, ledger, clientVersion, now: NOW + 2 * SECOND });
      expect(c.status).toBe('ACCEPT');
      expect(ledger.limit(LIMIT)!.activeSlots).toBe(0);
      expect(ledger.readLease(lease)).toBeNull();
    }
  });
  it('a reaped lease at RUNNING is re-taken if a slot is free, else the run is cancelled', () => {
    const dep = deployment(LIMIT);
    const pending = run(state('PENDING', { details: { deployment_concurrency_lease_id: crypto.randomUUID() } }), { deploymentId: dep.id });
    const ok = propose({ run: pending, proposed: state('RUNNING'), deployment: dep, ...limited(1) });
    expect(ok.status).toBe('ACCEPT');
    expect(ok.ledger.limit(LIMIT)!.activeSlots).toBe(1);
    const lost = propose({ run: pending, proposed: state('RUNNING'), deployment: dep, ...limited(1, 1) });
    expect([lost.status, lost.state!.type, lost.reason]).toEqual(['REJECT', 'CANCELLED', 'Deployment concurrency limit reached after lease expiry.']);
  });
  it('forced PENDING takes no slot, but leaving PENDING releases one (A4)', () => {
    const dep = deployment(LIMIT);
    const ledger = new ConcurrencyLedger(limited(2, 1).limits);
    const p = propose({ run: scheduledDeployed(), proposed: state('PENDING'), deployment: dep, ledger, force: true });
    expect(ledger.limit(LIMIT)!.activeSlots).toBe(1);
    propose({ run: p.run, proposed: state('CANCELLED'), deployment: dep, ledger, force: true });
    expect(ledger.limit(LIMIT)!.activeSlots).toBe(0);
  });
  it('a fizzled slot acquisition gives the slot back (#8 cleanup)', () => {
    const dep = deployment(LIMIT);
    const ledger = new ConcurrencyLedger(limited(1).limits);
    const r = run(state('PAUSED'), { deploymentId: dep.id });
    const o = propose({ run: r, proposed: state('PENDING'), deployment: dep, ledger });
    expect([o.status, o.wrote]).toEqual(['REJECT', false]);
    expect(ledger.limit(LIMIT)!.activeSlots).toBe(0);
    expect(ledger.changes().createdLeases).toEqual([]);
  });
});

describe('pause and resume (#11, #12)', () => {
  it('records the pause key and rejects it the second time', () => {
    const r = run(state('RUNNING'), { deploymentId: crypto.randomUUID() });
    const o = propose({ run: r, proposed: state('PAUSED', { details: { pause_key: 'hello' } }), deployment: deployment() });
    expect(o.run.empiricalPolicy.pause_keys).toEqual(['hello']);
    const again = propose({ run: { ...o.run, state: state('RUNNING') }, proposed: state('PAUSED', { details: { pause_key: 'hello' } }), deployment: deployment() });
    expect([again.status, again.reason]).toEqual(['REJECT', 'This pause has already fired.']);
  });
  it('suspending needs a deployment and no parent task', () => {
    const o = propose({ run: run(state('RUNNING')), proposed: state('PAUSED', { name: 'Suspended', details: { pause_reschedule: true } }) });
    expect(o.reason).toBe('Cannot suspend flows without a deployment.');
    const sub = propose({ run: run(state('RUNNING'), { parentTaskRunId: crypto.randomUUID() }), proposed: state('PAUSED', { details: { pause_reschedule: true } }) });
    expect(sub.reason).toBe('Cannot pause subflows.');
  });
  it('a rejected resume still sets resuming (A2); a timed-out pause fails', () => {
    const r = run(state('PAUSED', { details: { pause_reschedule: true } }));
    const o = propose({ run: r, proposed: state('RUNNING') });
    expect([o.status, o.wrote, o.reason, o.run.empiricalPolicy.resuming, o.runChanged]).toEqual([
      'REJECT', false, 'Cannot reschedule a running flow run without a deployment.', true, true,
    ]);
    const late = run(state('PAUSED', { details: { pause_timeout: iso(NOW - 300 * SECOND) } }), { deploymentId: crypto.randomUUID() });
    const f = propose({ run: late, proposed: state('RUNNING'), deployment: deployment() });
    expect([f.state!.type, f.state!.message, f.reason]).toEqual(['FAILED', 'The flow was running and never resumed.', 'The flow run pause has timed out and can no longer resume.']);
  });
  it('a blocking pause may be cancelled without force, even past its timeout (3.9.1)', () => {
    const late = run(state('PAUSED', { details: { pause_timeout: iso(NOW - 300 * SECOND) } }), { deploymentId: crypto.randomUUID() });
    const o = propose({ run: late, proposed: state('CANCELLING'), deployment: deployment() });
    expect([o.status, o.state!.type]).toEqual(['ACCEPT', 'CANCELLING']);
  });
  it('resuming a blocking pause into SCHEDULED resets the pause metadata (3.9.1)', () => {
    const paused = { ...run(state('PAUSED'), { deploymentId: crypto.randomUUID() }) };
    paused.empiricalPolicy = { ...paused.empiricalPolicy, pause_keys: ['k1'] };
    const o = propose({ run: paused, proposed: state('SCHEDULED'), deployment: deployment() });
    expect([o.status, o.run.empiricalPolicy.resuming, o.run.empiricalPolicy.pause_keys, o.run.empiricalPolicy.retry_type]).toEqual([
      'ACCEPT', false, [], 'reschedule',
    ]);
    const old = propose({ run: paused, proposed: state('SCHEDULED'), deployment: deployment(), apiVersion: [0, 8, 3] });
    expect([old.run.empiricalPolicy.resuming, old.run.empiricalPolicy.pause_keys, old.run.empiricalPolicy.retry_type]).toEqual([true, ['k1'], null]);
    const suspended = { ...run(state('PAUSED', { details: { pause_reschedule: true } }), { deploymentId: crypto.randomUUID() }) };
    suspended.empiricalPolicy = { ...suspended.empiricalPolicy, pause_keys: ['k1'] };
    const s = propose({ run: suspended, proposed: state('SCHEDULED'), deployment: deployment() });
    expect([s.run.empiricalPolicy.resuming, s.run.empiricalPolicy.pause_keys]).toEqual([true, ['k1']]);
  });
  it('renders the enum names in the #12 reason (A8)', () => {
    const o = propose({ run: run(state('PAUSED')), proposed: state('PENDING') });
    expect(o.reason).toBe('This run cannot transition to the StateType.PENDING state from the StateType.PAUSED state.');
  });
});

describe('client versions', () => {
  it('compares PEP 440-ish versions leniently', () => {
    expect(clientVersionAtLeast('3.4.11', [3, 4, 11])).toBe(true);
    expect(clientVersionAtLeast('3.4.10', [3, 4, 11])).toBe(false);
    expect(clientVersionAtLeast('3.4.11rc1', [3, 4, 11])).toBe(false);
    expect(clientVersionAtLeast('3.4.11.dev3', [3, 4, 11])).toBe(false);
    expect(clientVersionAtLeast('3.4.11+gabc', [3, 4, 11])).toBe(true);
    expect(clientVersionAtLeast('3.10.0', [3, 4, 11])).toBe(true);
    expect(clientVersionAtLeast(null, [3, 4, 11])).toBe(false);
  });
});

describe('a failing rule', () => {
  it('aborts with the rule name and leaves the ledger untouched', () => {
    const ledger = new ConcurrencyLedger(limited(1).limits);
    const dep = deployment(LIMIT);
    const r = scheduledDeployed();
    // A run whose policy is not an object makes HandlePausingFlows throw.
    const broken = { ...run(state('RUNNING'), { deploymentId: dep.id }), empiricalPolicy: null as never };
    const o = propose({ run: broken, proposed: state('PAUSED'), deployment: dep, ledger });
    expect(o.status).toBe('ABORT');
    expect(o.reason).toMatch(/^Aborting orchestration due to error in HandlePausingFlows: !TypeError/);
    expect(o.error).toBeDefined();
    expect(propose({ run: r, proposed: state('PENDING'), deployment: dep, ledger }).status).toBe('ACCEPT');
  });
});
