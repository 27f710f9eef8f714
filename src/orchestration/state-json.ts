/**
 * State objects in and out: stored rows (as Postgres JSON) → OrchState, and OrchState → the API's
 * State object (spec §1.2), with keys in Prefect's order and times in Prefect's format.
 */
import { formatMicros, formatTimestamp, parseMicros } from '../time';
import { completeStateDetails, type OrchState, type StateDetails, type StateType } from './states';

/** A `flow_run_state` / `task_run_state` row as `row_to_json` renders it. */
export interface StateRowJson {
  id: string;
  type: StateType;
  name: string;
  timestamp: string;
  message: string | null;
  data: unknown;
  state_details: unknown;
}

export function stateFromRow(row: StateRowJson): OrchState {
  return {
    id: row.id,
    type: row.type,
    name: row.name,
    timestamp: parseMicros(row.timestamp) ?? 0,
    message: row.message,
    data: row.data ?? null,
    stateDetails: completeStateDetails(row.state_details),
  };
}

const DETAIL_TIMES = ['scheduled_time', 'cache_expiration', 'pause_timeout'] as const;

export function serializeStateDetails(details: StateDetails): StateDetails {
  const out = { ...details };
  for (const key of DETAIL_TIMES) out[key] = formatTimestamp(out[key]);
  return out;
}

export interface StateJson {
  id: string;
  type: StateType;
  name: string;
  timestamp: string;
  message: string | null;
  data: unknown;
  state_details: StateDetails;
}

export function serializeState(state: OrchState): StateJson;
export function serializeState(state: OrchState | null): StateJson | null;
export function serializeState(state: OrchState | null): StateJson | null {
  if (!state) return null;
  return {
    id: state.id,
    type: state.type,
    name: state.name,
    timestamp: formatMicros(state.timestamp),
    message: state.message,
    data: state.data ?? null,
    state_details: serializeStateDetails(state.stateDetails),
  };
}
