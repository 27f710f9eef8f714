/**
 * From an HTTP request to an event, as Prefect Cloud's webhooks do it: the request becomes the
 * template's context, the rendered text is parsed as an Event, with `occurred`, `id` and `payload`
 * filled in when the template leaves them out and the webhook added as a related resource. Failures
 * become a `prefect-cloud.webhook.failed` event for the webhook's owner.
 */
import * as v from 'valibot';
import { decodeIssueMessage } from '../schemas/common';
import { EVENT_LIMITS, EventIn } from '../schemas/events';
import { formatMicros, nowMicros } from '../time';
import { renderTemplate, type HookContext } from './template';

export interface HookTargetInfo {
  id: string;
  name: string;
  template: string;
}

/** A failure the sender is told about only as a 400, and the owner in detail. */
export class HookFailure extends Error {
  constructor(
    message: string,
    readonly rendered: string | null = null,
  ) {
    super(message);
  }
}

/** Headers the template never sees (Cloud removes Authorization so that it cannot leak into events). */
const HIDDEN_HEADERS = new Set(['authorization', 'cookie']);

export function hookHeaders(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => {
    if (!HIDDEN_HEADERS.has(name.toLowerCase())) out[name.toLowerCase()] = value;
  });
  return out;
}

function tryJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

/**
 * Best effort, as Cloud: a form body becomes a flat object (the last value of a repeated key), any
 * other body is JSON when it parses as JSON, and its text otherwise.
 */
export function parseHookBody(text: string, contentType: string | null): unknown {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (type === 'application/x-www-form-urlencoded') return Object.fromEntries(new URLSearchParams(text));
  if (text === '') return '';
  const parsed = tryJson(text);
  return parsed.ok ? parsed.value : text;
}

export function hookContext(request: Request, bodyText: string): HookContext {
  const url = new URL(request.url);
  return {
    method: request.method.toUpperCase(),
    headers: hookHeaders(request.headers),
    body: parseHookBody(bodyText, request.headers.get('content-type')),
    query: Object.fromEntries(url.searchParams),
  };
}

export const webhookResourceId = (webhookId: string) => `prefect-cloud.webhook.${webhookId}`;

function issueText(issues: readonly v.BaseIssue<unknown>[]): string {
  return issues
    .slice(0, 5)
    .map((i) => {
      const path = (i.path ?? []).map((p) => String(p.key)).join('.');
      const { msg } = decodeIssueMessage(i.message);
      return path ? `${path}: ${msg}` : msg;
    })
    .join('; ');
}

/** Renders the template and validates the result; throws HookFailure with what went wrong. */
export function hookEvent(webhook: HookTargetInfo, context: HookContext): EventIn {
  let rendered: string;
  try {
    rendered = renderTemplate(webhook.template, context);
  } catch (e) {
    throw new HookFailure(`The template could not be rendered: ${e instanceof Error ? e.message : String(e)}`);
  }
  const parsed = tryJson(rendered);
  if (!parsed.ok) throw new HookFailure('The rendered template is not valid JSON', rendered);
  const raw = parsed.value;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new HookFailure('The rendered template is not a JSON object', rendered);
  }
  const draft: Record<string, unknown> = {
    occurred: formatMicros(nowMicros()),
    id: crypto.randomUUID(),
    payload: { method: context.method, headers: context.headers, body: context.body },
    ...raw,
  };
  const result = v.safeParse(EventIn, draft);
  if (!result.success) throw new HookFailure(`The rendered template is not a valid event: ${issueText(result.issues)}`, rendered);
  const event = result.output;
  // Ingestion drops an oversize event with a warning; a webhook call must not answer 204 for nothing.
  const size = new TextEncoder().encode(JSON.stringify(event)).length;
  if (size > EVENT_LIMITS.maximumSizeBytes) {
    throw new HookFailure(`The event is ${size} bytes, over the limit of ${EVENT_LIMITS.maximumSizeBytes}`, rendered.slice(0, 1000));
  }
  const self = {
    'prefect.resource.id': webhookResourceId(webhook.id),
    'prefect.resource.name': webhook.name,
    'prefect.resource.role': 'webhook',
  };
  return { ...event, related: [...event.related.filter((r) => r['prefect.resource.id'] !== self['prefect.resource.id']), self] };
}

/** How much of the body and of the rendered text a failure event keeps. */
export const FAILURE_TEXT_LIMIT = 16 * 1024;

const clip = (text: string | null) => (text === null || text.length <= FAILURE_TEXT_LIMIT ? text : `${text.slice(0, FAILURE_TEXT_LIMIT)}…`);

/** The event that tells the owner a call failed: what arrived, what the template made of it, and why. */
export function hookFailedEvent(
  webhook: Pick<HookTargetInfo, 'id' | 'name'>,
  request: { method: string; headers: Record<string, string>; body: string | null },
  failure: HookFailure,
): EventIn {
  return {
    occurred: formatMicros(nowMicros()),
    event: 'prefect-cloud.webhook.failed',
    resource: { 'prefect.resource.id': webhookResourceId(webhook.id), 'prefect.resource.name': webhook.name },
    related: [],
    payload: {
      method: request.method,
      headers: request.headers,
      body: clip(request.body),
      rendered: clip(failure.rendered),
      error: failure.message,
    },
    id: crypto.randomUUID(),
    follows: null,
  };
}
