/**
 * Value objects as Prefect serializes them: every field present, defaults filled, unknown stored keys
 * dropped (Pydantic re-validates these on read), and the fields computed at response time.
 */
import type { flowRunState, StateType } from '../../db/schema';
import { formatTimestamp, nowMicros, parseMicros, type Micros } from '../../time';
import type {
  CreatedByResponse,
  FlowRunPolicyResponse,
  Json,
  StateDetails,
  StateResponse,
  TaskRunPolicyResponse,
} from './types';

const TERMINAL: ReadonlySet<string> = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'CRASHED']);

const asObject = (x: unknown): Json => (x !== null && typeof x === 'object' && !Array.isArray(x) ? (x as Json) : {});
const orNull = <T>(x: T | undefined): T | null => (x === undefined ? null : x);
const timeOrNull = (x: unknown): string | null => (typeof x === 'string' ? formatTimestamp(x) : null);

export function serializeStateDetails(stored: unknown): StateDetails {
  const d = asObject(stored);
  return {
    flow_run_id: orNull(d.flow_run_id as string | null),
    task_run_id: orNull(d.task_run_id as string | null),
    child_flow_run_id: orNull(d.child_flow_run_id as string | null),
    scheduled_time: timeOrNull(d.scheduled_time),
    cache_key: orNull(d.cache_key as string | null),
    cache_expiration: timeOrNull(d.cache_expiration),
    deferred: d.deferred === undefined ? false : (d.deferred as boolean | null),
    untrackable_result: d.untrackable_result === true,
    pause_timeout: timeOrNull(d.pause_timeout),
    pause_reschedule: d.pause_reschedule === true,
    pause_key: orNull(d.pause_key as string | null),
    run_input_keyset: orNull(d.run_input_keyset as Record<string, string> | null),
    refresh_cache: orNull(d.refresh_cache as boolean | null),
    retriable: orNull(d.retriable as boolean | null),
    transition_id: orNull(d.transition_id as string | null),
    task_parameters_id: orNull(d.task_parameters_id as string | null),
    traceparent: orNull(d.traceparent as string | null),
    deployment_concurrency_lease_id: orNull(d.deployment_concurrency_lease_id as string | null),
  };
}

/** A stored state row (flow_run_state or task_run_state: same columns) as the API State object. */
export type StateRow = Pick<
  typeof flowRunState.$inferSelect,
  'id' | 'type' | 'name' | 'timestamp' | 'message' | 'data' | 'stateDetails'
>;

export function serializeState(row: StateRow): StateResponse {
  return {
    id: row.id,
    type: row.type,
    name: row.name,
    timestamp: formatTimestamp(row.timestamp) as string,
    message: row.message,
    data: row.data ?? null,
    state_details: serializeStateDetails(row.stateDetails),
  };
}

export const serializeFlowRunState = serializeState;
export const serializeTaskRunState = serializeState;

export function serializeCreatedBy(stored: unknown): CreatedByResponse | null {
  if (stored === null || stored === undefined) return null;
  const c = asObject(stored);
  return {
    id: orNull(c.id as string | null),
    type: orNull(c.type as string | null),
    display_value: orNull(c.display_value as string | null),
  };
}

/** Prefect copies the deprecated max_retries / retry_delay_seconds into retries / retry_delay when those are falsy. */
function retryFields(p: Json) {
  const maxRetries = typeof p.max_retries === 'number' ? p.max_retries : 0;
  const retryDelaySeconds = typeof p.retry_delay_seconds === 'number' ? p.retry_delay_seconds : 0;
  let retries = orNull(p.retries as number | null);
  let retryDelay = orNull(p.retry_delay as number | number[] | null);
  if (!retries && maxRetries !== 0) retries = maxRetries;
  if (!retryDelay && retryDelaySeconds !== 0) retryDelay = retryDelaySeconds;
  return { max_retries: maxRetries, retry_delay_seconds: retryDelaySeconds, retries, retry_delay: retryDelay };
}

export function serializeFlowRunPolicy(stored: unknown): FlowRunPolicyResponse {
  const p = asObject(stored);
  const r = retryFields(p);
  return {
    ...r,
    retry_delay: r.retry_delay as number | null,
    pause_keys: Array.isArray(p.pause_keys) ? (p.pause_keys as string[]) : [],
    resuming: p.resuming === true,
    retry_type: orNull(p.retry_type as FlowRunPolicyResponse['retry_type']),
  };
}

export function serializeTaskRunPolicy(stored: unknown): TaskRunPolicyResponse {
  const p = asObject(stored);
  return { ...retryFields(p), retry_jitter_factor: orNull(p.retry_jitter_factor as number | null) };
}

const seconds = (us: Micros) => us / 1_000_000;

/** total_run_time, plus the time spent in the current RUNNING state (§1.12). */
export function estimatedRunTime(
  totalRunTimeSeconds: number,
  stateType: StateType | null,
  stateTimestamp: string | null,
  now: Micros = nowMicros(),
): number {
  if (stateType !== 'RUNNING' || stateTimestamp === null) return totalRunTimeSeconds;
  const since = parseMicros(stateTimestamp);
  return since === null ? totalRunTimeSeconds : totalRunTimeSeconds + seconds(now - since);
}

/** How late the run started, or is, relative to its expected start (§1.12). */
export function estimatedStartTimeDelta(
  startTime: string | null,
  expectedStartTime: string | null,
  stateType: StateType | null,
  now: Micros = nowMicros(),
): number {
  const start = startTime === null ? null : parseMicros(startTime);
  const expected = expectedStartTime === null ? null : parseMicros(expectedStartTime);
  if (start !== null && expected !== null && start > expected) return seconds(start - expected);
  if (startTime === null && expected !== null && expected < now && !(stateType && TERMINAL.has(stateType))) {
    return seconds(now - expected);
  }
  return 0;
}
