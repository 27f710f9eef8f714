/**
 * Task-run state transitions, as pure functions over data already loaded: the global transforms
 * (the run's state columns and times) and a reduced core policy. Prefect 3's SDK orchestrates task
 * runs on the client and reports them through events, so the server-side policy only guards the
 * few things that matter for direct API callers (see `decideTaskRunTransition`).
 */
import { parseMicros, type Micros } from '../time';
import { completeStateDetails, initialHasPersistedResult, isTerminal, type OrchState, type StateType } from './states';

/** A task-run state in memory: the same shape as the flow-run engine's states. */
export type TaskState = OrchState;

/** The task_run columns a transition reads and writes. Times are microseconds. */
export interface TaskRunBookkeeping {
  id: string;
  flowRunId: string | null;
  runCount: number;
  flowRunRunCount: number;
  startTime: Micros | null;
  endTime: Micros | null;
  totalRunTime: Micros;
  expectedStartTime: Micros | null;
  nextScheduledStartTime: Micros | null;
}

/** The enclosing flow run, as the policy needs it (null for background tasks or a missing run). */
export interface EnclosingFlowRun {
  stateType: StateType | null;
  runCount: number;
  pauseTimeout: string | null;
  pauseReschedule: boolean;
}

export type TaskRunDecision =
  | { status: 'ACCEPT'; state: TaskState; run: TaskRunBookkeeping }
  | { status: 'REJECT'; state: TaskState | null; reason: string; run: TaskRunBookkeeping | null }
  | { status: 'ABORT'; reason: string };

const scheduledTime = (s: TaskState): Micros | null => {
  const t = s.stateDetails.scheduled_time;
  return typeof t === 'string' ? parseMicros(t) : null;
};

/**
 * The task-run global transforms, applied to a copy of the run: state type/name/timestamp are the
 * caller's to write; here start / end times, run time, expected / next start, run count, and the
 * state's run ids.
 */
export function applyTaskRunTransforms(
  before: TaskRunBookkeeping,
  initial: TaskState | null,
  proposed: TaskState,
): { run: TaskRunBookkeeping; state: TaskState } {
  const run = { ...before };
  const state = { ...proposed, stateDetails: { ...proposed.stateDetails } };
  const ts = state.timestamp;
  if (state.type === 'RUNNING' && run.startTime === null) run.startTime = ts;
  if (initial && isTerminal(initial.type) && !isTerminal(state.type)) run.endTime = null;
  if (isTerminal(state.type) && run.endTime === null) {
    if (run.startTime === null) run.startTime = ts;
    run.endTime = ts;
  }
  if (initial?.type === 'RUNNING') run.totalRunTime += ts - initial.timestamp;
  if (run.expectedStartTime === null) run.expectedStartTime = state.type === 'SCHEDULED' ? scheduledTime(state) : ts;
  if (initial?.type === 'SCHEDULED') run.nextScheduledStartTime = null;
  if (state.type === 'SCHEDULED') run.nextScheduledStartTime = scheduledTime(state);
  state.stateDetails.flow_run_id = run.flowRunId;
  state.stateDetails.task_run_id = run.id;
  if (state.type === 'RUNNING') run.runCount += 1;
  return { run, state };
}

/**
 * Decides a proposed task-run state. Forced: always accepted. Otherwise three of Prefect's core
 * task rules apply:
 * - a terminal run cannot become CANCELLING, PAUSED or CRASHED, nor leave COMPLETED with a
 *   persisted result; leaving a terminal state for a non-final one resets run_count (retries);
 * - a task of a flow run can only start RUNNING while that flow run is RUNNING (a PAUSED flow run
 *   turns it into a `NotReady` PAUSED state);
 * - a RUNNING task records which attempt of its flow run it belongs to (flow_run_run_count), and
 *   is named `Retrying` when the flow run has moved on to a later attempt.
 */
export function decideTaskRunTransition(
  run: TaskRunBookkeeping,
  initial: TaskState | null,
  proposed: TaskState,
  flowRun: EnclosingFlowRun | null,
  opts: { force: boolean; newStateId: () => string },
): TaskRunDecision {
  const accept = (p: TaskState, r: TaskRunBookkeeping) => {
    const applied = applyTaskRunTransforms(r, initial, p);
    return { status: 'ACCEPT' as const, ...applied };
  };
  if (opts.force) return accept(proposed, run);

  let next = { ...run };
  let state = proposed;
  if (initial && isTerminal(initial.type)) {
    if (state.type === 'CANCELLING' || state.type === 'PAUSED' || state.type === 'CRASHED') {
      return { status: 'ABORT', reason: `Run is already ${initial.type}.` };
    }
    if (initial.type === 'COMPLETED' && initialHasPersistedResult(initial.data)) {
      return { status: 'REJECT', state: null, reason: 'This run is already completed.', run: null };
    }
    if (!isTerminal(state.type)) next.runCount = 0;
    if (state.type === 'RUNNING' && flowRun && next.flowRunRunCount < flowRun.runCount) state = { ...state, name: 'Retrying' };
  }
  if (state.type === 'RUNNING' && run.flowRunId !== null && flowRun) {
    if (flowRun.stateType === 'PAUSED') {
      const paused: TaskState = {
        id: opts.newStateId(),
        type: 'PAUSED',
        name: 'NotReady',
        timestamp: state.timestamp,
        message: null,
        data: null,
        stateDetails: completeStateDetails({ pause_timeout: flowRun.pauseTimeout, pause_reschedule: flowRun.pauseReschedule }),
      };
      const applied = applyTaskRunTransforms(next, initial, paused);
      return {
        status: 'REJECT',
        state: applied.state,
        run: applied.run,
        reason: `The flow is paused, new tasks can execute after resuming flow run: ${run.flowRunId}.`,
      };
    }
    if (flowRun.stateType !== 'RUNNING') {
      return { status: 'ABORT', reason: 'The enclosing flow must be running to begin task execution.' };
    }
    next = { ...next, flowRunRunCount: flowRun.runCount };
  }
  return accept(state, next);
}
