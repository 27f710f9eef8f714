/**
 * The state model orchestration works on (spec: prefect-orchestration.md §1): state types, state
 * details, the run's policy, and the in-memory shape of a state. Times are epoch microseconds.
 */
import { STATE_TYPES, type StateType } from '../db/schema';
import type { Micros } from '../time';

export { STATE_TYPES, type StateType };

export const TERMINAL_TYPES: ReadonlySet<StateType> = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'CRASHED']);
export const isTerminal = (t: StateType | null | undefined): boolean => t != null && TERMINAL_TYPES.has(t);

/** `Scheduled`, `Pending`, … `Cancelling`: the type word with its first letter capitalised. */
export const defaultStateName = (t: StateType): string => t[0] + t.slice(1).toLowerCase();

/** Every key a state's `state_details` carries, with its default (§1.3). */
export interface StateDetails {
  flow_run_id: string | null;
  task_run_id: string | null;
  child_flow_run_id: string | null;
  scheduled_time: string | null;
  cache_key: string | null;
  cache_expiration: string | null;
  deferred: boolean | null;
  untrackable_result: boolean;
  pause_timeout: string | null;
  pause_reschedule: boolean;
  pause_key: string | null;
  run_input_keyset: Record<string, string> | null;
  refresh_cache: boolean | null;
  retriable: boolean | null;
  transition_id: string | null;
  task_parameters_id: string | null;
  traceparent: string | null;
  deployment_concurrency_lease_id: string | null;
}

export const STATE_DETAILS_DEFAULTS: Readonly<StateDetails> = Object.freeze({
  flow_run_id: null,
  task_run_id: null,
  child_flow_run_id: null,
  scheduled_time: null,
  cache_key: null,
  cache_expiration: null,
  deferred: false,
  untrackable_result: false,
  pause_timeout: null,
  pause_reschedule: false,
  pause_key: null,
  run_input_keyset: null,
  refresh_cache: null,
  retriable: null,
  transition_id: null,
  task_parameters_id: null,
  traceparent: null,
  deployment_concurrency_lease_id: null,
});

/** A stored (or validated) `state_details` object with every key present; unknown keys dropped. */
export function completeStateDetails(raw: unknown): StateDetails {
  const src = raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
  const out = { ...STATE_DETAILS_DEFAULTS } as Record<string, unknown>;
  for (const key of Object.keys(STATE_DETAILS_DEFAULTS)) {
    if (key in src && src[key] !== undefined) out[key] = src[key];
  }
  return out as unknown as StateDetails;
}

/** A state as orchestration sees it: the run's current state, or a proposed one. */
export interface OrchState {
  id: string;
  type: StateType;
  name: string;
  timestamp: Micros;
  message: string | null;
  data: unknown;
  stateDetails: StateDetails;
}

export const cloneState = (s: OrchState): OrchState => ({
  ...s,
  data: structuredClone(s.data),
  stateDetails: structuredClone(s.stateDetails),
});

/** FlowRunPolicy (`flow_run.empirical_policy`, §1.6), normalised. */
export interface FlowRunPolicy {
  max_retries: number;
  retry_delay_seconds: number;
  retries: number | null;
  retry_delay: number | null;
  pause_keys: string[];
  resuming: boolean;
  retry_type: 'in_process' | 'reschedule' | null;
}

/** Reads a stored or submitted policy: defaults, and the deprecated fields copied forward. */
export function normalizePolicy(raw: unknown): FlowRunPolicy {
  const src = raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
  const num = (x: unknown): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);
  const policy: FlowRunPolicy = {
    max_retries: num(src.max_retries) ?? 0,
    retry_delay_seconds: num(src.retry_delay_seconds) ?? 0,
    retries: num(src.retries),
    retry_delay: num(src.retry_delay),
    pause_keys: Array.isArray(src.pause_keys) ? [...new Set(src.pause_keys.filter((k): k is string => typeof k === 'string'))] : [],
    resuming: src.resuming === true,
    retry_type: src.retry_type === 'in_process' || src.retry_type === 'reschedule' ? src.retry_type : null,
  };
  if (!policy.retries && policy.max_retries !== 0) policy.retries = policy.max_retries;
  if (!policy.retry_delay && policy.retry_delay_seconds !== 0) policy.retry_delay = policy.retry_delay_seconds;
  return policy;
}

/** The initial state's data is a "persisted result": a truthy dict without `type: "unpersisted"` (§3.2 #3). */
export function initialHasPersistedResult(data: unknown): boolean {
  return isPlainObject(data) && Object.keys(data).length > 0 && data.type !== 'unpersisted';
}

/** The proposed state's data is a persisted result: any dict without `type: "unpersisted"`, even `{}`. */
export function proposedHasPersistedResult(data: unknown): boolean {
  return isPlainObject(data) && data.type !== 'unpersisted';
}

/** Data of the form `{"type":"unpersisted", …}` is echoed once but never stored (§1.5). */
export const isUnpersistedData = (data: unknown): boolean => isPlainObject(data) && data.type === 'unpersisted';

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}
