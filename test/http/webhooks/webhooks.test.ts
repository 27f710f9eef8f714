/** /webhooks: what `prefect cloud webhook create|ls|get|toggle|rotate|update|delete` calls. */
import { beforeEach, describe, expect, it } from 'vitest';
import { call, del, get, patch, post, resetDb } from '../helpers';
import { send } from '../security/app';
import { createWebhook, hook, TEMPLATE } from './support';

beforeEach(async () => {
  await resetDb();
});

const SLUG = /^[A-Za-z0-9_-]{22}$/;

describe('/webhooks', () => {
  it('creates a webhook with a random slug and defaults, and reads it back', async () => {
    const res = await post('/webhooks/', { name: 'my-hook', description: 'from cron', template: TEMPLATE });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      created: expect.any(String),
      updated: expect.any(String),
      name: 'my-hook',
      description: 'from cron',
      enabled: true,
      template: TEMPLATE,
      service_account_id: null,
      slug: expect.stringMatching(SLUG),
      account: null,
      workspace: null,
    });
    const again = await get(`/webhooks/${res.body.id}`);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(res.body);
    const other = await createWebhook();
    expect(other.slug).not.toBe(res.body.slug);
  });

  it('takes an object template as its JSON text, and enabled / service_account_id', async () => {
    const sa = crypto.randomUUID();
    const res = await post('/webhooks/', {
      name: 'static',
      template: { event: 'x', resource: { 'prefect.resource.id': 'y' } },
      enabled: false,
      service_account_id: sa,
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ template: '{"event":"x","resource":{"prefect.resource.id":"y"}}', enabled: false, service_account_id: sa });
  });

  it('refuses bad bodies with 422: a template that does not parse, a missing name, unknown keys', async () => {
    const bad = await post('/webhooks/', { name: 'x', template: '{{ body.x ' });
    expect(bad.status).toBe(422);
    expect(bad.body.exception_detail[0]).toMatchObject({ loc: ['body', 'template'], type: 'value_error' });
    expect(bad.body.exception_detail[0].msg).toMatch(/^Value error, Invalid template: /);
    expect((await post('/webhooks/', { template: TEMPLATE })).body.exception_detail[0]).toMatchObject({ loc: ['body', 'name'], type: 'missing' });
    expect((await post('/webhooks/', { name: 'x', template: TEMPLATE, slug: 'mine' })).body.exception_detail[0]).toMatchObject({
      loc: ['body', 'slug'],
      type: 'extra_forbidden',
    });
    expect((await post('/webhooks/', { name: 'x', template: 5 })).status).toBe(422);
    expect((await post('/webhooks/', 'not json')).status).toBe(422);
  });

  it('filters by id and name, sorted by name, with limit and offset', async () => {
    const b = await createWebhook({ name: 'b' });
    const a = await createWebhook({ name: 'a' });
    await createWebhook({ name: 'c' });
    const all = await post('/webhooks/filter');
    expect(all.status).toBe(200);
    expect(all.body.map((w: any) => w.name)).toEqual(['a', 'b', 'c']);
    expect((await post('/webhooks/filter', { webhooks: { name: { any_: ['b', 'zz'] } } })).body.map((w: any) => w.id)).toEqual([b.id]);
    expect((await post('/webhooks/filter', { webhooks: { id: { any_: [a.id, b.id] } } })).body.map((w: any) => w.name)).toEqual(['a', 'b']);
    expect((await post('/webhooks/filter', { webhooks: { id: { any_: [] } } })).body).toEqual([]);
    expect((await post('/webhooks/filter', { limit: 1, offset: 1 })).body.map((w: any) => w.name)).toEqual(['b']);
    expect((await post('/webhooks/filter', { webhooks: { name: { like_: 'a' } } })).status).toBe(422);
  });

  it('PATCH toggles enabled (the CLI\'s toggle) and changes only the keys sent', async () => {
    const w = await createWebhook({ description: 'keep me' });
    const res = await patch(`/webhooks/${w.id}`, { enabled: false });
    expect(res.status).toBe(204);
    const read = (await get(`/webhooks/${w.id}`)).body;
    expect(read).toMatchObject({ enabled: false, description: 'keep me', template: TEMPLATE, slug: w.slug });
    expect(read.updated > (w as any).updated).toBe(true);
    expect((await patch(`/webhooks/${w.id}`, { template: '{% if %}' })).status).toBe(422);
  });

  it('PUT replaces the definition (the CLI\'s update) and keeps enabled and the slug', async () => {
    const w = await createWebhook({ enabled: false, description: 'old' });
    const res = await call('PUT', `/webhooks/${w.id}`, { name: 'renamed', description: 'new', template: '{"event": "e", "resource": {"prefect.resource.id": "r"}}' });
    expect(res.status).toBe(204);
    expect((await get(`/webhooks/${w.id}`)).body).toMatchObject({ name: 'renamed', description: 'new', enabled: false, slug: w.slug });
    expect((await call('PUT', `/webhooks/${w.id}`, { name: 'x' })).status).toBe(422);
  });

  it('rotate gives a new slug: the old URL stops working, the new one works', async () => {
    const w = await createWebhook();
    const res = await post(`/webhooks/${w.id}/rotate`);
    expect(res.status).toBe(200);
    expect(res.body.slug).toMatch(SLUG);
    expect(res.body.slug).not.toBe(w.slug);
    expect(res.body).toMatchObject({ id: w.id, name: w.name, template: w.template });
    expect((await hook(w.slug, 'POST', { model: 'm' })).status).toBe(404);
    expect((await hook(res.body.slug, 'POST', { model: 'm' })).status).toBe(204);
  });

  it('deletes, and answers 404 for a webhook that is not there', async () => {
    const w = await createWebhook();
    expect((await del(`/webhooks/${w.id}`)).status).toBe(204);
    const missing = crypto.randomUUID();
    for (const res of [
      await del(`/webhooks/${w.id}`),
      await get(`/webhooks/${missing}`),
      await patch(`/webhooks/${missing}`, { enabled: true }),
      await call('PUT', `/webhooks/${missing}`, { name: 'n', template: TEMPLATE }),
      await post(`/webhooks/${missing}/rotate`),
    ]) {
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ detail: 'Webhook not found.' });
    }
    expect((await get('/webhooks/not-a-uuid')).status).toBe(404);
    expect((await hook(w.slug, 'GET')).status).toBe(404);
  });

  it('needs an API key when keys are configured (the CLI sends PREFECT_API_KEY as a Bearer token)', async () => {
    const keys = { PREFECT_API_KEYS: 'k1,k2' };
    const body = JSON.stringify({ name: 'secure', template: TEMPLATE });
    const init = (auth?: string): RequestInit => ({
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) },
    });
    expect((await send('https://edge.example/api/webhooks/', init(), keys)).status).toBe(401);
    expect((await send('https://edge.example/api/webhooks/', init('Bearer nope'), keys)).status).toBe(401);
    const created = await send('https://edge.example/api/webhooks/', init('Bearer k2'), keys);
    expect(created.status).toBe(201);
    expect((await send('https://edge.example/api/webhooks/filter', { ...init('Bearer k1'), body: '{}' }, keys)).status).toBe(200);
  });
});
