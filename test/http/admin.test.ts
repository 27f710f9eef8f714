import { describe, expect, it } from 'vitest';
import { get, post, withDb } from './helpers';
import { sql } from 'drizzle-orm';

describe('admin routes', () => {
  it('GET /health is true under /api and at the root', async () => {
    expect((await get('/health')).body).toBe(true);
    const res = await ((await import('cloudflare:workers')).exports as any).default.fetch(new Request('http://edge.test/health'));
    expect(await res.json()).toBe(true);
  });

  it('GET /hello, /version and /admin/version', async () => {
    expect((await get('/hello')).body).toBe('👋');
    expect((await get('/version')).body).toBe('0.8.4');
    expect((await get('/admin/version')).body).toMatch(/^3\.\d+\.\d+$/);
  });

  it('unknown routes are 404 {"detail":"Not Found"}', async () => {
    const res = await get('/nope');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ detail: 'Not Found' });
  });

  it('rejects malformed and too-old X-Prefect-API-Version headers with 400', async () => {
    const bad = await get('/hello', { 'x-prefect-api-version': 'abc' });
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toBe("Invalid X-PREFECT-API-VERSION header format.Expected header in format 'x.y.z' but received abc");
    const old = await get('/hello', { 'x-prefect-api-version': '0.7.9' });
    expect(old.status).toBe(400);
    expect(old.body.detail).toContain('requires version 0.8.0 or higher');
    expect((await get('/hello', { 'x-prefect-api-version': '0.8.4' })).status).toBe(200);
  });

  it('reaches the real database through the Neon driver', async () => {
    const rows = await withDb((db) => db.execute(sql`select count(*)::int as n from flow`));
    expect(rows.rows[0]).toHaveProperty('n');
    expect((await post('/flows/filter', 'not json')).status).not.toBe(500);
  });
});
