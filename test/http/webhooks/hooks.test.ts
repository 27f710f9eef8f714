/** /hooks/{slug}: an HTTP call becomes an event; failures are a quiet 4xx and an event for the owner. */
import { beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { patch, post, resetDb, withDb } from '../helpers';
import { send } from '../security/app';
import { createWebhook, eventsNamed, hook } from './support';

beforeEach(async () => {
  await resetDb();
});

const failures = () => eventsNamed('prefect-cloud.webhook.failed');

describe('/hooks/{slug}', () => {
  it('turns a JSON POST into the event, stored as POST /events stores it, and answers 204', async () => {
    const w = await createWebhook();
    const res = await hook(w.slug, 'POST', { model: 'recs' }, { 'x-trace': 't1', authorization: 'Bearer secret' });
    expect(res.status).toBe(204);
    expect(res.body).toBeNull();
    const [e] = await eventsNamed('model.refreshed');
    expect(e).toMatchObject({
      resource_id: 'product.models.recs',
      related_resource_ids: [`prefect-cloud.webhook.${w.id}`],
      related: [{ 'prefect.resource.id': `prefect-cloud.webhook.${w.id}`, 'prefect.resource.name': 'wh', 'prefect.resource.role': 'webhook' }],
    });
    // The default payload: method, headers without Authorization, body.
    expect(e.payload.method).toBe('POST');
    expect(e.payload.body).toEqual({ model: 'recs' });
    expect(e.payload.headers['x-trace']).toBe('t1');
    expect(e.payload.headers.authorization).toBeUndefined();
    const resources = await withDb(async (db) => (await db.execute(sql`select resource_id, resource_role from event_resource where event_id = ${e.id} order by resource_role`)).rows);
    expect(resources).toEqual([
      { resource_id: 'product.models.recs', resource_role: '' },
      { resource_id: `prefect-cloud.webhook.${w.id}`, resource_role: 'webhook' },
    ]);
    // Readable through the events API.
    const read = await post('/events/filter', { filter: { event: { name: ['model.refreshed'] } } });
    expect(read.body.events.map((x: any) => x.id)).toEqual([e.id]);
  });

  it('takes form bodies, raw text, headers in any case and the query string', async () => {
    const w = await createWebhook({
      template:
        '{"event": "{{ headers[\'X-Kind\'] }}", "resource": {"prefect.resource.id": "r.{{ body.model if body is mapping else body }}"}, "payload": {"q": "{{ query.n }}", "m": "{{ method }}"}}',
    });
    expect((await hook(w.slug, 'POST', 'model=form&x=1', { 'content-type': 'application/x-www-form-urlencoded', 'x-kind': 'k.form' })).status).toBe(204);
    expect((await hook(`${w.slug}?n=7`, 'PUT', 'plain words', { 'content-type': 'text/plain', 'X-KIND': 'k.text' })).status).toBe(204);
    const [form] = await eventsNamed('k.form');
    const [text] = await eventsNamed('k.text');
    expect(form.resource_id).toBe('r.form');
    expect(text.resource_id).toBe('r.plain words');
    expect(text.payload).toEqual({ q: '7', m: 'PUT' });
  });

  it('accepts CloudEvents with Cloud\'s from_cloud_event template', async () => {
    const w = await createWebhook({ template: '{{ body|from_cloud_event(headers) }}' });
    const cloudEvent = { specversion: '1.0', type: 'e2e.ce.happened', source: 'urn:test', subject: 'thing-1', id: 'abc', data: { n: 1 } };
    expect((await hook(w.slug, 'POST', cloudEvent, { 'content-type': 'application/cloudevents+json' })).status).toBe(204);
    const [e] = await eventsNamed('e2e.ce.happened');
    expect(e).toMatchObject({ resource_id: 'thing-1', payload: { data: { n: 1 }, cloudevents: { source: 'urn:test', id: 'abc' } } });
  });

  it('serves static templates on GET, HEAD and DELETE, at the root and under /api', async () => {
    const w = await createWebhook({ template: '{"event": "static.{{ method|lower }}", "resource": {"prefect.resource.id": "s"}}' });
    expect((await hook(w.slug, 'GET')).status).toBe(204);
    expect((await hook(w.slug, 'HEAD')).status).toBe(204);
    expect((await hook(w.slug, 'DELETE')).status).toBe(204);
    const root = await send(`https://edge.example/hooks/${w.slug}`, { method: 'PATCH', body: '{}' });
    expect(root.status).toBe(204);
    for (const m of ['get', 'head', 'delete', 'patch']) expect(await eventsNamed(`static.${m}`)).toHaveLength(1);
  });

  it('needs no API key when keys are configured, and ignores one that is sent', async () => {
    const w = await createWebhook({ template: '{"event": "open", "resource": {"prefect.resource.id": "{{ headers.authorization|default(\'hidden\') }}"}}' });
    const keys = { PREFECT_API_KEYS: 'k1' };
    expect((await send(`https://edge.example/api/hooks/${w.slug}`, { method: 'POST', body: '{}' }, keys)).status).toBe(204);
    expect((await send(`https://edge.example/hooks/${w.slug}`, { method: 'POST', body: '{}', headers: { authorization: 'Bearer wrong' } }, keys)).status).toBe(204);
    expect((await eventsNamed('open')).map((e) => e.resource_id)).toEqual(['hidden', 'hidden']);
    // Everything else still needs the key.
    expect((await send('https://edge.example/api/webhooks/filter', { method: 'POST', body: '{}' }, keys)).status).toBe(401);
  });

  it('answers 404 for an unknown slug and for a disabled webhook, and stores nothing', async () => {
    const w = await createWebhook();
    expect((await hook('AAAAAAAAAAAAAAAAAAAAAA', 'POST', { model: 'x' })).status).toBe(404);
    await patch(`/webhooks/${w.id}`, { enabled: false });
    const res = await hook(w.slug, 'POST', { model: 'x' });
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ detail: 'Webhook not found.' });
    await patch(`/webhooks/${w.id}`, { enabled: true });
    expect((await hook(w.slug, 'POST', { model: 'x' })).status).toBe(204);
    expect(await eventsNamed('model.refreshed')).toHaveLength(1);
    expect(await failures()).toHaveLength(0);
  });

  it.each([
    ['a template that renders invalid JSON', '{"event": "x", "resource": {"prefect.resource.id": "{{ body }}"}}', 'has "quotes"', /not valid JSON/],
    ['an event without a resource id', '{"event": "x", "resource": {}}', '{}', /not a valid event/],
    ['a template that fails at render time', '{{ raise_exception("boom") }}', '{}', /boom/],
    ['a template that loops too far', '{% for i in range(10000000) %}{% endfor %}', '{}', /over the limit/],
  ])('%s: 400, nothing stored, and a prefect-cloud.webhook.failed event says why', async (_, template, body, reason) => {
    const w = await createWebhook({ template });
    const res = await hook(w.slug, 'POST', body, { 'content-type': 'text/plain', authorization: 'Bearer hidden' });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ detail: 'Bad Request' });
    const rows = await withDb(async (db) => (await db.execute(sql`select event, resource_id, resource, payload from event`)).rows as any[]);
    expect(rows).toHaveLength(1);
    const [failed] = rows;
    expect(failed).toMatchObject({
      event: 'prefect-cloud.webhook.failed',
      resource_id: `prefect-cloud.webhook.${w.id}`,
      resource: { 'prefect.resource.name': 'wh' },
      payload: { method: 'POST', body },
    });
    expect(failed.payload.error).toMatch(reason);
    expect(failed.payload.headers.authorization).toBeUndefined();
  });

  it('refuses a body over the limit with 413 without reading it all, and tells the owner', async () => {
    const w = await createWebhook();
    const big = JSON.stringify({ model: 'x', pad: 'a'.repeat(512 * 1024) });
    expect((await hook(w.slug, 'POST', big)).status).toBe(413);
    // A streamed body (no Content-Length) is cut off too.
    const stream = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 20; i += 1) controller.enqueue(new TextEncoder().encode('x'.repeat(64 * 1024)));
        controller.close();
      },
    });
    const streamed = await send(`https://edge.example/hooks/${w.slug}`, { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(await eventsNamed('model.refreshed')).toHaveLength(0);
    const failed = await failures();
    expect(failed).toHaveLength(2);
    expect(failed[0].payload).toMatchObject({ body: null, error: `The request body is larger than ${512 * 1024} bytes` });
    // Just under the limit is fine.
    expect((await hook(w.slug, 'POST', JSON.stringify({ model: 'y', pad: 'a'.repeat(500 * 1024) }))).status).toBe(204);
  });

  it('limits calls per slug per minute with 429, and other slugs are not affected', async () => {
    const [a, b] = [await createWebhook(), await createWebhook()];
    const limits = { WEBHOOK_RATE_LIMIT_PER_MINUTE: '3', ALLOW_UNAUTHENTICATED: 'true' };
    const callA = () => send(`https://edge.example/hooks/${a.slug}`, { method: 'POST', body: '{"model": "a"}' }, limits);
    const statuses = [];
    for (let i = 0; i < 5; i += 1) statuses.push((await callA()).status);
    expect(statuses).toEqual([204, 204, 204, 429, 429]);
    const limited = await callA();
    expect(limited.headers.get('retry-after')).toBe('60');
    expect((await send(`https://edge.example/hooks/${b.slug}`, { method: 'POST', body: '{"model": "b"}' }, limits)).status).toBe(204);
    // A new window starts a minute after the last one began.
    await withDb((db) => db.execute(sql`update webhook set window_start = now() - interval '61 seconds' where id = ${a.id}`));
    expect((await callA()).status).toBe(204);
    expect((await eventsNamed('model.refreshed')).map((e) => e.resource_id).sort()).toEqual([
      'product.models.a',
      'product.models.a',
      'product.models.a',
      'product.models.a',
      'product.models.b',
    ]);
  });

  it('costs a fixed number of statements: the slug lookup, then the event insert', async () => {
    const w = await createWebhook();
    const res = await hook(w.slug, 'POST', { model: 'n' });
    expect(res.status).toBe(204);
    // The slug lookup (which also counts the call), then the event insert: one statement, no BEGIN/COMMIT,
    // since the event holds no task-run state for the recorder.
    expect(Number(res.headers.get('x-sql-statements'))).toBe(2);
  });
});
