/**
 * Which UI page a browser navigation gets (src/http/ui.ts). The asset layer is a small stand-in that
 * serves two index pages, as ui-dist/ does; the routing decisions are what is tested here (the real
 * assets are loaded in Chromium by `npm run test:browser`).
 */
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { AppEnv, Env } from '../../../src/env';
import { uiPages } from '../../../src/http/ui';

const html = { 'content-type': 'text/html; charset=utf-8' };
const assets = {
  async fetch(input: RequestInfo | URL) {
    const path = new URL(input instanceof Request ? input.url : String(input)).pathname;
    if (path === '/') return new Response('v1 index', { headers: html });
    if (path === '/v2/') return new Response('v2 index', { headers: html });
    return new Response('not found', { status: 404 });
  },
} as unknown as Fetcher;

const app = new Hono<AppEnv>();
app.use('*', uiPages);
app.all('*', (c) => c.text('api'));

const navigate = { accept: 'text/html,application/xhtml+xml', 'sec-fetch-mode': 'navigate' };
const get = (path: string, headers: Record<string, string> = navigate, env: Env = { ASSETS: assets }, method = 'GET') =>
  app.request(`http://edge.test${path}`, { method, headers }, env);

describe('UI pages', () => {
  it('serves the Vue UI under / and the React UI under /v2 to page navigations', async () => {
    for (const path of ['/runs', '/flows/flow/5b9c', '/dashboard']) expect(await (await get(path)).text()).toBe('v1 index');
    for (const path of ['/v2', '/v2/', '/v2/runs/flow-run/5b9c']) expect(await (await get(path)).text()).toBe('v2 index');
  });

  it('sends / to the default UI (v2) unless the prefect_ui_version cookie chooses', async () => {
    const res = await get('/?x=1');
    expect(res.status).toBe(307);
    expect(res.headers.get('location')).toBe('/v2/?x=1');
    expect(await (await get('/', { ...navigate, cookie: 'prefect_ui_version=v1' })).text()).toBe('v1 index');
    expect(await (await get('/', navigate, { ASSETS: assets, PREFECT_SERVER_UI_V2_ENABLED: 'false' })).text()).toBe('v1 index');
  });

  it('leaves API calls, /api and /ui-settings to the API', async () => {
    expect(await (await get('/flows/5b9c', { accept: 'application/json' })).text()).toBe('api');
    expect(await (await get('/flows/5b9c', { accept: '*/*' })).text()).toBe('api');
    expect(await (await get('/api/flows/5b9c')).text()).toBe('api');
    expect(await (await get('/ui-settings')).text()).toBe('api');
    expect(await (await get('/runs', navigate, { ASSETS: assets }, 'POST')).text()).toBe('api');
  });

  it('changes nothing when the build has no UI', async () => {
    expect(await (await get('/runs', navigate, {})).text()).toBe('api');
    expect(await (await get('/runs', navigate, { ASSETS: assets, PREFECT_UI_ENABLED: 'false' })).text()).toBe('api');
    const empty = { fetch: async () => new Response('not found', { status: 404 }) } as unknown as Fetcher;
    expect(await (await get('/runs', navigate, { ASSETS: empty })).text()).toBe('api');
    expect(await (await get('/', navigate, { ASSETS: empty })).text()).toBe('api');
  });

  it('answers HEAD with the headers only', async () => {
    const res = await get('/runs', navigate, { ASSETS: assets }, 'HEAD');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
  });
});
