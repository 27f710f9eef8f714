/**
 * State objects in and out: stored rows (as Postgres JSON) → OrchState, and OrchState → the API's
 * State object (spec §1.2).
 */
import { serializeFlowRunState, type StateResponse } from '../queries/read-models';
import { formatMicros, parseMicros } from '../time';
import { completeStateDetails, type OrchState } from './states';

/** A `flow_run_state` / `task_run_state` row as `row_to_json` renders it: the API's keys, details as stored. */
export interface StateRowJson extends Omit<StateResponse, 'state_details'> {
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

/** The API State object, by the shared read-model serializer (key order and time format are Prefect's). */
export function serializeState(state: OrchState): StateResponse;
export function serializeState(state: OrchState | null): StateResponse | null;
export function serializeState(state: OrchState | null): StateResponse | null {
  if (!state) return null;
  return serializeFlowRunState({
    id: state.id,
    type: state.type,
    name: state.name,
    timestamp: formatMicros(state.timestamp),
    message: state.message,
    data: state.data ?? null,
    stateDetails: { ...state.stateDetails },
  });
}
