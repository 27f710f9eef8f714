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
  c.set('statements', handle.counter);
  try {
    await next();
  } finally {
    if (c.env.EXPOSE_SQL_COUNT === '1') {
      c.header('x-sql-statements', String(handle.counter.count));
      c.header('x-sql-round-trips', String(handle.counter.roundTrips));
    }
    const closing = handle.close();
    try {
      c.executionCtx.waitUntil(closing);
    } catch {
      await closing; // no execution context (plain app.request in unit tests)
    }
  }
};

const MIN_API_VERSION: [number, number, number] = [0, 8, 0];

/** Each part is read the way Python's int() reads text: surrounding spaces, a sign, `_` between digits. */
const VERSION_PART = /^\s*[+-]?\d+(?:_\d+)*\s*$/;

/** `x.y.z` → numbers; null when it is not three integers. */
export function parseApiVersion(raw: string): [number, number, number] | null {
  const parts = raw.split('.');
  if (parts.length !== 3 || !parts.every((p) => VERSION_PART.test(p))) return null;
  const [x = 0, y = 0, z = 0] = parts.map((p) => Number(p.replace(/_/g, '')));
  return [x, y, z];
}

/** Prefect declares these two outside its versioned routers, so the header is not checked there. */
const UNVERSIONED_PATHS = /^(?:\/api)?\/(?:health|version)\/?$/;

/**
 * X-Prefect-API-Version (spec §0.1): absent or empty means "latest"; not three integers, or below 0.8.0,
 * is a 400.
 */
export const apiVersion: MiddlewareHandler<AppEnv> = async (c, next) => {
  const raw = c.req.header('x-prefect-api-version');
  c.set('apiVersion', null);
  if (raw && !UNVERSIONED_PATHS.test(c.req.path)) {
    const version = parseApiVersion(raw);
    if (!version) {
      throw detailError(400, `Invalid X-PREFECT-API-VERSION header format.Expected header in format 'x.y.z' but received ${raw}`);
    }
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
