import { describe, expect, it } from 'vitest';
import { exports } from 'cloudflare:workers';
import { basicHeader, send } from './app';

const REMOTE = 'https://prefect.example.com';
const UNAUTHORIZED = { exception_message: 'Unauthorized' };

describe('a Worker with no credentials configured', () => {
  it('refuses remote requests with a 401 that says how to configure it', async () => {
    for (const [method, path] of [
      ['GET', '/api/hello'],
      ['GET', '/hello'],
      ['GET', '/api/version'],
      ['POST', '/api/flows/filter'],
      ['DELETE', '/api/flows/0e4a4c16-8bd0-4bd1-8a23-5a2b3f5e4b60'],
      ['GET', '/api/no-such-route'],
    ]) {
      const res = await send(`${REMOTE}${path}`, { method });
      expect(res.status, `${method} ${path}`).toBe(401);
      expect(res.body.exception_message).toBe('Unauthorized');
      expect(res.body.detail).toMatch(/PREFECT_API_KEYS.*PREFECT_API_AUTH_STRING.*ALLOW_UNAUTHENTICATED/s);
    }
  });

  it('keeps GET /health public, and only that', async () => {
    for (const path of ['/health', '/api/health', '/api/health/']) {
      const res = await send(`${REMOTE}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.body).toBe(true);
    }
    expect((await send(`${REMOTE}/api/health`, { method: 'POST' })).status).toBe(401);
    expect((await send(`${REMOTE}/api/healthz`)).status).toBe(401);
    expect((await send(`${REMOTE}/api/flows/health`)).status).toBe(401);
  });

  it('is open on loopback hosts, the way wrangler dev is reached', async () => {
    for (const origin of ['http://localhost:8787', 'http://127.0.0.1:8787', 'http://[::1]:8787']) {
      const res = await send(`${origin}/api/hello`);
      expect(res.status, origin).toBe(200);
    }
  });

  it('is not open on a loopback name when the client address is remote', async () => {
    const res = await send('http://localhost:8787/api/hello', { headers: { 'cf-connecting-ip': '203.0.113.7' } });
    expect(res.status).toBe(401);
  });

  it('is open everywhere with ALLOW_UNAUTHENTICATED="true", ignoring any Authorization header', async () => {
    const open = { ALLOW_UNAUTHENTICATED: 'true' };
    expect((await send(`${REMOTE}/api/hello`, {}, open)).status).toBe(200);
    expect((await send(`${REMOTE}/api/hello`, { headers: { authorization: 'Bearer whatever' } }, open)).status).toBe(200);
    expect((await send(`${REMOTE}/api/hello`, {}, { ALLOW_UNAUTHENTICATED: 'yes' })).status).toBe(401);
  });

  it('the test bindings run the real entry point open (other test files rely on it)', async () => {
    const res = await (exports as any).default.fetch(new Request('http://edge.test/api/hello'));
    expect(res.status).toBe(200);
  });
});

describe('API keys (PREFECT_API_KEY → Authorization: Bearer)', () => {
  const keys = { PREFECT_API_KEYS: 'pnu_first-key, pnu_second-key' };
  const withKey = (key: string) => ({ headers: { authorization: `Bearer ${key}` } });

  it('accepts each configured key, under /api and at the root', async () => {
    expect((await send(`${REMOTE}/api/hello`, withKey('pnu_first-key'), keys)).body).toBe('👋');
    expect((await send(`${REMOTE}/hello`, withKey('pnu_second-key'), keys)).status).toBe(200);
  });

  it("answers anything else with Prefect's 401", async () => {
    for (const init of [{}, withKey('pnu_third-key'), withKey('pnu_first-ke'), withKey(''), { headers: { authorization: 'pnu_first-key' } }]) {
      const res = await send(`${REMOTE}/api/hello`, init, keys);
      expect(res.status).toBe(401);
      expect(res.body).toEqual(UNAUTHORIZED);
    }
  });

  it('enforces configured keys on loopback too, and ALLOW_UNAUTHENTICATED cannot switch them off', async () => {
    expect((await send('http://localhost:8787/api/hello', {}, keys)).status).toBe(401);
    expect((await send(`${REMOTE}/api/hello`, {}, { ...keys, ALLOW_UNAUTHENTICATED: 'true' })).status).toBe(401);
  });

  it('checks credentials before the API version, the body or the route', async () => {
    const big = 'x'.repeat(2048);
    const cases: [string, RequestInit][] = [
      ['/api/hello', { headers: { 'x-prefect-api-version': 'abc' } }],
      ['/api/flows/filter', { method: 'POST', body: big }],
      ['/api/nope', {}],
    ];
    for (const [path, init] of cases) {
      const res = await send(`${REMOTE}${path}`, init, { ...keys, MAX_BODY_BYTES: '1024' });
      expect(res.status, path).toBe(401);
    }
  });
});

describe('auth string (PREFECT_API_AUTH_STRING → Authorization: Basic)', () => {
  const configured = { PREFECT_API_AUTH_STRING: 'admin:pa:ss wörd' };

  it('accepts the header the Prefect client builds', async () => {
    const res = await send(`${REMOTE}/api/hello`, { headers: { authorization: basicHeader('admin:pa:ss wörd') } }, configured);
    expect(res.status).toBe(200);
  });

  it('rejects a wrong string, a Bearer token or no header', async () => {
    const rightTokenWrongScheme = basicHeader('admin:pa:ss wörd').replace('Basic', 'Bearer');
    for (const authorization of [basicHeader('admin:pa:ss word'), basicHeader('admin'), rightTokenWrongScheme, 'Basic %%%']) {
      const res = await send(`${REMOTE}/api/hello`, { headers: { authorization } }, configured);
      expect(res.status, authorization).toBe(401);
      expect(res.body).toEqual(UNAUTHORIZED);
    }
    expect((await send(`${REMOTE}/api/hello`, {}, configured)).status).toBe(401);
  });

  it('works alongside API keys: either credential is enough', async () => {
    const both = { ...configured, PREFECT_API_KEYS: 'pnu_k' };
    expect((await send(`${REMOTE}/api/hello`, { headers: { authorization: 'Bearer pnu_k' } }, both)).status).toBe(200);
    expect((await send(`${REMOTE}/api/hello`, { headers: { authorization: basicHeader('admin:pa:ss wörd') } }, both)).status).toBe(200);
    expect((await send(`${REMOTE}/api/hello`, { headers: { authorization: basicHeader('pnu_k') } }, both)).status).toBe(401);
  });
});
