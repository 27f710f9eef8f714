/**
 * Carrying out a triggered action (Prefect's server/events/actions.py). Like Prefect's, every
 * action that changes something calls the API (here in-process, src/http/self-api.ts) with the
 * `Prefect-Automation-ID` / `-Name` headers, so the same validation, orchestration rules and events
 * apply as to any client; and run-deployment passes Prefect's idempotency key, so a retried action
 * never creates a second run.
 *
 * `ActionFailed` is Prefect's "expected" failure (a 4xx, nothing to infer): it is recorded and not
 * retried. Anything else (a 5xx, an exception) is retried by the runner.
 */
import type { ApiCall } from '../../http/self-api';
import { STATE_TYPES } from '../../orchestration/states';
import type { Action } from '../../schemas/automations';
import { formatMicros, nowMicros } from '../../time';
import { firstResourceOfKind, idOfResource, orchestrationContext, renderTemplate, templateEvent, TemplateRenderError, type ApiReader } from './templating';
import type { AutomationEvent } from './triggers';
import { runBulkAction } from './bulk';
import { ActionFailed, ActionRetryable } from './action-errors';
import { InvalidNotificationBlock, NOTIFICATION_BLOCK_TYPES, notificationRequests, UndeliverableNotification, type NotificationRequest } from './notifications';

export { ActionFailed, ActionRetryable };

export interface TriggeredAction {
  automation: { id: string; name: string; trigger: { type: string; posture?: string } };
  id: string;
  firing: Record<string, unknown> | null;
  triggered: string;
  triggering_labels: Record<string, string>;
  triggering_event: AutomationEvent | null;
  action: Action;
  action_index: number;
  automation_triggered_event_id: string | null;
}

/** What an action leaves for its `executed`/`failed` event: payload details and related resources. */
export interface ActionOutcome {
  details: Record<string, unknown>;
  related: Record<string, string>[];
}

const idempotencyKey = (ta: TriggeredAction) => `automation ${ta.automation.id}, action ${ta.action_index}, invocation ${ta.id}`;

function reasonFromResponse(type: string, status: number, body: unknown): string {
  const detail = body && typeof body === 'object' ? (body as Record<string, unknown>).detail : undefined;
  if (status === 409 || status === 422) {
    if (status === 422 || detail) return `Validation error occurred for '${type}'${detail ? ` - ${typeof detail === 'string' ? detail : JSON.stringify(detail)}` : ''}`;
    return `Conflict (409) occurred for '${type}' - ${JSON.stringify(body)}`;
  }
  return `Unexpected status from '${type}' action: ${status}`;
}

/** 5xx are worth another try; other non-2xx are the action's failure. */
function check(type: string, res: { status: number; body: unknown }, out: ActionOutcome) {
  out.details.status_code = res.status;
  if (res.status >= 500) throw new ActionRetryable(`'${type}' got ${res.status}`);
  if (res.status >= 300) throw new ActionFailed(reasonFromResponse(type, res.status, res.body));
}

function inferred(ta: TriggeredAction, idKey: string, kind: string, what: string): string {
  const a = ta.action;
  if (a.source !== 'inferred') return String(a[idKey]);
  const event = ta.triggering_event;
  if (!event) throw new ActionFailed(`No event to infer the ${what}`);
  const id = idOfResource(firstResourceOfKind(event, kind)?.['prefect.resource.id'], kind);
  if (!id) throw new ActionFailed(`No ${what} could be inferred`);
  return id;
}

function flowRunOf(ta: TriggeredAction): string {
  const fromLabels = idOfResource(ta.triggering_labels['prefect.resource.id'], 'prefect.flow-run');
  if (fromLabels) return fromLabels;
  const id = idOfResource(firstResourceOfKind(ta.triggering_event, 'prefect.flow-run')?.['prefect.resource.id'], 'prefect.flow-run');
  if (id) return id;
  throw new ActionFailed('No flow run could be inferred');
}

const reader =
  (api: ApiCall): ApiReader =>
  async (path, init) => {
    const res = await api(init?.method ?? 'GET', path, init?.body);
    return res.status < 300 ? res.body : null;
  };

/** Prefect's template context for a triggered action. */
async function templateContext(api: ApiCall, ta: TriggeredAction, templates: string[]): Promise<Record<string, unknown>> {
  const firing = ta.firing as { triggering_firings?: unknown[] } | null;
  const allFirings = (f: Record<string, unknown> | null): Record<string, unknown>[] =>
    f ? [f, ...((f.triggering_firings as Record<string, unknown>[] | undefined) ?? []).flatMap(allFirings)] : [];
  const firings = allFirings(ta.firing);
  const asTemplate = (e: unknown) => (e && typeof e === 'object' ? templateEvent(e as AutomationEvent & Record<string, unknown>) : e);
  return {
    automation: ta.automation,
    event: asTemplate(ta.triggering_event),
    labels: ta.triggering_labels,
    firing,
    firings,
    events: firings.map((f) => f.triggering_event).filter(Boolean).map(asTemplate),
    ...(await orchestrationContext(templates, ta.triggering_event, reader(api))),
  };
}

function render(template: string, context: Record<string, unknown>, out: ActionOutcome): string {
  try {
    return renderTemplate(template, context);
  } catch (e) {
    if (e instanceof TemplateRenderError) {
      out.details.template_error = e.error;
      out.details.template_source = e.template;
      throw new ActionFailed(`Template rendering failed: ${e.error}`);
    }
    throw e;
  }
}

/**
 * Parameters with their templates rendered: a string that is one `{{ expression }}` keeps the
 * expression's JSON type (Prefect wraps it in `| tojson`), other template strings render to text,
 * and `{"__prefect_kind": "jinja", "template": …}` / `{"__prefect_kind": "json", "value": …}` are
 * hydrated as Prefect's hydration does.
 */
async function renderParameters(api: ApiCall, ta: TriggeredAction, parameters: Record<string, unknown>, out: ActionOutcome) {
  const templates: string[] = [];
  const collect = (x: unknown) => {
    if (typeof x === 'string') templates.push(x);
    else if (Array.isArray(x)) x.forEach(collect);
    else if (x && typeof x === 'object') Object.values(x).forEach(collect);
  };
  collect(parameters);
  const context = await templateContext(api, ta, templates);
  const hydrate = (x: unknown): unknown => {
    if (typeof x === 'string') {
      if (!(x.includes('{{') || x.includes('{%'))) return x;
      const t = x.trim();
      if (t.startsWith('{{') && t.endsWith('}}') && t.split('{{').length === 2) {
        return parseJson(render(`{{ (${t.slice(2, -2).trim()}) | tojson }}`, context, out), out);
      }
      return render(x, context, out);
    }
    if (Array.isArray(x)) return x.map(hydrate);
    if (x && typeof x === 'object') {
      const o = x as Record<string, unknown>;
      if (o.__prefect_kind === 'jinja') return render(String(o.template ?? ''), context, out);
      if (o.__prefect_kind === 'json') {
        const inner = hydrate(o.value);
        return typeof inner === 'string' ? parseJson(inner, out) : inner;
      }
      if (o.__prefect_kind === 'none') return null;
      return Object.fromEntries(Object.entries(o).map(([k, val]) => [k, hydrate(val)]));
    }
    return x;
  };
  return hydrate(parameters) as Record<string, unknown>;
}

function parseJson(text: string, out: ActionOutcome): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    out.details.template_error = 'Invalid JSON';
    throw new ActionFailed(`Unable to create flow run from deployment: invalid JSON from template: ${text.slice(0, 200)}`);
  }
}

/** Runs one triggered action; returns what its `executed` event reports, or throws. */
export async function act(api: ApiCall, ta: TriggeredAction, out: ActionOutcome): Promise<void> {
  const a = ta.action;
  const target = (kind: string, id: string) => out.related.push({ 'prefect.resource.id': `${kind}.${id}`, 'prefect.resource.role': 'target' });
  switch (a.type) {
    case 'do-nothing':
      return;
    case 'run-deployment': {
      const deploymentId = inferred(ta, 'deployment_id', 'prefect.deployment', 'deployment');
      target('prefect.deployment', deploymentId);
      const parameters = await renderParameters(api, ta, (a.parameters as Record<string, unknown> | null) ?? {}, out);
      const scheduled = formatMicros(nowMicros() + Math.round(Number(a.schedule_after ?? 0) * 1_000_000));
      const body: Record<string, unknown> = {
        state: { type: 'SCHEDULED', name: 'Scheduled', message: null, state_details: { scheduled_time: scheduled } },
        parameters,
        idempotency_key: idempotencyKey(ta),
      };
      // Prefect's action sends its job_variables as they are, null included (the run keeps null).
      body.job_variables = a.job_variables ?? null;
      const res = await api('POST', `/deployments/${deploymentId}/create_flow_run`, body);
      if (res.status < 300) {
        const run = res.body as { id: string; name: string };
        out.related.push({ 'prefect.resource.id': `prefect.flow-run.${run.id}`, 'prefect.resource.role': 'flow-run', 'prefect.resource.name': run.name });
      }
      if (res.status === 409) out.details.validation_error = (res.body as Record<string, unknown> | null)?.detail ?? null;
      return check(a.type, res, out);
    }
    case 'pause-deployment':
    case 'resume-deployment': {
      const id = inferred(ta, 'deployment_id', 'prefect.deployment', 'deployment');
      target('prefect.deployment', id);
      const verb = a.type === 'pause-deployment' ? 'pause_deployment' : 'resume_deployment';
      return check(a.type, await api('POST', `/deployments/${id}/${verb}`), out);
    }
    case 'pause-work-queue':
    case 'resume-work-queue': {
      const id = inferred(ta, 'work_queue_id', 'prefect.work-queue', 'work queue');
      target('prefect.work-queue', id);
      return check(a.type, await api('PATCH', `/work_queues/${id}`, { is_paused: a.type === 'pause-work-queue' }), out);
    }
    case 'pause-work-pool':
    case 'resume-work-pool': {
      const id = inferred(ta, 'work_pool_id', 'prefect.work-pool', 'work pool');
      const pools = await api('POST', '/work_pools/filter', { work_pools: { id: { any_: [id] } } });
      const pool = (pools.body as { name: string }[] | null)?.[0];
      if (!pool) throw new ActionFailed(`Work pool ${id} not found`);
      out.related.push({ 'prefect.resource.id': `prefect.work-pool.${id}`, 'prefect.resource.name': pool.name, 'prefect.resource.role': 'target' });
      return check(a.type, await api('PATCH', `/work_pools/${encodeURIComponent(pool.name)}`, { is_paused: a.type === 'pause-work-pool' }), out);
    }
    case 'pause-automation':
    case 'resume-automation': {
      const id = inferred(ta, 'automation_id', 'prefect.automation', 'automation');
      target('prefect.automation', id);
      return check(a.type, await api('PATCH', `/automations/${id}`, { enabled: a.type === 'resume-automation' }), out);
    }
    case 'cancel-flow-run':
    case 'suspend-flow-run':
    case 'change-flow-run-state': {
      const runId = flowRunOf(ta);
      target('prefect.flow-run', runId);
      let state: Record<string, unknown>;
      if (a.type === 'cancel-flow-run') state = { type: 'CANCELLING', message: `Cancelled by Automation ${ta.automation.id}` };
      else if (a.type === 'suspend-flow-run') {
        state = {
          type: 'PAUSED',
          name: 'Suspended',
          message: `Suspended by Automation ${ta.automation.id}`,
          state_details: { pause_timeout: formatMicros(nowMicros() + 3600 * 1_000_000), pause_reschedule: true },
        };
      } else {
        if (!STATE_TYPES.includes(a.state as never)) throw new ActionFailed(`Unknown state ${String(a.state)}`);
        state = { type: a.state, name: a.name ?? null, message: (a.message as string | null) || `State changed by Automation ${ta.automation.id}` };
      }
      const res = await api('POST', `/flow_runs/${runId}/set_state`, { state, force: a.type === 'change-flow-run-state' ? Boolean(a.force) : false });
      check(a.type, res, out);
      const result = res.body as { status?: string; details?: { reason?: string } };
      if (result.status !== 'ACCEPT') throw new ActionFailed(`Failed to set state: ${result.details?.reason ?? result.status}`);
      return;
    }
    case 'resume-flow-run': {
      const runId = flowRunOf(ta);
      target('prefect.flow-run', runId);
      const res = await api('POST', `/flow_runs/${runId}/resume`, {});
      check(a.type, res, out);
      const result = res.body as { status?: string; details?: { reason?: string } };
      if (result.status !== 'ACCEPT') throw new ActionFailed(`Failed to resume flow run: ${result.details?.reason ?? result.status}`);
      return;
    }
    case 'delete-flow-run': {
      const runId = flowRunOf(ta);
      target('prefect.flow-run', runId);
      return check(a.type, await api('DELETE', `/flow_runs/${runId}`), out);
    }
    case 'call-webhook':
      return callWebhook(api, ta, out);
    case 'send-notification':
      return sendNotification(api, ta, out);
    case 'bulk-set-state':
    case 'bulk-delete': {
      await runBulkAction(api, a, out);
      return;
    }
    default:
      throw new ActionFailed(`Unknown action type ${a.type}`);
  }
}

/** Prefect's validate_restricted_url: no loopback, private or link-local hosts unless the block allows them. */
function isPrivateHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h.endsWith('.localhost') || h === '::1' || h === '::' || h === '0.0.0.0') return true;
  if (/^(fc|fd)[0-9a-f]{2}:/.test(h) || h.startsWith('fe80:')) return true;
  const ip = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(h);
  if (!ip) return false;
  const [a, b] = [Number(ip[1]), Number(ip[2])];
  return a === 10 || a === 127 || a === 0 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254);
}

const REDACTED_HEADERS = /authorization|cookie|token|secret|api-key|apikey|password/i;

/** A response text short enough for an event payload. */
const clip = (text: string) => (text.length > 1000 ? `${text.slice(0, 500)}...${text.length - 1000} additional characters...${text.slice(-500)}` : text);

/**
 * Prefect's SendNotification: the notification block's `notify(subject, body)` with both rendered as
 * templates. Each supported block type is an HTTP request or a few (notifications.ts). A refused address
 * or a 4xx is the action's failure; a network error, a timeout, a 429 or a 5xx is retried.
 */
async function sendNotification(api: ApiCall, ta: TriggeredAction, out: ActionOutcome): Promise<void> {
  const a = ta.action;
  const blockId = String(a.block_document_id);
  const res = await api('GET', `/block_documents/${blockId}?include_secrets=true`);
  if (res.status >= 500) throw new ActionRetryable(`reading the notification block got ${res.status}`);
  if (res.status >= 300) throw new ActionFailed(reasonFromResponse(a.type, res.status, res.body));
  const doc = res.body as { name?: string; data?: Record<string, unknown>; block_type?: { slug?: string }; block_schema?: { capabilities?: string[] } | null };
  if (!doc.block_schema?.capabilities?.includes('notify')) throw new ActionFailed('The referenced block was not a notification block');
  const slug = doc.block_type?.slug ?? '';
  out.related.push(
    { 'prefect.resource.id': `prefect.block-document.${blockId}`, 'prefect.resource.role': 'block', 'prefect.resource.name': doc.name ?? '' },
    { 'prefect.resource.id': `prefect.block-type.${slug}`, 'prefect.resource.role': 'block-type' },
  );
  if (!(NOTIFICATION_BLOCK_TYPES as readonly string[]).includes(slug)) {
    throw new ActionFailed(`Notifications through '${slug}' blocks are not sent by this server (it sends ${NOTIFICATION_BLOCK_TYPES.join(', ')})`);
  }
  const subject = String(a.subject ?? 'Prefect automated notification');
  const body = String(a.body ?? '');
  const context = await templateContext(api, ta, [subject, body]);
  const [renderedSubject, renderedBody] = [render(subject, context, out), render(body, context, out)];
  let requests: NotificationRequest[];
  try {
    requests = notificationRequests(slug, doc.data ?? {}, renderedSubject, renderedBody) ?? [];
  } catch (e) {
    if (e instanceof InvalidNotificationBlock || e instanceof TypeError) throw new ActionFailed(`The notification block was invalid: ${e.message}`);
    if (e instanceof UndeliverableNotification) throw notificationFailed(out, e.message);
    throw e;
  }
  for (const request of requests) await deliver(request, out);
}

function notificationFailed(out: ActionOutcome, why: string): ActionFailed {
  out.details.notification_log = why;
  return new ActionFailed(`Notification failed: ${why}`);
}

async function deliver(request: NotificationRequest, out: ActionOutcome): Promise<void> {
  const failed = (why: string) => notificationFailed(out, why);
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    throw new ActionFailed(`The notification block was invalid: ${JSON.stringify(request.url)} is not a valid URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw failed(`${url.protocol} URLs are not allowed, only HTTP and HTTPS`);
  if (!request.allowPrivate && isPrivateHost(url.hostname)) throw failed(`URL ${url.hostname} is a private address`);
  let response: Response;
  try {
    // Redirects are not followed (as httpx does not): one could lead past the private-address check.
    const init = { method: request.method, headers: request.headers, body: request.body, redirect: 'manual' as const, signal: AbortSignal.timeout(request.timeoutMs) };
    response = await fetch(request.url, init);
  } catch (e) {
    throw new ActionRetryable(`Notification request to ${url.host} failed: ${e instanceof Error ? e.message : String(e)}`);
  }
  const text = clip(await response.text());
  if (response.status === 429 || response.status >= 500) throw new ActionRetryable(`Notification request to ${url.host} got ${response.status}: ${text}`);
  if (response.status >= 300) throw failed(`${url.host} answered ${response.status}: ${text}`);
}

/** Prefect's CallWebhook: the Webhook block's method, URL and headers, with the rendered payload as the body. */
async function callWebhook(api: ApiCall, ta: TriggeredAction, out: ActionOutcome): Promise<void> {
  const a = ta.action;
  const res = await api('GET', `/block_documents/${String(a.block_document_id)}?include_secrets=true`);
  if (res.status >= 500) throw new ActionRetryable(`reading the webhook block got ${res.status}`);
  if (res.status >= 300) throw new ActionFailed(reasonFromResponse(a.type, res.status, res.body));
  const doc = res.body as { name?: string; data?: Record<string, unknown>; block_type?: { slug?: string } };
  if (doc.block_type?.slug !== 'webhook') throw new ActionFailed('The referenced block was not a webhook block');
  out.related.push(
    { 'prefect.resource.id': `prefect.block-document.${String(a.block_document_id)}`, 'prefect.resource.role': 'block', 'prefect.resource.name': doc.name ?? '' },
    { 'prefect.resource.id': 'prefect.block-type.webhook', 'prefect.resource.role': 'block-type' },
  );
  const data = doc.data ?? {};
  const url = String(data.url ?? '');
  const method = String(data.method ?? 'POST');
  const headers = (data.headers as Record<string, string> | null) ?? {};
  const payload = render(String(a.payload ?? ''), await templateContext(api, ta, [String(a.payload ?? '')]), out);
  let response: Response;
  try {
    const parsed = new URL(url);
    if (!data.allow_private_urls && isPrivateHost(parsed.hostname)) throw new Error(`URL ${parsed.hostname} is a private address`);
    response = await fetch(url, { method, headers, body: method === 'GET' || method === 'HEAD' ? undefined : payload });
  } catch (e) {
    throw new ActionFailed(`Webhook call failed: ${e instanceof Error ? e.message : String(e)}`);
  }
  const text = await response.text();
  out.details.status_code = response.status;
  out.details.response_body = clip(text);
  out.details.response_headers = Object.fromEntries([...response.headers].filter(([k]) => !REDACTED_HEADERS.test(k)));
}
