/**
 * The flow-run policies (spec §3.1): CoreFlowPolicy, the rules for non-forced transitions in
 * Prefect's priority order, and MinimalFlowPolicy for forced ones. The rules live in ./flow-rules/;
 * reasons and messages there are the exact strings clients compare.
 */
import type { RuleDef } from './rules';
import {
  PreserveDeploymentConcurrencyLeaseId,
  ReleaseFlowConcurrencySlots,
  RemoveDeploymentConcurrencyLeaseForOldClientVersions,
  SecureFlowConcurrencySlots,
  ValidateDeploymentConcurrencyAtRunning,
} from './flow-rules/deployment-concurrency';
import { HandlePausingFlows, HandleResumingPausedFlows } from './flow-rules/pause-resume';
import {
  BypassCancellingFlowRunsWithNoInfra,
  CopyScheduledTime,
  EnforceCancellingToCancelledTransition,
  EnsureOnlyScheduledFlowsMarkedLate,
  HandleFlowTerminalStateTransitions,
  InstrumentFlowRunStateTransitions,
  PreventDuplicateTransitions,
  PreventPendingTransitions,
  PreventResultDataLoss,
  RetryFailedFlows,
  WaitForScheduledTime,
} from './flow-rules/transitions';

export { roundHalfDown } from './flow-rules/transitions';

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

