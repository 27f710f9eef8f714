import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env';
import { createDb } from '../db/client';
import { detailError } from './errors';

/**
 * One database handle per request. The Neon Pool connects lazily, so routes that never query
 * (health, version) cost nothing; the pool is closed after the response via waitUntil.
 */
export const database: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (!c.env.DATABASE_URL) return next();
  const handle = createDb(c.env);
  c.set('db', handle.db);
  try {
    await next();
  } finally {
    if (c.env.EXPOSE_SQL_COUNT === '1') c.header('x-sql-statements', String(handle.counter.count));
    const closing = handle.close();
    try {
      c.executionCtx.waitUntil(closing);
    } catch {
      await closing; // no execution context (plain app.request in unit tests)
    }
  }
};

const MIN_API_VERSION: [number, number, number] = [0, 8, 0];

/** X-Prefect-API-Version: absent means "latest"; malformed or below 0.8.0 is a 400 (spec §0.1). */
export const apiVersion: MiddlewareHandler<AppEnv> = async (c, next) => {
  const raw = c.req.header('x-prefect-api-version');
  if (raw === undefined) {
    c.set('apiVersion', null);
  } else {
    const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(raw.trim());
    if (!m) {
      throw detailError(400, `Invalid X-PREFECT-API-VERSION header format.Expected header in format 'x.y.z' but received ${raw}`);
    }
    const version: [number, number, number] = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (compareVersions(version, MIN_API_VERSION) < 0) {
      throw detailError(400, `The request specified API version ${raw} but this server requires version 0.8.0 or higher.`);
    }
    c.set('apiVersion', version);
  }
  const ua = /^prefect\/(\d+\.\d+\.\d+(?:[a-z.+0-9]+)?) \(API \S+\)$/.exec(c.req.header('user-agent') ?? '');
  c.set('clientVersion', ua?.[1] ?? null);
  await next();
};

export function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i += 1) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
