/**
 * How a rule is declared and how a policy (an ordered list of rules) runs (spec §2.0–2.0.1).
 *
 * A rule names the transitions it governs by from/to state types; `null` stands for "no state".
 * Hooks are pure: they read and change the OrchestrationContext only.
 */
import type { OrchestrationContext } from './context';
import { STATE_TYPES, type OrchState, type StateType } from './states';

export type MaybeType = StateType | null;

/** Every type plus "no state": Prefect's ALL_ORCHESTRATION_STATES. */
export const ALL: readonly MaybeType[] = [...STATE_TYPES, null];

/** The transition a rule instance was compiled for; its own reject/abort/delay move `to`. */
export interface RuleInstance {
  readonly def: RuleDef;
  readonly from: MaybeType;
  to: MaybeType;
  /** Per-orchestration scratch space (a generated pause key, an acquired lease…). */
  scratch: Record<string, unknown>;
}

export interface RuleDef {
  name: string;
  from: readonly MaybeType[];
  to: readonly MaybeType[];
  /** Universal transforms apply to every transition, are never skipped and never fizzle. */
  universal?: boolean;
  before?: (ctx: OrchestrationContext, self: RuleInstance) => void;
  after?: (ctx: OrchestrationContext, self: RuleInstance) => void;
  /** Runs on exit when a later rule changed the transition after this one acted. */
  cleanup?: (ctx: OrchestrationContext, self: RuleInstance) => void;
}

/** Actions a before hook takes; each sets the status and details as Prefect's do. */
export function reject(ctx: OrchestrationContext, self: RuleInstance, state: OrchState | null, reason: string): void {
  if (state === null && ctx.initial === null) throw new Error('Cannot reject to the current state of a run with no state');
  ctx.proposed = state;
  self.to = state?.type ?? null;
  ctx.status = 'REJECT';
  ctx.details = { type: 'reject_details', reason };
}

export function delay(ctx: OrchestrationContext, self: RuleInstance, seconds: number, reason: string): void {
  ctx.proposed = null;
  self.to = null;
  ctx.status = 'WAIT';
  ctx.details = { type: 'wait_details', delay_seconds: seconds, reason };
}

export function abort(ctx: OrchestrationContext, self: RuleInstance, reason: string): void {
  ctx.proposed = null;
  self.to = null;
  ctx.status = 'ABORT';
  ctx.details = { type: 'abort_details', reason };
}

const samePair = (ctx: OrchestrationContext, r: RuleInstance) => ctx.initialType === r.from && ctx.proposedType === r.to;

/**
 * Runs a policy over one transition: compile the rules that apply to the intended transition, enter
 * them in order (before hooks), validate, then exit in reverse (after or cleanup hooks).
 * `validate` fixes the validated state between the two phases.
 */
export function runPolicy(ctx: OrchestrationContext, policy: readonly RuleDef[], validate: () => void): void {
  const from = ctx.initialType;
  const to = ctx.proposedType;
  const compiled: RuleInstance[] = policy
    .filter((def) => def.universal || (def.from.includes(from) && def.to.includes(to)))
    .map((def) => ({ def, from, to, scratch: {} }));

  const entered: RuleInstance[] = [];
  for (const rule of compiled) {
    if (!rule.def.universal && (ctx.error !== undefined || !samePair(ctx, rule))) continue;
    entered.push(rule);
    try {
      rule.def.before?.(ctx, rule);
    } catch (err) {
      ctx.error = err;
      ctx.proposed = null;
      ctx.status = 'ABORT';
      ctx.details = { type: 'abort_details', reason: `Aborting orchestration due to error in ${rule.def.name}: !${String(err)}` };
    }
  }

  validate();

  for (const rule of entered.reverse()) {
    if (rule.def.universal) {
      if (ctx.error === undefined) rule.def.after?.(ctx, rule);
      continue;
    }
    if (!rule.def.to.includes(rule.to)) continue;
    if (samePair(ctx, rule)) rule.def.after?.(ctx, rule);
    else rule.def.cleanup?.(ctx, rule);
  }
}
