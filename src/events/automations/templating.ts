/**
 * User templates (Prefect's server/utilities/user_templates.py): Jinja rendered with
 * `@huggingface/jinja`, an interpreter written in TypeScript that never compiles to JavaScript, so
 * it runs on Workers (no eval) and cannot reach outside the context it is given.
 *
 * The context is Prefect's: `automation`, `event`, `labels`, `firing`, `firings`, `events`, and
 * the orchestration objects a template names (`flow_run`, `flow`, `deployment`, `task_run`,
 * `work_pool`, `work_queue`, `concurrency_limit`, `variables`), read through the API for the first
 * resource of that kind the triggering event involves.
 */
import { Template } from '@huggingface/jinja';

export const maybeTemplate = (s: string) => s.includes('{{') || s.includes('{%');

/**
 * Template syntax and Prefect's loop limits are checked with Jinja's wording by the shared validator
 * (also behind /templates/validate); rendering is @huggingface/jinja's.
 */
export { validateTemplate, type TemplateError as TemplateProblem } from '../template-validation';

export class TemplateRenderError extends Error {
  constructor(
    readonly template: string,
    readonly error: string,
  ) {
    super(`Template rendering failed: ${error}`);
  }
}

/** Renders one template; a string without `{{`/`{%` is returned as it is, as Prefect does. */
export function renderTemplate(source: string, context: Record<string, unknown>): string {
  if (!maybeTemplate(source)) return source;
  try {
    return new Template(source).render(context);
  } catch (e) {
    throw new TemplateRenderError(source, e instanceof Error ? e.message : String(e));
  }
}

/** The orchestration objects a template may name, and the resource kind each comes from. */
export const ORCHESTRATION_OBJECTS = {
  deployment: 'prefect.deployment',
  flow: 'prefect.flow',
  flow_run: 'prefect.flow-run',
  task_run: 'prefect.task-run',
  work_pool: 'prefect.work-pool',
  work_queue: 'prefect.work-queue',
  concurrency_limit: 'prefect.concurrency-limit',
} as const;
export type OrchestrationObject = keyof typeof ORCHESTRATION_OBJECTS;

/** Which context objects the templates name (Prefect's matching_types_in_templates). */
export function namedObjects(templates: readonly string[]): { objects: OrchestrationObject[]; variables: boolean } {
  const text = templates.join('\n');
  const named = (name: string) => new RegExp(`\\b${name}\\b`).test(text);
  return {
    objects: (Object.keys(ORCHESTRATION_OBJECTS) as OrchestrationObject[]).filter(named),
    variables: named('variables'),
  };
}

interface EventLike {
  resource: Record<string, string>;
  related?: Record<string, string>[];
}

/** The first resource of a kind the event involves (its own resource first, then the related). */
export function firstResourceOfKind(event: EventLike | null | undefined, kind: string): Record<string, string> | null {
  if (!event) return null;
  for (const r of [event.resource, ...(event.related ?? [])]) {
    const id = r['prefect.resource.id'] ?? '';
    if (id.slice(0, id.lastIndexOf('.')) === kind) return r;
  }
  return null;
}

/** `prefect.flow-run.<uuid>` → the uuid, when the kind matches and the id is a UUID. */
export function idOfResource(resourceId: string | undefined, kind: string): string | null {
  if (!resourceId) return null;
  const dot = resourceId.lastIndexOf('.');
  if (resourceId.slice(0, dot) !== kind) return null;
  const id = resourceId.slice(dot + 1).toLowerCase();
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id) ? id : null;
}

/** Reads an API path and returns its JSON, or null when it does not answer 2xx. */
export type ApiReader = (path: string, init?: { method?: string; body?: unknown }) => Promise<unknown>;

const READ_PATHS: Record<OrchestrationObject, (id: string) => string> = {
  deployment: (id) => `/deployments/${id}`,
  flow: (id) => `/flows/${id}`,
  flow_run: (id) => `/flow_runs/${id}`,
  task_run: (id) => `/task_runs/${id}`,
  work_pool: () => '', // read by name below
  work_queue: (id) => `/work_queues/${id}`,
  concurrency_limit: (id) => `/v2/concurrency_limits/${id}`,
};

/**
 * Loads the orchestration objects the templates name. A flow or task run gets the state the event
 * describes, since the run may have moved on since (Prefect does the same).
 */
export async function orchestrationContext(
  templates: readonly string[],
  event: EventLike | null,
  read: ApiReader,
): Promise<Record<string, unknown>> {
  if (!event) return {};
  const { objects, variables } = namedObjects(templates);
  const out: Record<string, unknown> = {};
  await Promise.all(
    objects.map(async (name) => {
      const resource = firstResourceOfKind(event, ORCHESTRATION_OBJECTS[name]);
      const id = idOfResource(resource?.['prefect.resource.id'], ORCHESTRATION_OBJECTS[name]);
      if (!resource || !id) {
        out[name] = null;
        return;
      }
      let obj: unknown;
      if (name === 'work_pool') {
        const pools = (await read('/work_pools/filter', { method: 'POST', body: { work_pools: { id: { any_: [id] } } } })) as unknown[] | null;
        obj = pools?.[0] ?? null;
      } else {
        obj = await read(READ_PATHS[name](id));
      }
      if (obj && (name === 'flow_run' || name === 'task_run')) obj = withEventState(obj as Record<string, unknown>, resource);
      out[name] = obj ?? null;
    }),
  );
  if (variables) {
    const list = ((await read('/variables/filter', { method: 'POST', body: {} })) as { name: string; value: unknown }[] | null) ?? [];
    out.variables = Object.fromEntries(list.map((x) => [x.name, x.value]));
  }
  return out;
}

function withEventState(run: Record<string, unknown>, resource: Record<string, string>): Record<string, unknown> {
  const keys = ['prefect.state-message', 'prefect.state-name', 'prefect.state-timestamp', 'prefect.state-type'];
  if (!keys.every((k) => k in resource)) return run;
  const state = {
    ...((run.state as Record<string, unknown> | null) ?? {}),
    message: resource['prefect.state-message'],
    name: resource['prefect.state-name'],
    timestamp: resource['prefect.state-timestamp'],
    type: resource['prefect.state-type'],
  };
  return { ...run, state, state_type: state.type, state_name: state.name };
}

/** A resource as a template sees it: its labels, plus Prefect's `id`, `name` and (related) `role` properties. */
function templateResource(labels: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...labels, id: labels['prefect.resource.id'], name: labels['prefect.resource.name'] ?? null };
  if ('prefect.resource.role' in labels) out.role = labels['prefect.resource.role'];
  return out;
}

/**
 * An event as a template sees it: Prefect's Event properties (`resource.id`, `resource.name`,
 * `related[i].role`, `involved_resources`, `resource_in_role`, `resources_in_role`) on top of its JSON.
 */
export function templateEvent(event: EventLike & Record<string, unknown>): Record<string, unknown> {
  const related = (event.related ?? []).map(templateResource);
  const resourcesInRole: Record<string, Record<string, unknown>[]> = {};
  for (const r of related) (resourcesInRole[String(r.role)] ??= []).push(r);
  const resourceInRole = Object.fromEntries(Object.entries(resourcesInRole).map(([role, rs]) => [role, rs[0]]));
  return {
    ...event,
    resource: templateResource(event.resource),
    related,
    involved_resources: [templateResource(event.resource), ...related],
    resource_in_role: resourceInRole,
    resources_in_role: resourcesInRole,
  };
}
