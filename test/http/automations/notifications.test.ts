/**
 * The send-notification action: the notification block's request reaches a real HTTP receiver
 * (test/receiver.ts, on loopback, so the blocks allow private URLs), with the subject and body
 * rendered; refusals, unsupported block types and retries.
 */
import { env } from 'cloudflare:workers';
import { sql } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import { evaluateQueuedEvents, runTriggeredActions } from '../../../src/events/automations/engine';
import { notificationRequests } from '../../../src/events/automations/notifications';
import { formatMicros, nowMicros } from '../../../src/time';
import { post, resetDb, withDb } from '../helpers';

beforeEach(async () => {
  await resetDb();
});

interface Received {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string>;
  body: string;
}

const receiver = env.PROXY_CONTROL;
const box = (prefix = '') => `${prefix}${crypto.randomUUID()}`;
const received = async (name: string): Promise<Received[]> => (await fetch(`${receiver}/received/${name}`)).json();
const runActions = () => withDb((db) => runTriggeredActions(db, env));
const lastError = async () => (await withDb((db) => db.execute<{ status: string; last_error: string | null }>(sql`SELECT status, last_error FROM automation_triggered_action`))).rows;

async function notificationBlock(slug: string, data: Record<string, unknown>): Promise<string> {
  await post('/block_types/install_system_block_types');
  const [type] = (await post('/block_types/filter', { block_types: { slug: { any_: [slug] } } })).body;
  const [schema] = (await post('/block_schemas/filter', { block_schemas: { block_type_id: { any_: [type.id] } } })).body;
  const doc = await post('/block_documents/', { name: `notify-${slug}`, data, block_type_id: type.id, block_schema_id: schema.id });
  expect(doc.status).toBe(201);
  return doc.body.id;
}

/** An automation that notifies through the block on event `ring`, fired once; returns the runner's counts. */
async function ring(blockId: string, texts: { subject?: string; body: string }) {
  const auto = await post('/automations/', {
    name: 'notify',
    trigger: { posture: 'Reactive', expect: ['ring'] },
    actions: [{ type: 'send-notification', block_document_id: blockId, ...texts }],
  });
  expect(auto.status).toBe(201);
  await post('/events', [{ id: crypto.randomUUID(), occurred: formatMicros(nowMicros()), event: 'ring', resource: { 'prefect.resource.id': 'bell.front-door', 'prefect.resource.name': 'front door' } }]);
  expect((await withDb((db) => evaluateQueuedEvents(db))).fired).toBe(1);
  return runActions();
}

const actionEvents = async (name: string) => (await post('/events/filter', { filter: { event: { name: [name] } } })).body.events;

describe('custom-webhook', () => {
  it('sends the block request with subject, body, name and secrets substituted, and emits executed', async () => {
    const b = box();
    const blockId = await notificationBlock('custom-webhook', {
      name: 'pager',
      url: `${receiver}/receiver/${b}/hook?fixed=1`,
      method: 'PUT',
      params: { who: '{{name}}' },
      json_data: { text: '{{subject}}: {{body}}', token: '{{token}}', nested: ['{{body}}', 7] },
      headers: { 'X-Auth': 'Bearer {{token}}' },
      cookies: { session: '{{token}}' },
      secrets: { token: 's3cret' },
      timeout: 5,
      allow_private_urls: true,
    });
    expect(await ring(blockId, { subject: 'Alarm for {{ event.resource.name }}', body: '{{ event.event }} on {{ event.resource.id }}' })).toEqual({ executed: 1, failed: 0, retrying: 0 });
    const [request, ...more] = await received(b);
    expect(more).toEqual([]);
    expect(request).toMatchObject({ method: 'PUT', path: '/hook' });
    expect(new URLSearchParams(request?.query).toString()).toBe('fixed=1&who=pager');
    expect(request?.headers).toMatchObject({ 'x-auth': 'Bearer s3cret', cookie: 'session=s3cret', 'user-agent': 'Prefect Notifications', 'content-type': 'application/json' });
    expect(JSON.parse(request?.body ?? '')).toEqual({ text: 'Alarm for front door: ring on bell.front-door', token: 's3cret', nested: ['ring on bell.front-door', 7] });

    const [executed] = await actionEvents('prefect.automation.action.executed');
    expect(executed.payload).toMatchObject({ action_type: 'send-notification', action_index: 0 });
    expect(executed.related.slice(0, 2)).toEqual([
      { 'prefect.resource.id': `prefect.block-document.${blockId}`, 'prefect.resource.role': 'block', 'prefect.resource.name': 'notify-custom-webhook' },
      { 'prefect.resource.id': 'prefect.block-type.custom-webhook', 'prefect.resource.role': 'block-type' },
    ]);
  });

  it('sends form data, and refuses a placeholder that is not subject, body, name or a secret', async () => {
    const b = box();
    const form = await notificationBlock('custom-webhook', { name: 'f', url: `${receiver}/receiver/${b}`, form_data: { msg: '{{body}}', s: '{{subject}}' }, allow_private_urls: true });
    expect(await ring(form, { body: 'a & b' })).toEqual({ executed: 1, failed: 0, retrying: 0 });
    const [request] = await received(b);
    expect(request?.method).toBe('POST');
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(request?.body))).toEqual({ msg: 'a & b', s: 'Prefect automated notification' });

    await resetDb();
    const bad = await notificationBlock('custom-webhook', { name: 'f', url: `${receiver}/receiver/${b}`, json_data: { x: '{{nope}}' }, allow_private_urls: true });
    expect(await ring(bad, { body: 'x' })).toEqual({ executed: 0, failed: 1, retrying: 0 });
    expect(await lastError()).toEqual([{ status: 'FAILED', last_error: 'The notification block was invalid: unknown placeholder {{nope}} in json_data' }]);
    expect(await received(b)).toHaveLength(1);
  });

  it('refuses a private address unless the block allows it, and fails on a 4xx without retrying', async () => {
    const b = box();
    const closed = await notificationBlock('custom-webhook', { name: 'c', url: `${receiver}/receiver/${b}`, json_data: { t: '{{body}}' }, allow_private_urls: false });
    expect(await ring(closed, { body: 'x' })).toEqual({ executed: 0, failed: 1, retrying: 0 });
    const [failed] = await actionEvents('prefect.automation.action.failed');
    expect(failed.payload).toMatchObject({ reason: 'Notification failed: URL 127.0.0.1 is a private address', notification_log: 'URL 127.0.0.1 is a private address' });
    expect(await received(b)).toEqual([]);

    await resetDb();
    const gone = box('status-404-');
    const missing = await notificationBlock('custom-webhook', { name: 'm', url: `${receiver}/receiver/${gone}`, allow_private_urls: true });
    expect(await ring(missing, { body: 'x' })).toEqual({ executed: 0, failed: 1, retrying: 0 });
    expect((await lastError())[0]?.last_error).toBe(`Notification failed: ${new URL(receiver).host} answered 404: try again`);
  });

  it('retries a 5xx answer and succeeds on the next attempt', async () => {
    const b = box('fail-once-');
    const blockId = await notificationBlock('custom-webhook', { name: 'r', url: `${receiver}/receiver/${b}`, json_data: { t: '{{body}}' }, allow_private_urls: true });
    expect(await ring(blockId, { body: 'again' })).toEqual({ executed: 0, failed: 0, retrying: 1 });
    expect(await runActions()).toEqual({ executed: 0, failed: 0, retrying: 0 }); // not due yet
    await withDb((db) => db.execute(sql`UPDATE automation_triggered_action SET next_attempt_at = now()`));
    expect(await runActions()).toEqual({ executed: 1, failed: 0, retrying: 0 });
    expect((await received(b)).map((r) => JSON.parse(r.body))).toEqual([{ t: 'again' }, { t: 'again' }]);
  });
});

describe('Apprise-backed webhook blocks', () => {
  it('slack-webhook posts Slack attachments with the default subject as title', async () => {
    const b = box();
    const blockId = await notificationBlock('slack-webhook', { url: `${receiver}/receiver/${b}/services/T0/B0/X0`, notify_type: 'info', allow_private_urls: true });
    expect(await ring(blockId, { body: 'Flow *{{ event.resource.name }}* <failed>' })).toEqual({ executed: 1, failed: 0, retrying: 0 });
    const [request] = await received(b);
    expect(request).toMatchObject({ method: 'POST', path: '/services/T0/B0/X0' });
    expect(request?.headers['content-type']).toBe('application/json');
    const payload = JSON.parse(request?.body ?? '');
    expect(payload).toMatchObject({
      mrkdwn: true,
      attachments: [{ title: 'Prefect automated notification', text: 'Flow *front door* <failed>', color: '#3AA3E3', footer: 'Prefect Notifications' }],
    });
    expect(typeof payload.attachments[0].ts).toBe('number');
  });

  it('does not follow redirects, and fails at once on a URL that is not one', async () => {
    const moved = box('status-302-');
    const redirected = await notificationBlock('slack-webhook', { url: `${receiver}/receiver/${moved}`, allow_private_urls: true });
    expect(await ring(redirected, { body: 'x' })).toEqual({ executed: 0, failed: 1, retrying: 0 });
    expect((await lastError())[0]?.last_error).toBe(`Notification failed: ${new URL(receiver).host} answered 302: try again`);
    expect(await received(moved)).toHaveLength(1);
    expect(await received(`followed-${moved}`)).toEqual([]);

    await resetDb();
    const nonsense = await notificationBlock('slack-webhook', { url: 'hooks slack com', allow_private_urls: true });
    expect(await ring(nonsense, { body: 'x' })).toEqual({ executed: 0, failed: 1, retrying: 0 });
    expect((await lastError())[0]?.last_error).toBe('The notification block was invalid: "hooks slack com" is not a valid URL');
  });

  it('ms-teams-webhook posts an Adaptive Card to the workflow URL', async () => {
    const b = box();
    const path = `/workflows/abc123/triggers/manual/paths/invoke`;
    const blockId = await notificationBlock('ms-teams-webhook', { url: `${receiver}/receiver/${b}${path}?api-version=2016-06-01&sig=xyz`, include_image: false, wrap: true, allow_private_urls: true });
    expect(await ring(blockId, { subject: 'Heads up', body: 'ping <at>ops</at>' })).toEqual({ executed: 1, failed: 0, retrying: 0 });
    const [request] = await received(b);
    expect(request?.path).toBe(path);
    expect(new URLSearchParams(request?.query).get('sig')).toBe('xyz');
    const card = JSON.parse(request?.body ?? '').attachments[0];
    expect(card.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(card.content.body).toEqual([
      { type: 'TextBlock', text: 'Heads up', style: 'heading', weight: 'Bolder', size: 'Large', id: 'title' },
      { type: 'TextBlock', text: 'ping <at>ops</at>', style: 'default', wrap: true, id: 'body' },
    ]);
    expect(card.content.msteams.entities).toEqual([{ type: 'mention', text: '<at>ops</at>', mentioned: { id: 'ops', name: 'ops' } }]);

    await resetDb();
    const notWorkflow = await notificationBlock('ms-teams-webhook', { url: `${receiver}/receiver/${b}/elsewhere`, allow_private_urls: true });
    expect(await ring(notWorkflow, { body: 'x' })).toEqual({ executed: 0, failed: 1, retrying: 0 });
    expect((await lastError())[0]?.last_error).toBe('The notification block was invalid: Invalid Microsoft Teams Workflow URL provided.');
  });

  it('mattermost-webhook posts to /hooks/<token> once per channel', async () => {
    const b = box();
    const url = new URL(receiver);
    const blockId = await notificationBlock('mattermost-webhook', {
      hostname: url.hostname,
      port: Number(url.port),
      path: `/receiver/${b}`,
      token: 'tok3n',
      channels: ['#alerts', 'ops'],
      botname: 'prefect-bot',
      allow_private_urls: true,
    });
    expect(await ring(blockId, { subject: 'S', body: 'B' })).toEqual({ executed: 1, failed: 0, retrying: 0 });
    const requests = await received(b);
    expect(requests.map((r) => r.path)).toEqual(['/hooks/tok3n', '/hooks/tok3n']);
    expect(requests.map((r) => JSON.parse(r.body))).toEqual([
      { text: 'S\r\nB', username: 'prefect-bot', channel: 'alerts' },
      { text: 'S\r\nB', username: 'prefect-bot', channel: 'ops' },
    ]);
  });

  it('discord-webhook builds the request to discord.com with the title on the first line', () => {
    const [request] = notificationRequests('discord-webhook', { webhook_id: '123', webhook_token: 'abc', botname: 'bot', tts: false }, 'Title', 'Body') ?? [];
    expect(request).toMatchObject({ url: 'https://discord.com/api/webhooks/123/abc', method: 'POST' });
    expect(JSON.parse(request?.body ?? '')).toEqual({ tts: false, wait: true, username: 'bot', content: 'Title\r\nBody' });
  });
});

describe('blocks that are not sent', () => {
  it('fails with the block type named, and refuses blocks that cannot notify', async () => {
    const sendgrid = await notificationBlock('sendgrid-email', { api_key: 'k', sender_email: 'a@b.c', to_emails: ['d@e.f'] });
    expect(await ring(sendgrid, { body: 'x' })).toEqual({ executed: 0, failed: 1, retrying: 0 });
    const [failed] = await actionEvents('prefect.automation.action.failed');
    expect(failed.payload.reason).toMatch(/^Notifications through 'sendgrid-email' blocks are not sent by this server \(it sends custom-webhook, slack-webhook/);
    expect(failed.related[1]).toEqual({ 'prefect.resource.id': 'prefect.block-type.sendgrid-email', 'prefect.resource.role': 'block-type' });

    await resetDb();
    const secret = await notificationBlock('secret', { value: 's' });
    expect(await ring(secret, { body: 'x' })).toEqual({ executed: 0, failed: 1, retrying: 0 });
    expect((await lastError())[0]?.last_error).toBe('The referenced block was not a notification block');
  });
});
