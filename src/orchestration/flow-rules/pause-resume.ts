/** Pausing and resuming flow runs (spec §3.2 #11, #12). */
import { abort, ALL, reject, type RuleDef } from '../rules';
import type { StateType } from '../states';
import { parseMicros } from '../../time';
import { uuid4 } from '../ids';
import { apiVersionAtLeast } from '../versions';
import { proposed, initial, resetPauseMetadata, T } from './shared';

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

const RESUMABLE_TO: ReadonlySet<StateType> = new Set(['RUNNING', 'SCHEDULED', 'CANCELLING', ...T]);

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
    // A blocking pause keeps its process alive, so cancelling reaches it even past the pause timeout.
    if (to.type === 'CANCELLING') return;
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
  // Leaving a blocking pause for SCHEDULED starts a new attempt from the top (the process is gone), so
  // its pause metadata is reset and the pauses fire again; a suspended run keeps its fired keys.
  after: (ctx) => {
    const blocking = ctx.initial !== null && !ctx.initial.stateDetails.pause_reschedule;
    if (blocking && ctx.validated?.type === 'SCHEDULED' && apiVersionAtLeast(ctx.apiVersion, [0, 8, 4])) {
      resetPauseMetadata(ctx.run.empiricalPolicy, 'reschedule');
    } else {
      ctx.run.empiricalPolicy.resuming = true;
    }
  },
};
