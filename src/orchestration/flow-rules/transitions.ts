/**
 * Rules that guard which transitions a flow run may make (spec §3.2 #2–#6, #10, #13–#16):
 * duplicates, terminal and cancelling protection, PENDING protection, late marking, scheduled
 * time, and automatic retries.
 */
import type { OrchestrationContext } from '../context';
import { abort, ALL, delay, reject, type RuleDef } from '../rules';
import { initialHasPersistedResult, isTerminal, proposedHasPersistedResult, type FlowRunPolicy } from '../states';
import { apiVersionAtLeast } from '../versions';
import { formatMicros, parseMicros } from '../../time';
import { allBut, initial, proposed, resetPauseMetadata, T } from './shared';

export const PreventDuplicateTransitions: RuleDef = {
  name: 'PreventDuplicateTransitions',
  from: ALL,
  to: ALL,
  before: (ctx, self) => {
    const a = ctx.initial?.stateDetails.transition_id;
    const b = ctx.proposed?.stateDetails.transition_id;
    if (a && b && a === b) reject(ctx, self, null, 'This run has already made this state transition.');
  },
};

const overwritesPersistedResult = (ctx: OrchestrationContext) =>
  initial(ctx).type === 'COMPLETED' &&
  initialHasPersistedResult(initial(ctx).data) &&
  proposed(ctx).type === 'COMPLETED' &&
  !proposedHasPersistedResult(proposed(ctx).data);

const DATA_LOSS_REASON = 'Cannot overwrite a COMPLETED state that carries persisted result data with one that does not.';

export const HandleFlowTerminalStateTransitions: RuleDef = {
  name: 'HandleFlowTerminalStateTransitions',
  from: T,
  to: ALL,
  before: (ctx, self) => {
    const from = initial(ctx);
    const to = proposed(ctx);
    if (to.type === 'CANCELLING' || to.type === 'PAUSED' || to.type === 'CRASHED') {
      return abort(ctx, self, `Run is already in terminal state ${from.type}.`);
    }
    if (from.type === 'COMPLETED' && !isTerminal(to.type) && initialHasPersistedResult(from.data)) {
      return reject(ctx, self, null, 'Run is already COMPLETED.');
    }
    if (overwritesPersistedResult(ctx)) return reject(ctx, self, null, DATA_LOSS_REASON);
    if (to.type === 'SCHEDULED' && ctx.run.deploymentId === null) {
      return abort(ctx, self, 'Cannot reschedule a run without an associated deployment.');
    }
    if (!isTerminal(to.type) && apiVersionAtLeast(ctx.apiVersion, [0, 8, 4])) {
      self.scratch.savedPolicy = structuredClone(ctx.run.empiricalPolicy);
      resetPauseMetadata(ctx.run.empiricalPolicy, to.type === 'SCHEDULED' ? 'reschedule' : null);
    }
  },
  cleanup: (ctx, self) => {
    if (self.scratch.savedPolicy) ctx.run.empiricalPolicy = self.scratch.savedPolicy as FlowRunPolicy;
  },
};

export const PreventResultDataLoss: RuleDef = {
  name: 'PreventResultDataLoss',
  from: T,
  to: T,
  before: (ctx, self) => {
    if (overwritesPersistedResult(ctx)) reject(ctx, self, null, DATA_LOSS_REASON);
  },
};

export const EnforceCancellingToCancelledTransition: RuleDef = {
  name: 'EnforceCancellingToCancelledTransition',
  from: ['CANCELLING'],
  to: allBut('CANCELLED'),
  before: (ctx, self) => reject(ctx, self, null, 'Cannot transition flows that are cancelling to a state other than Cancelled.'),
};

export const BypassCancellingFlowRunsWithNoInfra: RuleDef = {
  name: 'BypassCancellingFlowRunsWithNoInfra',
  from: ['SCHEDULED', 'PAUSED'],
  to: ['CANCELLING'],
  before: (ctx, self) => {
    const from = initial(ctx);
    if ((from.type === 'SCHEDULED' && !ctx.run.infrastructurePid) || from.name === 'Resuming') {
      return reject(ctx, self, ctx.newState('CANCELLED'), 'Scheduled flow run has no infrastructure to terminate.');
    }
    if (from.type === 'PAUSED' && from.stateDetails.pause_reschedule) {
      return reject(ctx, self, ctx.newState('CANCELLED'), 'Suspended flow run has no infrastructure to terminate.');
    }
  },
};

export const PreventPendingTransitions: RuleDef = {
  name: 'PreventPendingTransitions',
  from: ['PENDING', 'CANCELLING', 'RUNNING', 'CANCELLED'],
  to: ['PENDING'],
  before: (ctx, self) => {
    const from = initial(ctx);
    const to = proposed(ctx);
    // A rename among PENDING sub-states (Submitting, InfrastructurePending) is allowed.
    if (from.type === 'PENDING' && to.name !== from.name && to.name !== 'Pending') {
      to.stateDetails.scheduled_time = from.stateDetails.scheduled_time;
      to.stateDetails.deployment_concurrency_lease_id = from.stateDetails.deployment_concurrency_lease_id;
      return;
    }
    abort(ctx, self, `This run is in a ${from.type} state and cannot transition to a PENDING state.`);
  },
};

export const EnsureOnlyScheduledFlowsMarkedLate: RuleDef = {
  name: 'EnsureOnlyScheduledFlowsMarkedLate',
  from: ALL,
  to: ['SCHEDULED'],
  before: (ctx, self) => {
    if (proposed(ctx).name !== 'Late' || !ctx.initial) return;
    if (ctx.initial.type !== 'SCHEDULED') return reject(ctx, self, null, 'Only scheduled flows can be marked late.');
    if (ctx.initial.name === 'Late') reject(ctx, self, null, 'This flow run is already marked late.');
  },
};

export const CopyScheduledTime: RuleDef = {
  name: 'CopyScheduledTime',
  from: ['SCHEDULED'],
  to: ['PENDING'],
  before: (ctx) => {
    const to = proposed(ctx);
    if (!to.stateDetails.scheduled_time) to.stateDetails.scheduled_time = initial(ctx).stateDetails.scheduled_time;
  },
};

/** Nearest integer, an exact .5 rounding down (Appendix A10). */
export const roundHalfDown = (x: number) => Math.ceil(x - 0.5) + 0;

export const WaitForScheduledTime: RuleDef = {
  name: 'WaitForScheduledTime',
  from: ['SCHEDULED', 'PENDING'],
  to: ['RUNNING'],
  before: (ctx, self) => {
    const at = initial(ctx).stateDetails.scheduled_time;
    const t = at ? parseMicros(at) : null;
    if (t === null) return;
    const seconds = roundHalfDown((t - ctx.now) / 1_000_000);
    if (seconds > 0) delay(ctx, self, seconds, 'Scheduled time is in the future');
  },
};

export const RetryFailedFlows: RuleDef = {
  name: 'RetryFailedFlows',
  from: ['RUNNING'],
  to: ['FAILED'],
  before: (ctx, self) => {
    const policy = ctx.run.empiricalPolicy;
    if (policy.retries === null || ctx.run.runCount > policy.retries) {
      policy.retry_type = null;
      return;
    }
    if (apiVersionAtLeast(ctx.apiVersion, [0, 8, 4])) resetPauseMetadata(policy, 'in_process');
    if (!apiVersionAtLeast(ctx.apiVersion, [0, 8, 3])) ctx.retryFailedTaskRuns = true;
    const failed = proposed(ctx);
    const wakeAt = ctx.now + (policy.retry_delay ?? 0) * 1_000_000;
    reject(
      ctx,
      self,
      ctx.newState('SCHEDULED', {
        name: 'AwaitingRetry',
        message: failed.message,
        data: structuredClone(failed.data),
        stateDetails: { scheduled_time: formatMicros(wakeAt) },
      }),
      'Retrying',
    );
  },
};

/** State-change events are not emitted by this port; the rule keeps its place in the list. */
export const InstrumentFlowRunStateTransitions: RuleDef = {
  name: 'InstrumentFlowRunStateTransitions',
  from: ALL,
  to: ALL,
  universal: true,
};
