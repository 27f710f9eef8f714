/** Helpers for HTTP tests that run inside workerd against the real database. */
import { env, exports } from 'cloudflare:workers';
import { sql } from 'drizzle-orm';
import { createDb } from '../../src/db/client';

export const API = 'http://edge.test/api';

export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

/** Sends a request to the Worker's own fetch handler (the real entry point, inside workerd). */
export async function call<T = any>(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<ApiResponse<T>> {
  const init: RequestInit = { method, headers: { 'content-type': 'application/json', ...headers } };
  if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
  const res = await (exports as any).default.fetch(new Request(`${API}${path}`, init));
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? null : JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: parsed as T, headers: res.headers };
}

export const post = <T = any>(path: string, body?: unknown, headers?: Record<string, string>) => call<T>('POST', path, body, headers);
export const get = <T = any>(path: string, headers?: Record<string, string>) => call<T>('GET', path, undefined, headers);
export const patch = <T = any>(path: string, body?: unknown) => call<T>('PATCH', path, body);
export const del = <T = any>(path: string) => call<T>('DELETE', path);

/**
 * Runs SQL directly (setup and assertions only). No statement timeout: seeding large fixtures on a busy
 * machine may take longer than requests are allowed to.
 */
export async function withDb<T>(fn: (db: ReturnType<typeof createDb>['db']) => Promise<T>): Promise<T> {
  const handle = createDb({ ...env, STATEMENT_TIMEOUT_MS: '0' });
  try {
    return await fn(handle.db);
  } finally {
    await handle.close();
  }
}

/** Empties every table: for tests that count rows across the whole database. */
export async function resetDb(): Promise<void> {
  await withDb((db) =>
    db.execute(
      sql`TRUNCATE flow, flow_run, flow_run_state, task_run, task_run_state, deployment, deployment_schedule, work_pool, work_queue, concurrency_limit_v2, concurrency_lease, log, worker, event, event_resource, variable, artifact, artifact_collection, block_type, block_schema, block_schema_reference, block_document, block_document_reference, webhook, saved_search CASCADE`,
    ),
  );
}

export const randomName = (prefix: string) => `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
export const isPglite = () => String(env.DB_KIND).startsWith('pglite');
