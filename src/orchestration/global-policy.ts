/**
 * GlobalFlowPolicy (spec §2.1): universal transforms that keep the run's denormalised columns and
 * the new state's details in step with every written state, forced or not. They act on the final
 * proposed state (a rule's replacement included) and do nothing when it was nulled.
 */
import type { OrchestrationContext } from './context';
import { ALL, type RuleDef } from './rules';
import { isTerminal } from './states';
import { apiVersionAtLeast } from './versions';
import { parseMicros } from '../time';
import { uuid7 } from './ids';

const transform = (name: string, before: RuleDef['before'], after?: RuleDef['after']): RuleDef => ({
  name,
  from: ALL,
  to: ALL,
  universal: true,
  before,
  after,
});

const scheduledTime = (ctx: OrchestrationContext): number | null => {
  const t = ctx.proposed?.stateDetails.scheduled_time;
  return t ? parseMicros(t) : null;
};

const resumingAware = (ctx: OrchestrationContext) => apiVersionAtLeast(ctx.apiVersion, [0, 8, 4]);

export const GLOBAL_FLOW_POLICY: readonly RuleDef[] = [
  transform('EnsureFlowRunStateTimestampIsUnique', (ctx) => {
    if (!ctx.proposed) return;
    const taken = new Set(ctx.run.recentStateTimestamps);
    while (taken.has(ctx.proposed.timestamp)) ctx.proposed.timestamp += 1;
  }),
  // state_type, state_name and state_timestamp are copied from the state row the store writes.
  transform('SetRunStateType', () => {}),
  transform('SetRunStateName', () => {}),
  transform('SetRunStateTimestamp', () => {}),
  transform('SetStartTime', (ctx) => {
    if (ctx.proposed?.type === 'RUNNING' && ctx.run.startTime === null) ctx.run.startTime = ctx.proposed.timestamp;
  }),
  transform('SetEndTime', (ctx) => {
    if (!ctx.proposed) return;
    if (ctx.initial && isTerminal(ctx.initial.type) && !isTerminal(ctx.proposed.type)) ctx.run.endTime = null;
    if (isTerminal(ctx.proposed.type) && ctx.run.endTime === null) {
      if (ctx.run.startTime === null) ctx.run.startTime = ctx.proposed.timestamp;
      ctx.run.endTime = ctx.proposed.timestamp;
    }
  }),
  transform('IncrementRunTime', (ctx) => {
    if (ctx.proposed && ctx.initial?.type === 'RUNNING') ctx.run.totalRunTime += ctx.proposed.timestamp - ctx.initial.timestamp;
  }),
  transform('SetExpectedStartTime', (ctx) => {
    if (!ctx.proposed || ctx.run.expectedStartTime !== null) return;
    ctx.run.expectedStartTime = ctx.proposed.type === 'SCHEDULED' ? scheduledTime(ctx) : ctx.proposed.timestamp;
  }),
  transform('SetNextScheduledStartTime', (ctx) => {
    if (!ctx.proposed) return;
    if (ctx.initial?.type === 'SCHEDULED') ctx.run.nextScheduledStartTime = null;
    if (ctx.proposed.type === 'SCHEDULED') ctx.run.nextScheduledStartTime = scheduledTime(ctx);
  }),
  transform('UpdateStateDetails', (ctx) => {
    if (ctx.proposed) ctx.proposed.stateDetails.flow_run_id = ctx.run.id;
  }),
  transform(
    'UpdateSubflowParentTask',
    () => {},
    (ctx) => {
      // Mirrors the subflow's validated state onto its parent task run as a fresh forced state.
      if (!ctx.proposed || !ctx.validated || !ctx.run.parentTaskRunId) return;
      const s = ctx.validated;
      ctx.parentTaskSync = {
        taskRunId: ctx.run.parentTaskRunId,
        state: {
          ...structuredClone(s),
          id: uuid7(ctx.now),
          timestamp: ctx.now,
          stateDetails: { ...structuredClone(s.stateDetails), child_flow_run_id: ctx.run.id },
        },
      };
    },
  ),
  transform('UpdateSubflowStateDetails', (ctx) => {
    if (ctx.proposed && ctx.run.parentTaskRunId) ctx.proposed.stateDetails.task_run_id = ctx.run.parentTaskRunId;
  }),
  transform('IncrementFlowRunCount', (ctx) => {
    if (ctx.proposed?.type !== 'RUNNING') return;
    if (resumingAware(ctx) && ctx.run.empiricalPolicy.resuming) return;
    ctx.run.runCount += 1;
  }),
  transform('RemoveResumingIndicator', (ctx) => {
    if (!ctx.proposed || !resumingAware(ctx)) return;
    if ((ctx.proposed.type === 'RUNNING' || isTerminal(ctx.proposed.type)) && ctx.run.empiricalPolicy.resuming) {
      ctx.run.empiricalPolicy.resuming = false;
    }
  }),
];
