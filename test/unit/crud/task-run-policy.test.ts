import { describe, expect, it } from 'vitest';
import { applyTaskRunTransforms, decideTaskRunTransition, type TaskRunBookkeeping, type TaskState } from '../../../src/orchestration/task-run-policy';
import { completeStateDetails } from '../../../src/orchestration/states';

const run = (x: Partial<TaskRunBookkeeping> = {}): TaskRunBookkeeping => ({
  id: 't', flowRunId: 'f', runCount: 0, flowRunRunCount: 0, startTime: null, endTime: null, totalRunTime: 0,
  expectedStartTime: null, nextScheduledStartTime: null, ...x,
});
const state = (type: TaskState['type'], timestamp: number, x: Partial<Omit<TaskState, 'stateDetails'>> & { details?: object } = {}): TaskState => {
  const { details, ...rest } = x;
  return { id: `${type}-${timestamp}`, type, name: type, timestamp, message: null, data: null, stateDetails: completeStateDetails(details ?? {}), ...rest };
};
const flow = (stateType: 'RUNNING' | 'PAUSED' | 'COMPLETED' | null, runCount = 1) => ({ stateType, runCount, pauseTimeout: null, pauseReschedule: false });
const opts = { force: false, newStateId: () => 'new' };

describe('applyTaskRunTransforms', () => {
  it('RUNNING sets start once and counts the run; leaving RUNNING adds run time', () => {
    const a = applyTaskRunTransforms(run(), state('PENDING', 100), state('RUNNING', 200));
    expect(a.run).toMatchObject({ startTime: 200, runCount: 1, expectedStartTime: 200 });
    const b = applyTaskRunTransforms(a.run, state('RUNNING', 200), state('COMPLETED', 700));
    expect(b.run).toMatchObject({ startTime: 200, endTime: 700, totalRunTime: 500, runCount: 1 });
    expect(b.state.stateDetails).toMatchObject({ flow_run_id: 'f', task_run_id: 't' });
  });
  it('a terminal state without a start sets start = end; leaving terminal clears end', () => {
    const a = applyTaskRunTransforms(run(), null, state('FAILED', 50));
    expect(a.run).toMatchObject({ startTime: 50, endTime: 50 });
    const b = applyTaskRunTransforms(a.run, state('FAILED', 50), state('PENDING', 60));
    expect(b.run.endTime).toBeNull();
  });
  it('SCHEDULED sets expected and next start from scheduled_time; leaving it clears next', () => {
    const s = state('SCHEDULED', 10, { details: { scheduled_time: '2030-01-01T00:00:00.000001Z' } });
    const a = applyTaskRunTransforms(run(), null, s);
    expect(a.run.expectedStartTime).toBe(Date.UTC(2030, 0, 1) * 1000 + 1);
    expect(a.run.nextScheduledStartTime).toBe(a.run.expectedStartTime);
    expect(applyTaskRunTransforms(a.run, s, state('PENDING', 20)).run.nextScheduledStartTime).toBeNull();
  });
});

describe('decideTaskRunTransition', () => {
  it('forced transitions are always accepted', () => {
    expect(decideTaskRunTransition(run(), state('COMPLETED', 1), state('CRASHED', 2), flow('COMPLETED'), { ...opts, force: true }).status).toBe('ACCEPT');
  });
  it('RUNNING needs a RUNNING flow run, records its attempt, and a PAUSED flow run yields NotReady', () => {
    expect(decideTaskRunTransition(run(), null, state('RUNNING', 1), flow(null), opts)).toMatchObject({ status: 'ABORT' });
    const ok = decideTaskRunTransition(run(), null, state('RUNNING', 1), flow('RUNNING', 3), opts);
    expect(ok).toMatchObject({ status: 'ACCEPT', run: { flowRunRunCount: 3, runCount: 1 } });
    const paused = decideTaskRunTransition(run(), null, state('RUNNING', 1), flow('PAUSED'), opts);
    expect(paused).toMatchObject({ status: 'REJECT', state: { type: 'PAUSED', name: 'NotReady', id: 'new' } });
    // Background tasks (no flow run) may always run.
    expect(decideTaskRunTransition(run({ flowRunId: null }), null, state('RUNNING', 1), null, opts).status).toBe('ACCEPT');
  });
  it('terminal runs: abort CANCELLING / PAUSED / CRASHED, keep a persisted COMPLETED, reset run_count on retry', () => {
    for (const t of ['CANCELLING', 'PAUSED', 'CRASHED'] as const) {
      expect(decideTaskRunTransition(run(), state('FAILED', 1), state(t, 2), flow('RUNNING'), opts)).toMatchObject({ status: 'ABORT', reason: 'Run is already FAILED.' });
    }
    const persisted = state('COMPLETED', 1, { data: { storage_key: 'k' } });
    expect(decideTaskRunTransition(run(), persisted, state('RUNNING', 2), flow('RUNNING'), opts)).toMatchObject({ status: 'REJECT', state: null });
    const unpersisted = state('COMPLETED', 1, { data: { type: 'unpersisted' } });
    expect(decideTaskRunTransition(run(), unpersisted, state('RUNNING', 2), flow('RUNNING'), opts).status).toBe('ACCEPT');
    const retry = decideTaskRunTransition(run({ runCount: 2, flowRunRunCount: 1 }), state('FAILED', 1), state('RUNNING', 2), flow('RUNNING', 2), opts);
    expect(retry).toMatchObject({ status: 'ACCEPT', state: { name: 'Retrying' }, run: { runCount: 1, flowRunRunCount: 2 } });
  });
});
