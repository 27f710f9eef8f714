/** X-Prefect-API-Version, as spec §0.1 and Prefect's server handle it. */
import { describe, expect, it } from 'vitest';
import { get, post } from '../helpers';

const withVersion = (v: string) => ({ 'x-prefect-api-version': v });

describe('X-Prefect-API-Version', () => {
  it('absent, empty, or at least 0.8.0 is accepted', async () => {
    for (const v of [undefined, '', '0.8.0', '0.8.4', '0.9.0', '1.0.0', '00.08.04']) {
      const res = await get('/hello', v === undefined ? {} : withVersion(v));
      expect(res.status, String(v)).toBe(200);
    }
  });

  it('not three integers is a 400 with Prefect’s exact message', async () => {
    for (const v of ['abc', '0.8', '0.8.4.1', '0.8.x', 'v0.8.4']) {
      const res = await get('/hello', withVersion(v));
      expect(res.status, v).toBe(400);
      expect(res.body).toEqual({ detail: `Invalid X-PREFECT-API-VERSION header format.Expected header in format 'x.y.z' but received ${v}` });
    }
  });

  it('below 0.8.0 is a 400 naming the minimum', async () => {
    for (const v of ['0.7.9', '0.0.1', '-1.0.0']) {
      const res = await get('/hello', withVersion(v));
      expect(res.status, v).toBe(400);
      expect(res.body).toEqual({ detail: `The request specified API version ${v} but this server requires version 0.8.0 or higher.` });
    }
  });

  it('applies to every API route, whatever the method', async () => {
    expect((await post('/flows/filter', {}, withVersion('0.7.0'))).status).toBe(400);
    expect((await get('/admin/version', withVersion('nope'))).status).toBe(400);
  });

  it('is not checked on /health and /version, which Prefect serves outside its versioned routers', async () => {
    for (const path of ['/health', '/version']) {
      const res = await get(path, withVersion('abc'));
      expect(res.status, path).toBe(200);
    }
    const root = await ((await import('cloudflare:workers')).exports as any).default.fetch(
      new Request('http://edge.test/health', { headers: withVersion('0.1.0') }),
    );
    expect(root.status).toBe(200);
  });
});
