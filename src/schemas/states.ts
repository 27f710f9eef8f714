/**
 * StateCreate (spec §1.4) and FlowRunPolicy input: what clients send when they propose a state or
 * create a run. Extra keys on a state are forbidden; extra keys in state_details and the policy are
 * dropped, as Prefect's value objects do.
 */
import * as v from 'valibot';
import { enumOf, dateTime, dict, laxBool, laxFloat, laxInt, list, looseModel, model, opt, str, uuid } from './common';
import { STATE_TYPES } from '../db/schema';
import { completeStateDetails, defaultStateName, normalizePolicy, type FlowRunPolicy, type OrchState, type StateDetails } from '../orchestration/states';
import { uuid7 } from '../orchestration/ids';
import { formatMicros, type Micros } from '../time';

export const stateDetailsInput = looseModel({
  flow_run_id: opt(uuid()),
  task_run_id: opt(uuid()),
  child_flow_run_id: opt(uuid()),
  scheduled_time: opt(dateTime()),
  cache_key: opt(str()),
  cache_expiration: opt(dateTime()),
  deferred: opt(laxBool()),
  // Plain bools in Prefect (not Optional): null is a 422, absent means false.
  untrackable_result: v.optional(laxBool()),
  pause_timeout: opt(dateTime()),
  pause_reschedule: v.optional(laxBool()),
  pause_key: opt(str()),
  run_input_keyset: opt(dict(str())),
  refresh_cache: opt(laxBool()),
  retriable: opt(laxBool()),
  transition_id: opt(uuid()),
  task_parameters_id: opt(uuid()),
  traceparent: opt(str()),
  deployment_concurrency_lease_id: opt(uuid()),
});

export const stateCreate = model({
  type: enumOf(STATE_TYPES),
  name: opt(str()),
  message: opt(str()),
  data: v.optional(v.unknown()),
  // Not Optional since Prefect 3.9.1: an explicit null is a 422 (absent still means empty details).
  state_details: v.optional(stateDetailsInput),
});

export type StateCreate = v.InferOutput<typeof stateCreate>;

/**
 * Builds the proposed state from a StateCreate at server time `now`: default name, a scheduled
 * time for SCHEDULED states, a fresh UUIDv7 and the timestamp. Each call copies the input, so runs
 * of a bulk request never share details (Appendix A1).
 */
export function buildProposedState(input: StateCreate, now: Micros): OrchState {
  const details: StateDetails = completeStateDetails(structuredClone(input.state_details ?? {}));
  details.untrackable_result ??= false;
  details.pause_reschedule ??= false;
  if (input.type === 'SCHEDULED' && !details.scheduled_time) details.scheduled_time = formatMicros(now);
  return {
    id: uuid7(now),
    type: input.type,
    name: input.name ?? defaultStateName(input.type),
    timestamp: now,
    message: input.message ?? null,
    data: structuredClone(input.data ?? null),
    stateDetails: details,
  };
}

/** Python's truthiness (Prefect's validators test fields with `not x`). */
const pyFalsy = (x: unknown) =>
  x === null || x === undefined || x === false || x === 0 || x === '' ||
  (typeof x === 'object' && Object.keys(x as object).length === 0);

/**
 * Prefect fills the deprecated fields' successors BEFORE validating: `retries := max_retries` and
 * `retry_delay := retry_delay_seconds` when the new field is falsy and the old one is not 0. The
 * copied value is then validated as the new field, an int: a fractional retry_delay_seconds is a
 * 422 at `retry_delay` (int_from_float), as in Prefect, never a fractional retry_delay.
 */
const withDeprecatedPolicyFields = v.transform((x: unknown) => {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return x;
  const p = { ...(x as Record<string, unknown>) };
  const maxRetries = 'max_retries' in p ? p.max_retries : 0;
  const retryDelaySeconds = 'retry_delay_seconds' in p ? p.retry_delay_seconds : 0;
  // Python's `x != 0`: False == 0 there.
  const nonZero = (x: unknown) => x !== 0 && x !== false;
  if (pyFalsy(p.retries) && nonZero(maxRetries)) p.retries = maxRetries;
  if (pyFalsy(p.retry_delay) && nonZero(retryDelaySeconds)) p.retry_delay = retryDelaySeconds;
  return p;
});

export const flowRunPolicyInput = v.pipe(v.unknown(), withDeprecatedPolicyFields, looseModel({
  // Plain `int` / `float` in Prefect (deprecated, never Optional): null is a 422.
  max_retries: v.optional(laxInt()),
  retry_delay_seconds: v.optional(laxFloat()),
  retries: opt(laxInt()),
  retry_delay: opt(laxInt()),
  pause_keys: opt(list(str())),
  resuming: opt(laxBool()),
  retry_type: opt(enumOf(['in_process', 'reschedule'] as const)),
}));

export const toFlowRunPolicy = (input: v.InferOutput<typeof flowRunPolicyInput> | null | undefined): FlowRunPolicy =>
  normalizePolicy(input ?? {});
