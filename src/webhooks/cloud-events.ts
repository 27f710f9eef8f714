/**
 * Cloud's `{{ body|from_cloud_event(headers) }}`: a CloudEvent (structured, a JSON body with
 * `specversion`; or binary, `ce-*` headers around the data) as a Prefect event. The event is the
 * CloudEvent's `type`, the resource its `subject` (or `source`), `data` goes to `payload.data` and the
 * other attributes to `payload.cloudevents`, as Cloud's documentation describes.
 */
import { normalizeUuid } from '../schemas/common';

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** The Prefect event (as JSON text, what the template renders) of a CloudEvent. */
export function cloudEventToEvent(body: unknown, headers: Record<string, unknown>): string {
  let attributes: Record<string, unknown>;
  let data: unknown;
  if (isObject(body) && 'specversion' in body) {
    const { data: inline, data_base64: base64, ...rest } = body;
    attributes = rest;
    data = inline ?? base64 ?? null;
  } else {
    attributes = {};
    for (const [name, value] of Object.entries(headers)) {
      if (name.toLowerCase().startsWith('ce-')) attributes[name.slice(3).toLowerCase()] = value;
    }
    if (headers['content-type'] !== undefined) attributes.datacontenttype = headers['content-type'];
    data = body;
  }
  const type = attributes.type;
  const resource = attributes.subject ?? attributes.source;
  if (typeof type !== 'string' || type === '' || typeof resource !== 'string' || resource === '') {
    throw new Error('from_cloud_event: the request is not a CloudEvent (it needs a type and a source or subject)');
  }
  const event: Record<string, unknown> = {
    event: type,
    resource: { 'prefect.resource.id': resource },
    payload: { data, cloudevents: attributes },
  };
  if (typeof attributes.time === 'string') event.occurred = attributes.time;
  // A CloudEvent id is any string; a Prefect event id is a UUID.
  const id = typeof attributes.id === 'string' ? normalizeUuid(attributes.id) : null;
  if (id) event.id = id;
  return JSON.stringify(event);
}
