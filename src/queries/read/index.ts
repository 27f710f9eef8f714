export * from './types';
export type { ReadQuery } from './query';
export { readFlows, toFlowResponse } from './flows';
export { readFlowRuns, flowRunsQuery } from './flow-runs';
export { readTaskRuns, toReducedTaskRunResponse } from './task-runs';
export { readDeployments, readDeploymentsJson, deploymentsQuery, deploymentsJsonQuery, toScheduleResponse } from './deployments';
export { readWorkPools, readWorkQueues, type QueueSlotsMode } from './work-pools';
export {
  serializeState,
  serializeFlowRunState,
  serializeTaskRunState,
  serializeStateDetails,
  serializeCreatedBy,
  serializeFlowRunPolicy,
  serializeTaskRunPolicy,
  estimatedRunTime,
  estimatedStartTimeDelta,
  type StateRow,
} from './values';
