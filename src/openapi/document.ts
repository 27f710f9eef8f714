/**
 * Our OpenAPI 3.1 document, built from the routes the app actually serves (Hono's route list) and the
 * Valibot schemas their `describe` middleware names, so it cannot drift from the code.
 */
import { toJsonSchema, type ConversionConfig } from '@valibot/to-json-schema';
import type { RouterRoute } from 'hono/types';
import { methodNotAllowed } from '../http/method-not-allowed';
import { PREFECT_VERSION } from '../version';
import { descriptionOf, type RouteDescription } from './describe';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
type Method = (typeof METHODS)[number];

/** One served operation: its method and its path in OpenAPI form (`/flow_runs/{id}`), below the API root. */
export interface Operation {
  method: Method;
  path: string;
  params: string[];
  description: RouteDescription;
}

/**
 * Hono's path (`/flow_runs/:id{<uuid regex>}/graph`) in OpenAPI form (`/flow_runs/{id}/graph`). A
 * parameter's pattern may itself hold braces (`[0-9a-f]{8}`), so they are matched by depth.
 */
export function openApiPath(honoPath: string): { path: string; params: string[] } {
  const params: string[] = [];
  let out = '';
  for (let i = 0; i < honoPath.length; i++) {
    const ch = honoPath[i];
    if (ch !== ':' || (i > 0 && honoPath[i - 1] !== '/')) {
      out += ch;
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(honoPath.slice(i + 1))?.[0] ?? '';
    params.push(name);
    out += `{${name}}`;
    i += name.length;
    if (honoPath[i + 1] === '{') {
      let depth = 0;
      for (i += 1; i < honoPath.length; i++) {
        if (honoPath[i] === '{') depth++;
        else if (honoPath[i] === '}' && --depth === 0) break;
      }
    }
  }
  return { path: out.length > 1 ? out.replace(/\/$/, '') : out, params };
}

/** The operations of the routes mounted under `root` (405 answers and middleware left out), sorted. */
export function servedOperations(routes: RouterRoute[], root = '/api'): Operation[] {
  const byKey = new Map<string, Operation>();
  for (const route of routes) {
    const method = route.method as Method;
    if (!METHODS.includes(method) || !route.path.startsWith(`${root}/`)) continue;
    const { path, params } = openApiPath(route.path.slice(root.length));
    const key = `${method} ${path}`;
    const op = byKey.get(key) ?? { method, path, params, description: {} };
    const description = descriptionOf(route.handler);
    if (description) op.description = { ...op.description, ...description };
    if (route.handler !== methodNotAllowed) byKey.set(key, op);
  }
  return [...byKey.values()].sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
}

const VALIDATION_ERROR = {
  description: 'Validation Error',
  content: {
    'application/json': {
      schema: {
        type: 'object',
        properties: { detail: { type: 'array', items: { type: 'object' } }, request_body: {} },
      },
    },
  },
};

/**
 * `output`: our object schemas are `pipe(isPlainObject(), object(...))` (Pydantic's dict check first, for
 * its message), so the last schema of a pipe is the one worth documenting. `ignore`: Pydantic-style
 * coercions (custom schemas, transforms) have no JSON Schema form; they are left open.
 */
const CONVERSION: ConversionConfig = { errorMode: 'ignore', typeMode: 'output' };

function operationObject(op: Operation) {
  const tag = op.path.split('/')[1] || 'root';
  const body = op.description.body;
  return {
    tags: [tag],
    operationId: `${op.method.toLowerCase()}${op.path.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+/g, '_')}`,
    ...(op.description.summary ? { summary: op.description.summary } : {}),
    parameters: op.params.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })),
    ...(body
      ? {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: toJsonSchema(body, CONVERSION) } },
          },
        }
      : {}),
    responses: { '200': { description: 'Successful Response' }, '422': VALIDATION_ERROR },
  };
}

/** The OpenAPI document of the operations served under `root`. */
export function openApiDocument(routes: RouterRoute[], root = '/api') {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of servedOperations(routes, root)) {
    (paths[op.path] ??= {})[op.method.toLowerCase()] = operationObject(op);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'prefect-edge',
      version: PREFECT_VERSION,
      description: "Prefect 3's orchestration API on Cloudflare Workers. Every path is also served at the root.",
    },
    servers: [{ url: root }],
    paths,
  };
}
