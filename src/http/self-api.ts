/**
 * The API calling itself in-process, as Prefect's automation actions call its own REST API
 * (OrchestrationClient): the request runs through the same middleware and routes, with the
 * credentials the Worker is configured with, but without leaving the isolate.
 */
import type { Env } from '../env';
import { credentialsFrom } from './auth';

interface FetchingApp {
  fetch(request: Request, env: Env, ctx: ExecutionContext): Response | Promise<Response>;
}

let registered: FetchingApp | null = null;

/** Called once by app.ts (a registry rather than an import, which would be a cycle). */
export function registerSelfApp(app: FetchingApp): void {
  registered = app;
}

/** Marks in-process calls, so that they do not start an automations pass of their own. */
export const SELF_API_HEADER = 'x-prefect-edge-self';

export interface ApiResponse {
  status: number;
  body: unknown;
}

export type ApiCall = (method: string, path: string, body?: unknown) => Promise<ApiResponse>;

/** An execution context for in-process requests whose deferred work the caller awaits. */
function collectingContext(pending: Promise<unknown>[]): ExecutionContext {
  return {
    waitUntil: (p: Promise<unknown>) => void pending.push(p.catch(() => undefined)),
    passThroughOnException: () => undefined,
    props: {},
  } as unknown as ExecutionContext;
}

export function selfApi(env: Env, headers: Record<string, string> = {}): ApiCall {
  return async (method, path, body) => {
    if (!registered) throw new Error('the app is not registered for in-process calls');
    const { apiKeys, authString } = credentialsFrom(env);
    const auth: Record<string, string> = {};
    if (apiKeys[0]) auth.authorization = `Bearer ${apiKeys[0]}`;
    else if (authString) auth.authorization = `Basic ${btoa(authString)}`;
    const init: RequestInit = { method, headers: { 'content-type': 'application/json', [SELF_API_HEADER]: '1', ...auth, ...headers } };
    if (body !== undefined) init.body = JSON.stringify(body);
    const pending: Promise<unknown>[] = [];
    const res = await registered.fetch(new Request(`http://localhost/api${path}`, init), env, collectingContext(pending));
    const text = await res.text();
    await Promise.all(pending);
    let parsed: unknown = text;
    try {
      parsed = text === '' ? null : JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return { status: res.status, body: parsed };
  };
}
