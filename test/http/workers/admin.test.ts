/** What 3.9.1 clients ask on their way: the server version, the CSRF token, default storage, collection views. */
import { describe, expect, it } from 'vitest';
import { call, del, get } from '../helpers';

describe('endpoints the 3.9.1 client calls on the way', () => {
  it('reports Prefect 3.9.1', async () => {
    expect(await get('/admin/version')).toMatchObject({ status: 200, body: '3.9.1' });
  });

  it('answers /csrf-token as a server with CSRF protection off', async () => {
    expect(await get('/csrf-token?client=abc')).toMatchObject({ status: 422, body: { detail: 'CSRF protection is disabled.' } });
    const noClient = await get('/csrf-token');
    expect(noClient.status).toBe(422);
    expect(noClient.body).toEqual({
      exception_message: 'Invalid request received.',
      exception_detail: [{ type: 'missing', loc: ['query', 'client'], msg: 'Field required', input: null }],
      request_body: null,
    });
  });

  it('has no default result storage block (blocks are not served)', async () => {
    expect(await get('/admin/storage')).toMatchObject({ status: 200, body: { default_result_storage_block_id: null } });
    const id = crypto.randomUUID();
    expect(await call('PUT', '/admin/storage', { default_result_storage_block_id: id })).toMatchObject({
      status: 404,
      body: { detail: `Block document ${id} not found.` },
    });
    expect((await call('PUT', '/admin/storage', {})).status).toBe(422);
    expect((await call('DELETE', '/admin/storage')).status).toBe(204);
  });

  it('serves an empty worker view without a registry, and 404s other views', async () => {
    expect(await get('/collections/views/aggregate-worker-metadata')).toMatchObject({ status: 200, body: {} });
    expect(await get('/collections/views/demo-flows')).toMatchObject({ status: 404, body: { detail: 'Requested content missing for view demo-flows' } });
    expect(await get('/collections/views/nope')).toMatchObject({ status: 404, body: { detail: 'View nope not found in registry' } });
  });

  it('accepts the deletion of the automations a deployment owns (there are none)', async () => {
    const res = await del(`/automations/owned-by/prefect.deployment.${crypto.randomUUID()}`);
    expect(res).toMatchObject({ status: 202, body: null });
  });
});
