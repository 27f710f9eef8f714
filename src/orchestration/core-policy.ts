/**
 * CoreFlowPolicy (spec §3.2), the rules for non-forced flow-run transitions, in Prefect's priority
 * order, and MinimalFlowPolicy (§3.1) for forced ones. Reasons and messages are the exact strings
 * clients compare.
 */
import type { OrchestrationContext } from './context';
import { abort, ALL, delay, reject, type MaybeType, type RuleDef, type RuleInstance } from './rules';
import {
  initialHasPersistedResult,
  isTerminal,
  proposedHasPersistedResult,
  STATE_TYPES,
  TERMINAL_TYPES,
  type FlowRunPolicy,
  type StateType,
} from './states';
import { apiVersionAtLeast, clientVersionAtLeast } from './versions';
import { formatMicros, parseMicros } from '../time';
import { uuid4 } from './ids';

const T: readonly StateType[] = [...TERMINAL_TYPES];
const allBut = (...except: StateType[]): MaybeType[] => STATE_TYPES.filter((t) => !except.includes(t));
const SLOT_HOLDING: readonly StateType[] = ['PENDING', 'RUNNING', 'CANCELLING'];
/** Workers of these versions managed deployment concurrency themselves. */
const SELF_MANAGING_CLIENTS = new Set(['3.0.0rc20', '3.0.0', '3.0.1', '3.0.2', '3.0.3']);
const LEASE_RENEWING_CLIENT = [3, 4, 11] as const;

const leaseTtl = (ctx: OrchestrationContext) =>
  ctx.deployment?.concurrencyOptions?.grace_period_seconds ?? ctx.settings.initialDeploymentLeaseDuration;

/** The proposed state, which a valid rule always has. */
const proposed = (ctx: OrchestrationContext) => ctx.proposed!;
/** The initial state, for rules whose FROM set excludes "no state". */
const initial = (ctx: OrchestrationContext) => ctx.initial!;

const resetPauseMetadata = (policy: FlowRunPolicy, retryType: FlowRunPolicy['retry_type']) => {
  policy.resuming = false;
  policy.pause_keys = [];
  policy.retry_type = retryType;
};

// --- individual rules -------------------------------------------------------------------------

export const PreserveDeploymentConcurrencyLeaseId: RuleDef = {
  name: 'PreserveDeploymentConcurrencyLeaseId',
  from: ALL,
  to: ALL,
  universal: true,
  before: (ctx) => {
    // Workers send an explicit null lease id; the lease must survive the transition anyway.
    const lease = ctx.initial?.stateDetails.deployment_concurrency_lease_id;
    if (ctx.proposed && lease && !ctx.proposed.stateDetails.deployment_concurrency_lease_id) {
      ctx.proposed.stateDetails.deployment_concurrency_lease_id = lease;
    }
  },
};

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

export const ValidateDeploymentConcurrencyAtRunning: RuleDef = {
  name: 'ValidateDeploymentConcurrencyAtRunning',
  from: ['PENDING'],
  to: ['RUNNING'],
  before: (ctx, self) => {
    const leaseId = initial(ctx).stateDetails.deployment_concurrency_lease_id;
    proposed(ctx).stateDetails.deployment_concurrency_lease_id = leaseId;
    if (!leaseId || !clientVersionAtLeast(ctx.clientVersion, LEASE_RENEWING_CLIENT)) return;
    const limitId = ctx.deployment?.concurrencyLimitId;
    if (!limitId) return;
    const ttl = leaseTtl(ctx);
    if (ctx.ledger.renewLease(leaseId, ttl, ctx.now)) return;
    // The lease was reaped while the run was provisioning: take a slot again if there is one.
    if (ctx.ledger.takeSlots(limitId)) {
      proposed(ctx).stateDetails.deployment_concurrency_lease_id = ctx.ledger.createLease([limitId], ttl, ctx.now, {
        slots: 1,
        holder: { type: 'flow_run', id: ctx.run.id },
      });
      return;
    }
    reject(
      ctx,
      self,
      ctx.newState('CANCELLED', {
        message: 'Deployment concurrency slot lost during provisioning - no slots available to continue execution',
      }),
      'Deployment concurrency limit reached after lease expiry.',
    );
  },
};

export const SecureFlowConcurrencySlots: RuleDef = {
  name: 'SecureFlowConcurrencySlots',
  from: [...allBut(...SLOT_HOLDING), null],
  to: ['PENDING'],
  before: (ctx, self) => {
    if (ctx.run.deploymentId === null || (ctx.clientVersion !== null && SELF_MANAGING_CLIENTS.has(ctx.clientVersion))) return;
    if (!ctx.deployment) return abort(ctx, self, 'Deployment not found.');
    const limitId = ctx.deployment.concurrencyLimitId;
    const limit = limitId ? ctx.ledger.limit(limitId) : undefined;
    if (!limitId || !limit) return;
    if (limit.limit === 0) {
      return abort(ctx, self, 'The deployment concurrency limit is 0. The flow will deadlock if submitted again.');
    }
    if (ctx.ledger.takeSlots(limitId)) {
      const leaseId = ctx.ledger.createLease([limitId], leaseTtl(ctx), ctx.now, { slots: 1, holder: null });
      proposed(ctx).stateDetails.deployment_concurrency_lease_id = leaseId;
      self.scratch.leaseId = leaseId;
      return;
    }
    const reason = 'Deployment concurrency limit reached.';
    if (ctx.deployment.concurrencyOptions?.collision_strategy === 'CANCEL_NEW') {
      return reject(ctx, self, ctx.newState('CANCELLED', { message: reason }), reason);
    }
    const wakeAt = ctx.now + ctx.settings.concurrencySlotWaitSeconds * 1_000_000;
    reject(
      ctx,
      self,
      ctx.newState('SCHEDULED', { name: 'AwaitingConcurrencySlot', stateDetails: { scheduled_time: formatMicros(wakeAt) } }),
      reason,
    );
  },
  cleanup: (ctx, self) => {
    // A later rule changed the transition after a slot was taken: give it back.
    const leaseId = self.scratch.leaseId as string | undefined;
    if (!leaseId) return;
    if (!ctx.ledger.releaseLease(leaseId)) {
      const limitId = ctx.deployment?.concurrencyLimitId;
      if (limitId) ctx.ledger.releaseSlots(limitId, 1);
    }
    if (ctx.validated?.stateDetails.deployment_concurrency_lease_id === leaseId) {
      ctx.validated.stateDetails.deployment_concurrency_lease_id = null;
    }
  },
};

export const RemoveDeploymentConcurrencyLeaseForOldClientVersions: RuleDef = {
  name: 'RemoveDeploymentConcurrencyLeaseForOldClientVersions',
  from: ['PENDING'],
  to: ['RUNNING', 'CANCELLING'],
  after: (ctx) => {
    // Old clients never renew leases; without this the reaper would take the slot of a live run.
    const leaseId = initial(ctx).stateDetails.deployment_concurrency_lease_id;
    if (leaseId && !clientVersionAtLeast(ctx.clientVersion, LEASE_RENEWING_CLIENT)) ctx.ledger.revokeLease(leaseId);
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

export const HandlePausingFlows: RuleDef = {
  name: 'HandlePausingFlows',
  from: ALL,
  to: ['PAUSED'],
  before: (ctx, self) => {
    const to = proposed(ctx);
    const verb = to.name === 'Suspended' ? 'suspend' : 'pause';
    if (!ctx.initial) return abort(ctx, self, `Cannot ${verb} flows with no state.`);
    if (ctx.initial.type !== 'RUNNING') return reject(ctx, self, null, `Cannot ${verb} flows that are not currently running.`);
    const key = to.stateDetails.pause_key ?? uuid4();
    if (ctx.run.empiricalPolicy.pause_keys.includes(key)) return reject(ctx, self, null, `This ${verb} has already fired.`);
    if (to.stateDetails.pause_reschedule) {
      if (ctx.run.parentTaskRunId) return abort(ctx, self, `Cannot ${verb} subflows.`);
      if (!ctx.run.deploymentId) return abort(ctx, self, `Cannot ${verb} flows without a deployment.`);
    }
    self.scratch.pauseKey = key;
  },
  after: (ctx, self) => {
    const key = self.scratch.pauseKey as string | undefined;
    if (key && !ctx.run.empiricalPolicy.pause_keys.includes(key)) ctx.run.empiricalPolicy.pause_keys.push(key);
  },
};

const RESUMABLE_TO: ReadonlySet<StateType> = new Set(['RUNNING', 'SCHEDULED', ...T]);

export const HandleResumingPausedFlows: RuleDef = {
  name: 'HandleResumingPausedFlows',
  from: ['PAUSED'],
  to: ALL,
  before: (ctx, self) => {
    const from = initial(ctx);
    const to = proposed(ctx);
    if (!RESUMABLE_TO.has(to.type)) {
      // Prefect on Python >= 3.11 renders the enum members, not their values (Appendix A8).
      return reject(ctx, self, null, `This run cannot transition to the StateType.${to.type} state from the StateType.${from.type} state.`);
    }
    const display = (to.name || to.type).toLowerCase();
    if (from.stateDetails.pause_reschedule && !ctx.run.deploymentId) {
      return reject(ctx, self, null, `Cannot reschedule a ${display} flow run without a deployment.`);
    }
    const timeout = from.stateDetails.pause_timeout ? parseMicros(from.stateDetails.pause_timeout) : null;
    if (timeout !== null && timeout < ctx.now) {
      const verb = to.name === 'Suspended' ? 'suspend' : 'pause';
      reject(
        ctx,
        self,
        ctx.newState('FAILED', { message: `The flow was ${display} and never resumed.` }),
        `The flow run ${verb} has timed out and can no longer resume.`,
      );
    }
  },
  // Runs even after this rule rejected (its TO set includes "no state"): Appendix A2.
  after: (ctx) => {
    ctx.run.empiricalPolicy.resuming = true;
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

export const ReleaseFlowConcurrencySlots: RuleDef = {
  name: 'ReleaseFlowConcurrencySlots',
  from: ALL,
  to: ALL,
  universal: true,
  after: (ctx) => {
    const from = ctx.initialType;
    const to = ctx.proposedType;
    if (to === null || from === null || !SLOT_HOLDING.includes(from) || SLOT_HOLDING.includes(to)) return;
    if (ctx.run.deploymentId === null) return;
    const leaseId = ctx.initial?.stateDetails.deployment_concurrency_lease_id;
    if (leaseId && ctx.ledger.releaseLease(leaseId)) return;
    // No lease (forced PENDING, old client) or it was reaped: release one slot of the current limit.
    // An inactive limit cannot be released; Prefect answers 500 there, we leave it (Appendix A6).
    const limitId = ctx.deployment?.concurrencyLimitId;
    if (limitId) ctx.ledger.releaseSlots(limitId, 1);
  },
};

// --- policies ---------------------------------------------------------------------------------

export const CORE_FLOW_POLICY: readonly RuleDef[] = [
  PreserveDeploymentConcurrencyLeaseId,
  PreventDuplicateTransitions,
  HandleFlowTerminalStateTransitions,
  EnforceCancellingToCancelledTransition,
  BypassCancellingFlowRunsWithNoInfra,
  PreventPendingTransitions,
  ValidateDeploymentConcurrencyAtRunning,
  SecureFlowConcurrencySlots,
  RemoveDeploymentConcurrencyLeaseForOldClientVersions,
  EnsureOnlyScheduledFlowsMarkedLate,
  HandlePausingFlows,
  HandleResumingPausedFlows,
  CopyScheduledTime,
  WaitForScheduledTime,
  RetryFailedFlows,
  InstrumentFlowRunStateTransitions,
  ReleaseFlowConcurrencySlots,
];

export const MINIMAL_FLOW_POLICY: readonly RuleDef[] = [
  PreventResultDataLoss,
  BypassCancellingFlowRunsWithNoInfra,
  InstrumentFlowRunStateTransitions,
  ReleaseFlowConcurrencySlots,
];

export type { RuleInstance };
