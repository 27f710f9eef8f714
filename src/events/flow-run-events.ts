/**
 * Server-side `prefect.flow-run.<State>` events (Prefect's models/events.py flow_run_state_change_event):
 * the parts decided in memory for each written flow-run state. The resource names and related resources
 * (flow, deployment, work queue and pool, parent task run, tags, creator) come from the database, in the
 * statement that writes the states (../queries/flow-run-orchestration-store.ts).
 */
import type { OrchState } from '../orchestration/states';
import { formatMicros } from '../time';

/** Prefect truncates state messages in events at this many characters. */
const TRUNCATE_AT = 100_000;
/** Within this distance the event names its predecessor (`follows`), to order close events. */
const TIGHT_TIMING_US = 5 * 60 * 1_000_000;

/** Prefect's truncated_to: the two halves around a note of how much was left out; "" for no text. */
function truncated(text: string | null): string {
  if (!text) return '';
  if (text.length <= TRUNCATE_AT) return text;
  const half = Math.floor(TRUNCATE_AT / 2);
  const proposed = `${text.slice(0, half)}...${text.length - 2 * half} additional characters...${text.slice(-half)}`;
  return proposed.length < text.length ? proposed : text;
}

/** The essential parts of a state, as Prefect puts them in event payloads. */
function statePayload(state: OrchState | null): Record<string, string> | null {
  if (!state) return null;
  const out: Record<string, string> = { type: state.type };
  if (state.name) out.name = state.name;
  if (state.message) out.message = truncated(state.message);
  if (state.type === 'PAUSED') out.pause_reschedule = String(state.stateDetails.pause_reschedule).toLowerCase();
  return out;
}

/** Python's `isoformat()` of a UTC datetime: `+00:00`, and no fraction when it is zero. */
export const pythonIsoformat = (us: number) => formatMicros(us).replace(/Z$/, '+00:00');

export interface FlowRunEventParts {
  /** The event's id is the state's, so the events of one run are ordered like its states. */
  id: string;
  event: string;
  run_count: string;
  state_message: string;
  state_name: string;
  state_timestamp: string;
  state_type: string;
  payload: Record<string, unknown>;
  follows: string | null;
}

export function flowRunStateEvent(initial: OrchState | null, validated: OrchState, runCount: number): FlowRunEventParts {
  const tight = initial !== null && Math.abs(validated.timestamp - initial.timestamp) < TIGHT_TIMING_US;
  return {
    id: validated.id,
    event: `prefect.flow-run.${validated.name}`,
    run_count: String(runCount),
    state_message: truncated(validated.message),
    state_name: validated.name ?? '',
    state_timestamp: pythonIsoformat(validated.timestamp),
    state_type: validated.type,
    payload: {
      intended: { from: initial?.type ?? null, to: validated.type },
      initial_state: statePayload(initial),
      validated_state: statePayload(validated),
    },
    follows: tight ? initial.id : null,
  };
}
