/** Helpers the flow-run rules share. */
import type { OrchestrationContext } from '../context';
import type { MaybeType } from '../rules';
import { STATE_TYPES, TERMINAL_TYPES, type FlowRunPolicy, type StateType } from '../states';

export const T: readonly StateType[] = [...TERMINAL_TYPES];
export const allBut = (...except: StateType[]): MaybeType[] => STATE_TYPES.filter((t) => !except.includes(t));
export const SLOT_HOLDING: readonly StateType[] = ['PENDING', 'RUNNING', 'CANCELLING'];
/** Workers of these versions managed deployment concurrency themselves. */
export const SELF_MANAGING_CLIENTS = new Set(['3.0.0rc20', '3.0.0', '3.0.1', '3.0.2', '3.0.3']);
export const LEASE_RENEWING_CLIENT = [3, 4, 11] as const;

export const leaseTtl = (ctx: OrchestrationContext) =>
  ctx.deployment?.concurrencyOptions?.grace_period_seconds ?? ctx.settings.initialDeploymentLeaseDuration;

/** The proposed state, which a valid rule always has. */
export const proposed = (ctx: OrchestrationContext) => ctx.proposed!;
/** The initial state, for rules whose FROM set excludes "no state". */
export const initial = (ctx: OrchestrationContext) => ctx.initial!;

export const resetPauseMetadata = (policy: FlowRunPolicy, retryType: FlowRunPolicy['retry_type']) => {
  policy.resuming = false;
  policy.pause_keys = [];
  policy.retry_type = retryType;
};
