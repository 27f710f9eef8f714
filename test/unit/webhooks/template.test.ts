/** Webhook templates and the request → event step, without a database. */
import { describe, expect, it } from 'vitest';
import { renderTemplate, templateSyntaxError, type HookContext } from '../../../src/webhooks/template';
import { HookFailure, hookEvent, parseHookBody } from '../../../src/webhooks/receive';

const ctx = (over: Partial<HookContext> = {}): HookContext => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', 'x-github-event': 'push' },
  body: { model: 'recs', friendly_name: 'Recommendations', pad: 'p'.repeat(1000) },
  query: { source: 'cron' },
  ...over,
});
const webhook = (template: string) => ({ id: '6a3bd1f4-8b07-4f2e-9d1c-0d9a3c1e7b11', name: 'wh', template });

describe('renderTemplate', () => {
  it('gives the template method, headers in any case, body fields by attribute or index, and query', () => {
    const out = renderTemplate(
      "{{ method }}|{{ headers['X-GitHub-Event'] }}|{{ headers['x-github-event'] }}|{{ body.model }}|{{ body['friendly_name'] }}|{{ query.source }}",
      ctx(),
    );
    expect(out).toBe('POST|push|push|recs|Recommendations|cron');
  });

  it('passes a JSON body through with tojson, and fills a missing field with default', () => {
    expect(JSON.parse(renderTemplate('{{ body|tojson }}', ctx()))).toEqual(ctx().body);
    expect(renderTemplate('{{ body.missing|default(body.model) }}', ctx())).toBe('recs');
  });

  it('caps range() so that a template cannot loop without end', () => {
    expect(renderTemplate('{% for i in range(3) %}{{ i }}{% endfor %}', ctx())).toBe('012');
    expect(() => renderTemplate('{% for i in range(100000000) %}{% endfor %}', ctx())).toThrow(/over the limit/);
  });

  it('reports syntax errors without rendering', () => {
    expect(templateSyntaxError('{"event": "{{ body.x }}"}')).toBeNull();
    expect(templateSyntaxError('{{ body.x ')).not.toBeNull();
    expect(templateSyntaxError('{% if %}')).not.toBeNull();
  });
});

describe('from_cloud_event', () => {
  const id = crypto.randomUUID();
  const structured = {
    specversion: '1.0',
    type: 'com.github.pull_request.opened',
    source: 'https://github.com/org/repo',
    subject: '123',
    id,
    time: '2026-03-04T05:06:07Z',
    datacontenttype: 'application/json',
    data: { action: 'opened' },
  };

  it('turns a structured CloudEvent into a Prefect event (subject as resource, data and attributes in the payload)', () => {
    const e = hookEvent(webhook('{{ body|from_cloud_event(headers) }}'), ctx({ body: structured }));
    expect(e).toMatchObject({
      event: 'com.github.pull_request.opened',
      resource: { 'prefect.resource.id': '123' },
      id,
      occurred: expect.stringMatching(/^2026-03-04T05:06:07/),
      payload: {
        data: { action: 'opened' },
        cloudevents: { specversion: '1.0', type: 'com.github.pull_request.opened', source: 'https://github.com/org/repo', subject: '123', id, time: '2026-03-04T05:06:07Z', datacontenttype: 'application/json' },
      },
    });
    expect(e.related.map((r) => r['prefect.resource.role'])).toEqual(['webhook']);
  });

  it('reads a binary CloudEvent from its ce- headers, with the source as resource when there is no subject', () => {
    const headers = { 'content-type': 'application/json', 'ce-specversion': '1.0', 'ce-type': 'storage.object.finalized', 'ce-source': '//storage/bucket', 'ce-id': 'not-a-uuid' };
    const e = hookEvent(webhook('{{ body | from_cloud_event(headers) }}'), ctx({ headers, body: { name: 'file.csv' } }));
    expect(e.event).toBe('storage.object.finalized');
    expect(e.resource).toEqual({ 'prefect.resource.id': '//storage/bucket' });
    expect(e.id).not.toBe('not-a-uuid');
    expect(e.payload).toEqual({
      data: { name: 'file.csv' },
      cloudevents: { specversion: '1.0', type: 'storage.object.finalized', source: '//storage/bucket', id: 'not-a-uuid', datacontenttype: 'application/json' },
    });
  });

  it('fails (a 400 for the sender) on a request that is not a CloudEvent', () => {
    expect(() => hookEvent(webhook('{{ body|from_cloud_event(headers) }}'), ctx())).toThrow(/not a CloudEvent/);
  });
});

describe('parseHookBody', () => {
  it('reads forms as flat objects, JSON of any declared type as JSON, and anything else as text', () => {
    expect(parseHookBody('model=recs&friendly_name=Recommendations%20%5BProducts%5D', 'application/x-www-form-urlencoded; charset=utf-8')).toEqual({
      model: 'recs',
      friendly_name: 'Recommendations [Products]',
    });
    expect(parseHookBody('{"a": 1}', 'text/plain')).toEqual({ a: 1 });
    expect(parseHookBody('not json', 'application/json')).toBe('not json');
    expect(parseHookBody('', null)).toBe('');
  });
});

describe('hookEvent', () => {
  it('fills occurred, id and a debugging payload, and names the webhook as a related resource', () => {
    const e = hookEvent(webhook('{"event": "model.refreshed", "resource": {"prefect.resource.id": "product.models.{{ body.model }}"}}'), ctx());
    expect(e.event).toBe('model.refreshed');
    expect(e.resource).toEqual({ 'prefect.resource.id': 'product.models.recs' });
    expect(e.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(e.occurred).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(e.payload).toEqual({ method: 'POST', headers: ctx().headers, body: ctx().body });
    expect(e.related).toEqual([
      {
        'prefect.resource.id': 'prefect-cloud.webhook.6a3bd1f4-8b07-4f2e-9d1c-0d9a3c1e7b11',
        'prefect.resource.name': 'wh',
        'prefect.resource.role': 'webhook',
      },
    ]);
  });

  it('keeps what the template sets', () => {
    const id = crypto.randomUUID();
    const e = hookEvent(
      webhook(`{"event": "x", "id": "${id}", "occurred": "2026-01-02T03:04:05Z", "payload": {"n": 1}, "resource": {"prefect.resource.id": "r"}}`),
      ctx(),
    );
    expect(e).toMatchObject({ id, occurred: expect.stringMatching(/^2026-01-02T03:04:05/), payload: { n: 1 } });
  });

  it.each([
    ['{{ body.x ', /could not be rendered/],
    ['{"event": "x", "resource": {"prefect.resource.id": "{{ body.model }}"}', /not valid JSON/],
    ['[1, 2]', /not a JSON object/],
    ['{"event": "x", "resource": {}}', /not a valid event: .*prefect\.resource\.id/],
    ['{"resource": {"prefect.resource.id": "r"}}', /not a valid event: event/],
    ['{{ raise_exception("nope") }}', /nope/],
    ['{"event": "x", "resource": {"prefect.resource.id": "r"}, "payload": {"big": "{% for i in range(2000) %}{{ body.pad }}{% endfor %}"}}', /over the limit of 1500000/],
  ])('fails with a reason: %s', (template, reason) => {
    let failure: unknown;
    try {
      hookEvent(webhook(template), ctx());
    } catch (e) {
      failure = e;
    }
    expect(failure).toBeInstanceOf(HookFailure);
    expect((failure as HookFailure).message).toMatch(reason);
  });
});
