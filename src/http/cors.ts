/**
 * CORS as Prefect 3.9.1's server answers it (Starlette's CORSMiddleware with Prefect's three settings and
 * no credentials), so a UI or script on another origin reaches the API as it reaches Prefect's:
 * - a preflight (OPTIONS with Origin and Access-Control-Request-Method) is answered here, on any path and
 *   before authentication, 200 "OK" or 400 "Disallowed CORS origin, method, headers" (text/plain);
 * - every other response (errors and 401s too) gets Access-Control-Allow-Origin when the request has an
 *   allowed Origin, and `Vary: Origin`.
 * Hono's own `cors()` differs in what matters to a comparison: it answers every OPTIONS with 204, never
 * refuses a method or header, and lists other methods.
 */
import type { MiddlewareHandler } from 'hono';
import type { AppEnv, Env } from '../env';

/** The methods `*` stands for (Starlette 1.x's list, which includes QUERY). */
const ALL_METHODS = ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT', 'QUERY'];
/** Headers a browser may always send, listed in a preflight answer when the headers are restricted. */
const SAFELISTED_HEADERS = ['Accept', 'Accept-Language', 'Content-Language', 'Content-Type'];
const PREFLIGHT_VARY =
  'Origin, Access-Control-Request-Method, Access-Control-Request-Headers, Access-Control-Request-Private-Network';

export interface CorsPolicy {
  anyOrigin: boolean;
  origins: Set<string>;
  methods: string[];
  anyHeader: boolean;
  /** Lower-cased, safelisted ones included. */
  headers: Set<string>;
  /** What a preflight lists in Access-Control-Allow-Headers when headers are restricted. */
  listedHeaders: string;
}

/**
 * The comma-separated settings, Prefect's defaults `*`. Entries are trimmed (Prefect keeps the spaces,
 * so `GET, POST` would allow " POST", which no browser sends); empty entries are dropped.
 */
export function corsPolicyFrom(env: Env): CorsPolicy {
  const list = (raw: string | undefined) =>
    (raw ?? '*')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
  const origins = list(env.PREFECT_SERVER_CORS_ALLOWED_ORIGINS);
  const methods = list(env.PREFECT_SERVER_CORS_ALLOWED_METHODS);
  const headers = list(env.PREFECT_SERVER_CORS_ALLOWED_HEADERS);
  const listed = [...new Set([...SAFELISTED_HEADERS, ...headers.filter((h) => h !== '*')])].sort();
  return {
    anyOrigin: origins.includes('*'),
    origins: new Set(origins),
    methods: methods.includes('*') ? ALL_METHODS : methods,
    anyHeader: headers.includes('*'),
    headers: new Set(listed.map((h) => h.toLowerCase())),
    listedHeaders: listed.join(', '),
  };
}

const allowsOrigin = (p: CorsPolicy, origin: string) => p.anyOrigin || p.origins.has(origin);

/** The answer to a preflight: 200 when origin, method and headers are all allowed, else 400 naming what is not. */
export function preflightResponse(p: CorsPolicy, request: Request): Response {
  const origin = request.headers.get('origin') ?? '';
  const method = request.headers.get('access-control-request-method') ?? '';
  const requestedHeaders = request.headers.get('access-control-request-headers');
  const headers = new Headers({ vary: PREFLIGHT_VARY });
  const failures: string[] = [];
  if (allowsOrigin(p, origin)) headers.set('access-control-allow-origin', p.anyOrigin ? '*' : origin);
  else failures.push('origin');
  headers.set('access-control-allow-methods', p.methods.join(', '));
  headers.set('access-control-max-age', '600');
  if (!p.methods.includes(method)) failures.push('method');
  if (p.anyHeader) {
    // Everything is allowed, so the requested headers are echoed back.
    if (requestedHeaders !== null) headers.set('access-control-allow-headers', requestedHeaders);
  } else {
    headers.set('access-control-allow-headers', p.listedHeaders);
    if (requestedHeaders !== null && requestedHeaders.split(',').some((h) => !p.headers.has(h.trim().toLowerCase()))) {
      failures.push('headers');
    }
  }
  // Prefect does not opt in to Private Network Access, so such a preflight is refused.
  if (request.headers.has('access-control-request-private-network')) failures.push('private-network');
  headers.set('content-type', 'text/plain; charset=utf-8');
  if (failures.length) return new Response(`Disallowed CORS ${failures.join(', ')}`, { status: 400, headers });
  return new Response('OK', { status: 200, headers });
}

const isPreflight = (r: Request) =>
  r.method === 'OPTIONS' && r.headers.has('origin') && r.headers.has('access-control-request-method');

/** Adds the CORS headers of a non-preflight response. */
function addCorsHeaders(p: CorsPolicy, origin: string | null, headers: Headers): void {
  if (origin !== null && allowsOrigin(p, origin)) headers.set('access-control-allow-origin', p.anyOrigin ? '*' : origin);
  headers.append('vary', 'Origin');
}

/** Mounted first, so that preflights skip authentication and every answer, errors included, carries the headers. */
export const cors: MiddlewareHandler<AppEnv> = async (c, next) => {
  const policy = corsPolicyFrom(c.env);
  if (isPreflight(c.req.raw)) return preflightResponse(policy, c.req.raw);
  await next();
  // A WebSocket upgrade's 101 carries the socket; it is left as it is.
  if (c.res.status === 101) return;
  const origin = c.req.header('origin') ?? null;
  try {
    addCorsHeaders(policy, origin, c.res.headers);
  } catch {
    // Immutable headers (a response passed through from fetch): copy it. Clearing c.res first stops Hono
    // from merging the old headers back over the new ones.
    const copy = new Response(c.res.body, c.res);
    addCorsHeaders(policy, origin, copy.headers);
    c.res = undefined;
    c.res = copy;
  }
};
