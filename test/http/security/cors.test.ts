/**
 * CORS as Prefect 3.9.1 answers it (headers compared with `curl -i` against its server): preflights
 * answered before authentication on every path, and the CORS headers on every other response, 401s and
 * 404s included.
 */
import { describe, expect, it } from 'vitest';
import { app } from '../../../src/app';
import { basicHeader, send } from './app';

const REMOTE = 'https://prefect.example.com';
const KEYS = { PREFECT_API_KEYS: 'pnu_cors-key', PREFECT_API_AUTH_STRING: 'admin:cors' };
const ALL_METHODS = 'DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT, QUERY';
const PREFLIGHT_VARY = 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers, Access-Control-Request-Private-Network';

const preflight = (path: string, headers: Record<string, string> = {}, env: Record<string, string> = KEYS) =>
  send(`${REMOTE}${path}`, { method: 'OPTIONS', headers: { origin: 'http://x', 'access-control-request-method': 'POST', ...headers } }, env);

describe('preflight requests', () => {
  it('are answered 200 with Prefect’s headers, without credentials', async () => {
    const res = await preflight('/api/flows/filter', { 'access-control-request-headers': 'content-type,x-prefect-api-version' });
    expect(res.status).toBe(200);
    expect(res.body).toBe('OK');
    expect(Object.fromEntries(res.headers)).toMatchObject({
      'access-control-allow-origin': '*',
      'access-control-allow-methods': ALL_METHODS,
      'access-control-allow-headers': 'content-type,x-prefect-api-version',
      'access-control-max-age': '600',
      vary: PREFLIGHT_VARY,
      'content-type': 'text/plain; charset=utf-8',
    });
  });

  it('are answered on every route of the app, at the root and under /api, and on unknown paths', async () => {
    const paths = [...new Set(app.routes.filter((r) => r.method !== 'ALL').map((r) => r.path.replace(/:[^/]+/g, 'x')))];
    expect(paths.length).toBeGreaterThan(100);
    for (const path of [...paths, '/api/no-such-route', '/ui-settings']) {
      const res = await preflight(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('access-control-allow-origin'), path).toBe('*');
    }
  });

  it('name what is refused with a 400: method, headers, origin, private network', async () => {
    const method = await preflight('/api/flows/filter', { 'access-control-request-method': 'FOO' });
    expect(method.status).toBe(400);
    expect(method.body).toBe('Disallowed CORS method');
    expect(method.headers.get('access-control-allow-origin')).toBe('*');

    const pna = await preflight('/api/health', { 'access-control-request-private-network': 'true' });
    expect([pna.status, pna.body]).toEqual([400, 'Disallowed CORS private-network']);

    const restricted = {
      ...KEYS,
      PREFECT_SERVER_CORS_ALLOWED_ORIGINS: 'https://ui.example.com, https://other.example.com',
      PREFECT_SERVER_CORS_ALLOWED_METHODS: 'GET,POST',
      PREFECT_SERVER_CORS_ALLOWED_HEADERS: 'X-Prefect-Api-Version,Authorization',
    };
    const bad = await preflight('/api/flows/filter', { 'access-control-request-method': 'DELETE', 'access-control-request-headers': 'x-other' }, restricted);
    expect([bad.status, bad.body]).toEqual([400, 'Disallowed CORS origin, method, headers']);
    expect(bad.headers.get('access-control-allow-origin')).toBeNull();
    expect(bad.headers.get('access-control-allow-methods')).toBe('GET, POST');
    expect(bad.headers.get('access-control-allow-headers')).toBe('Accept, Accept-Language, Authorization, Content-Language, Content-Type, X-Prefect-Api-Version');

    const good = await send(
      `${REMOTE}/api/flows/filter`,
      {
        method: 'OPTIONS',
        headers: {
          origin: 'https://other.example.com',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type, x-prefect-api-version, authorization',
        },
      },
      restricted,
    );
    expect(good.status).toBe(200);
    expect(good.headers.get('access-control-allow-origin')).toBe('https://other.example.com');
  });

  it('an OPTIONS that is not a preflight goes to the app (and its authentication)', async () => {
    const res = await send(`${REMOTE}/api/flows/filter`, { method: 'OPTIONS', headers: { origin: 'http://x' } }, KEYS);
    expect(res.status).toBe(401);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
  });
});

describe('other responses', () => {
  it('carry Access-Control-Allow-Origin and Vary: Origin, errors and 401s included', async () => {
    const auth = { authorization: basicHeader(KEYS.PREFECT_API_AUTH_STRING), 'content-type': 'application/json' };
    const cases = [
      { path: '/api/flows/count', init: { method: 'POST', headers: { ...auth, origin: 'http://x' }, body: '{}' }, status: 200 },
      { path: '/api/flows/count', init: { method: 'POST', headers: { origin: 'http://x' }, body: '{}' }, status: 401 },
      { path: '/api/no-such-route', init: { headers: { ...auth, origin: 'http://x' } }, status: 404 },
      { path: '/api/flows/count', init: { method: 'POST', headers: { ...auth, origin: 'http://x' }, body: '{"flows": 1}' }, status: 422 },
    ];
    for (const { path, init, status } of cases) {
      const res = await send(`${REMOTE}${path}`, init, KEYS);
      expect(res.status, path).toBe(status);
      expect(res.headers.get('access-control-allow-origin'), `${path} ${status}`).toBe('*');
      expect(res.headers.get('vary'), `${path} ${status}`).toBe('Origin');
    }
  });

  it('without an Origin: no Allow-Origin, still Vary: Origin (as Prefect)', async () => {
    const res = await send(`${REMOTE}/api/health`, {}, KEYS);
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(res.headers.get('vary')).toBe('Origin');
  });

  it('with restricted origins: an allowed origin is echoed, another gets no Allow-Origin', async () => {
    const env = { ...KEYS, PREFECT_SERVER_CORS_ALLOWED_ORIGINS: 'https://ui.example.com' };
    const ok = await send(`${REMOTE}/api/health`, { headers: { origin: 'https://ui.example.com' } }, env);
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://ui.example.com');
    expect(ok.headers.get('vary')).toBe('Origin');
    const other = await send(`${REMOTE}/api/health`, { headers: { origin: 'https://evil.example.com' } }, env);
    expect(other.status).toBe(200);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});
