/**
 * Events as the server keeps them (Prefect's ReceivedEvent): the validated client event plus the time
 * it was received, and the rows it becomes in `event` and `event_resource`.
 */
import type { EventIn } from '../schemas/events';
import { EVENT_LIMITS } from '../schemas/events';
import { formatMicros, type Micros } from '../time';

export interface ReceivedEvent extends EventIn {
  received: string;
}

export const receive = (event: EventIn, at: Micros): ReceivedEvent => ({ ...event, received: formatMicros(at) });

/** Prefect drops (with a warning) an event larger than this as JSON, rather than refusing the batch. */
export function withinSizeLimit(event: ReceivedEvent): boolean {
  const size = new TextEncoder().encode(JSON.stringify(event)).length;
  if (size <= EVENT_LIMITS.maximumSizeBytes) return true;
  console.warn(`Refusing to store event ${event.id} (${event.event.slice(0, 100)}) of ${size} bytes`);
  return false;
}

/** The first occurrence of each id: a batch may carry an event twice (a client resend). */
export function uniqueById<T extends { id: string }>(events: readonly T[]): T[] {
  const seen = new Set<string>();
  return events.filter((e) => (seen.has(e.id) ? false : (seen.add(e.id), true)));
}

/** An `event` row, as jsonb_to_recordset reads it (see queries/events.ts). */
export const eventRow = (e: ReceivedEvent) => ({
  id: e.id,
  occurred: e.occurred,
  event: e.event,
  resource_id: e.resource['prefect.resource.id'],
  resource: e.resource,
  related_resource_ids: e.related.map((r) => r['prefect.resource.id']),
  related: e.related,
  payload: e.payload,
  received: e.received,
  follows: e.follows ?? null,
});

/** One `event_resource` row per resource the event names: the primary one with role '', then the related. */
export function eventResourceRows(e: ReceivedEvent) {
  const strip = (labels: Record<string, string>) => {
    const { 'prefect.resource.id': _id, 'prefect.resource.role': _role, ...rest } = labels;
    return rest;
  };
  return [e.resource, ...e.related].map((labels, i) => ({
    event_id: e.id,
    occurred: e.occurred,
    resource_id: labels['prefect.resource.id'],
    resource_role: i === 0 ? '' : (labels['prefect.resource.role'] ?? ''),
    resource: strip(labels),
  }));
}
