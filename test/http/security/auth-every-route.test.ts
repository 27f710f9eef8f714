/**
 * "Requests without valid credentials get a 401 on every route but /health and /ready when keys are configured":
 * walks the app's own route table (so a route added later is covered without touching this file) and
 * sends each route, under /api and at the root, without credentials, with a wrong key and with a wrong
 * auth string.
 */
import { describe, expect, it } from 'vitest';
import { app } from '../../../src/app';
import { basicHeader, send } from './app';

const REMOTE = 'https://prefect.example.com';
const KEYS = { PREFECT_API_KEYS: 'pnu_route-walk-key', PREFECT_API_AUTH_STRING: 'admin:route-walk' };
const UNAUTHORIZED = { exception_message: 'Unauthorized' };
const PUBLIC = new Set([
  'GET /health',
  'GET /api/health',
  'GET /ready',
  'GET /api/ready',
  // /ui-settings is read by the UI before it asks for a login (root only, as Prefect serves it).
  'GET /ui-settings',
  // Incoming webhooks: the slug in the URL is the credential (test/http/webhooks/).
  ...['GET', 'HEAD', 'DELETE', 'POST', 'PUT', 'PATCH'].flatMap((m) => [`${m} /hooks/:slug`, `${m} /api/hooks/:slug`]),
]);
const ROOT_ONLY = new Set(['GET /ui-settings']);

/** A concrete path for a route pattern: UUID-constrained params (`:id{regex}`) get a UUID, others a name. */
function concretePath(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i += 1) {
    if (pattern[i] !== ':') {
      out += pattern[i];
      continue;
    }
    while (i + 1 < pattern.length && /\w/.test(pattern[i + 1]!)) i += 1;
    if (pattern[i + 1] !== '{') {
      out += 'route-walk';
      continue;
    }
    // Skip the (brace-balanced) regex.
    let depth = 0;
    do {
      i += 1;
      if (pattern[i] === '{') depth += 1;
      if (pattern[i] === '}') depth -= 1;
    } while (depth > 0 && i < pattern.length);
    out += '6f1c2a4e-0b7d-4c39-9a51-3e8d2f0c7b16';
  }
  return out.replace(/\/\*$/, '');
}

/** Every method and path the app serves (middleware registrations are method ALL). */
const routes = [...new Map(app.routes.filter((r) => r.method !== 'ALL').map((r) => [`${r.method} ${r.path}`, r])).values()].map((r) => ({
  method: r.method,
  pattern: r.path,
  path: concretePath(r.path),
}));

describe('with keys configured, every route but /health, /ready and /hooks answers 401 without valid credentials', () => {
  it('the walk sees the whole route table, under /api and at the root', () => {
    const api = routes.filter((r) => r.pattern.startsWith('/api/'));
    const root = routes.filter((r) => !r.pattern.startsWith('/api/') && !ROOT_ONLY.has(`${r.method} ${r.pattern}`));
    // Dozens of routes each side: a walk over an empty or partial table must not pass.
    expect(api.length).toBeGreaterThan(60);
    expect(root.length).toBe(api.length);
    for (const expected of ['POST /api/flow_runs/bulk_delete', 'POST /api/flow_runs/bulk_set_state', 'POST /api/deployments/filter', 'GET /api/health']) {
      expect(routes.map((r) => `${r.method} ${r.pattern}`)).toContain(expected);
    }
    for (const r of routes) expect(r.path, r.pattern).not.toMatch(/[:{}*]/);
  });

  it.each(routes.filter((r) => !PUBLIC.has(`${r.method} ${r.pattern}`)))('$method $pattern', async ({ method, path }) => {
    const body = method === 'GET' || method === 'HEAD' || method === 'DELETE' ? undefined : '{}';
    const credentials = [undefined, 'Bearer pnu_wrong-key', basicHeader('admin:wrong'), `Bearer ${KEYS.PREFECT_API_AUTH_STRING}`, basicHeader(KEYS.PREFECT_API_KEYS)];
    for (const authorization of credentials) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (authorization) headers.authorization = authorization;
      const res = await send(`${REMOTE}${path}`, { method, headers, body }, KEYS);
      expect(res.status, `${method} ${path} with ${authorization ?? 'no credentials'}`).toBe(401);
      expect(res.body).toEqual(UNAUTHORIZED);
    }
  });

  it('the same requests with a valid credential reach their route (the walk builds real paths)', async () => {
    // Nothing may change here: bodies are malformed JSON (a 422 from the route, before any SQL) and the
    // ids and names do not exist. A path no route serves would get the app's own 404 "Not Found".
    const authorized = [`Bearer ${KEYS.PREFECT_API_KEYS}`, basicHeader(KEYS.PREFECT_API_AUTH_STRING)];
    for (const [i, { method, path }] of routes.entries()) {
      const body = method === 'GET' || method === 'HEAD' || method === 'DELETE' ? undefined : '{"malformed":';
      const headers = { authorization: authorized[i % 2]!, 'content-type': 'application/json' };
      const res = await send(`${REMOTE}${path}`, { method, headers, body }, KEYS);
      const what = `${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`;
      expect(res.status, what).not.toBe(401);
      expect(res.status, what).toBeLessThan(500);
      expect(res.body?.detail, what).not.toBe('Not Found');
      // 426: a WebSocket route (/events/in) reached without an upgrade.
      expect([200, 202, 204, 404, 410, 422, 426], what).toContain(res.status);
    }
  });

  it('/health stays public', async () => {
    for (const path of ['/health', '/api/health']) expect((await send(`${REMOTE}${path}`, {}, KEYS)).status, path).toBe(200);
  });
});
