/**
 * The send-notification action: the notification block's request reaches a real HTTP receiver
 * (test/receiver.ts, on loopback, so the blocks allow private URLs), with the subject and body
 * rendered; refusals, unsupported block types and retries.
 */
import { env } from 'cloudflare:workers';
import { sql } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import { evaluateQueuedEvents, runTriggeredActions } from '../../../src/events/automations/engine';
import { InvalidNotificationBlock, notificationRequests, UndeliverableNotification } from '../../../src/events/automations/notifications';
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

/** The request(s) a block builds, with JSON bodies parsed and form bodies as pairs. */
function built(type: string, data: Record<string, unknown>, subject: string, body: string) {
  return (notificationRequests(type, data, subject, body) ?? []).map((r) => ({
    url: r.url,
    method: r.method,
    headers: r.headers,
    body: r.headers['content-type'] === 'application/json' ? JSON.parse(r.body ?? '') : [...new URLSearchParams(r.body)],
    allowPrivate: r.allowPrivate,
  }));
}
const bodies = (type: string, data: Record<string, unknown>, subject: string, body: string) => built(type, data, subject, body).map((r) => r.body);

// Expected values below are what Apprise 2.0.1 sent for Prefect 3.9.1's blocks with the same data
// (a throwaway script pointed the plugins at a local receiver).
describe('Apprise-backed service APIs (fixed hosts: built requests)', () => {
  const image = (type: string) => `https://github.com/caronc/apprise/raw/master/apprise/assets/themes/default/apprise-${type}-128x128.png`;

  it('pager-duty-webhook: a trigger event, the subject as summary and the body in the custom details', () => {
    expect(built('pager-duty-webhook', { integration_key: 'ikey', api_key: 'akey' }, 'Flow failed', 'Run nice-fox failed at 10:00 & <b>x</b> 100%')).toEqual([
      {
        url: 'https://events.pagerduty.com/v2/enqueue',
        method: 'POST',
        headers: { 'user-agent': 'Prefect Notifications', 'content-type': 'application/json', authorization: 'Token token=akey' },
        body: {
          routing_key: 'ikey',
          payload: { summary: 'Flow failed\r\n', severity: 'info', source: 'Prefect', component: 'Notification', custom_details: { 'Prefect Notification Body': 'Run nice-fox failed at 10:00 & <b>x</b> 100%' } },
          client: 'Prefect Notifications',
          event_action: 'trigger',
          images: [{ src: image('info'), alt: 'info' }],
        },
        allowPrivate: true,
      },
    ]);
    // Without a subject the body is the summary.
    expect(bodies('pager-duty-webhook', { integration_key: 'ikey', api_key: 'akey' }, '', 'Just body')[0].payload).toEqual({ summary: 'Just body', severity: 'info', source: 'Prefect', component: 'Notification' });
  });

  it('pager-duty-webhook: region, severity, options, and what the Apprise URL does to values', () => {
    const data = {
      integration_key: 'ikey',
      api_key: 'akey',
      source: 'my src',
      component: 'comp/x',
      group: '\n g%41 \t',
      class_id: 'c%2Fd',
      region_name: 'eu',
      clickable_url: 'https://Example.com',
      include_image: false,
      custom_details: { 'Disk Left': '145 GB', 'k+1': ' a%20b \n' },
      notify_type: 'failure',
    };
    const [request] = built('pager-duty-webhook', data, '  Sub  ', '\n Body with %41 and + plus\nline2  \n');
    expect(request?.url).toBe('https://events.eu.pagerduty.com/v2/enqueue');
    expect(request?.body).toEqual({
      routing_key: 'ikey',
      payload: {
        summary: 'Sub\r\n',
        severity: 'critical',
        source: 'my src',
        component: 'comp',
        group: 'gA',
        class: 'c/d',
        custom_details: { 'Disk Left': '145 GB', 'k+1': 'a b', 'Prefect Notification Body': ' Body with A and + plus\nline2  ' },
      },
      client: 'Prefect Notifications',
      event_action: 'trigger',
      links: [{ href: 'https://example.com/' }],
    });
    expect(bodies('pager-duty-webhook', { integration_key: 'ikey', api_key: 'akey', source: null, notify_type: 'warning' }, '', 'b')[0]).toMatchObject({
      payload: { severity: 'warning', source: 'Apprise' },
      images: [{ src: image('warning'), alt: 'warning' }],
    });
  });

  it('opsgenie-webhook: a new alert with the title as message and the body as description', () => {
    expect(built('opsgenie-webhook', { apikey: 'gkey' }, 'Flow failed', 'Body text')).toEqual([
      {
        url: 'https://api.opsgenie.com/v2/alerts',
        method: 'POST',
        headers: { 'user-agent': 'Prefect Notifications', 'content-type': 'application/json', authorization: 'GenieKey gkey' },
        body: { source: 'Prefect Notifications', message: 'Flow failed', description: 'Body text', details: { type: 'info' }, priority: 'P3' },
        allowPrivate: true,
      },
    ]);
    const long = '0123456789'.repeat(14);
    expect(bodies('opsgenie-webhook', { apikey: 'gkey', notify_type: 'success' }, '', long)[0]).toMatchObject({ message: `${long.slice(0, 127)}...`, description: long, details: { type: 'success' } });
  });

  it('opsgenie-webhook: one alert per responder, sorted as Apprise reads them, or 50 per alert with batch', () => {
    const uuid = '3f0e2c1a-1b2c-4d5e-8f9a-0b1c2d3e4f5a';
    const data = {
      apikey: 'gkey',
      target_user: ['alice', uuid],
      target_team: ['ops team'],
      target_schedule: ['sched'],
      target_escalation: ['esc'],
      region_name: 'eu',
      tags: ['b tag', 'a', 'a'],
      priority: 5,
      alias: 'al',
      entity: 'ent',
      details: { 'Key One': 'v 1', type: 'custom' },
    };
    const requests = built('opsgenie-webhook', data, '', 'B');
    expect(requests.map((r) => r.url)).toEqual(Array(6).fill('https://api.eu.opsgenie.com/v2/alerts'));
    expect(requests.map((r) => r.body.responders)).toEqual([
      [{ type: 'team', name: 'ops' }],
      [{ type: 'schedule', name: 'sched' }],
      [{ type: 'user', id: uuid }],
      [{ type: 'user', username: 'alice' }],
      [{ type: 'user', username: 'team' }],
      [{ type: 'escalation', name: 'esc' }],
    ]);
    expect(requests[0]?.body).toEqual({
      source: 'Prefect Notifications',
      message: 'B',
      description: 'B',
      details: { 'Key One': 'v 1', type: 'custom' },
      priority: 'P5',
      tags: ['a', 'b', 'tag'],
      entity: 'ent',
      alias: 'al',
      responders: [{ type: 'team', name: 'ops' }],
    });
    const batch = bodies('opsgenie-webhook', { apikey: 'gkey', target_user: ['alice', 'bob'], target_team: ['ops'], batch: true, priority: 10 }, 'S', 'B');
    expect(batch).toEqual([
      {
        source: 'Prefect Notifications',
        message: 'S',
        description: 'B',
        details: { type: 'info' },
        priority: 'P1',
        responders: [
          { type: 'team', name: 'ops' },
          { type: 'user', username: 'alice' },
          { type: 'user', username: 'bob' },
        ],
      },
    ]);
    expect([0, 45, -2].map((priority) => bodies('opsgenie-webhook', { apikey: 'gkey', priority }, '', 'b')[0].priority)).toEqual(['P3', 'P4', 'P3']);
  });

  it('twilio-sms: one form-encoded message per valid number, the title on the first line', () => {
    const data = { account_sid: 'AC0123abcdef', auth_token: 'tok123', from_phone_number: '18001234567', to_phone_numbers: ['18004242424', '+1 (800) 424-2425', '123', 'whatsapp:18004242426'] };
    const requests = built('twilio-sms', data, 'Flow failed', 'Run failed & stuff');
    expect(requests[0]).toEqual({
      url: 'https://api.twilio.com/2010-04-01/Accounts/AC0123abcdef/Messages.json',
      method: 'POST',
      headers: { 'user-agent': 'Prefect Notifications', accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded', authorization: 'Basic QUMwMTIzYWJjZGVmOnRvazEyMw==' },
      body: [
        ['Body', 'Flow failed\r\nRun failed & stuff'],
        ['From', '+18001234567'],
        ['To', '+18004242424'],
      ],
      allowPrivate: true,
    });
    expect(requests.map((r) => r.body.slice(1))).toEqual([
      [['From', '+18001234567'], ['To', '+18004242424']],
      [['From', '+18001234567'], ['To', '+18004242425']],
      [['From', 'whatsapp:+18001234567'], ['To', 'whatsapp:+18004242426']],
    ]);
    // No valid number: the sender's own; a short-code sender keeps its digits.
    expect(bodies('twilio-sms', { ...data, to_phone_numbers: ['12'] }, '', 'B')).toEqual([[['Body', 'B'], ['From', '+18001234567'], ['To', '+18001234567']]]);
    expect(bodies('twilio-sms', { ...data, from_phone_number: '12345', to_phone_numbers: ['w:18004242424', '18004242425'] }, 'S', 'B')).toEqual([
      [['Body', 'S\r\nB'], ['From', '12345'], ['To', '+18004242425']],
    ]);
  });

  it('sendgrid-email: one HTML mail per recipient, sorted and de-duplicated', () => {
    const data = { api_key: 'SG.abc-def_1', sender_email: 'Team <from@example.com>', to_emails: ['b@example.com', 'a@example.com', 'Bob <a@example.com>', 'not-an-email'] };
    const requests = built('sendgrid-email', data, 'Flow failed', 'Line1\nLine2 <b>x</b> & y\n');
    expect(requests[0]).toEqual({
      url: 'https://api.sendgrid.com/v3/mail/send',
      method: 'POST',
      headers: { 'user-agent': 'Prefect Notifications', 'content-type': 'application/json', authorization: 'Bearer SG.abc-def_1' },
      body: { personalizations: [{ to: [{ email: 'a@example.com' }] }], from: { email: 'from@example.com' }, subject: 'Flow failed', content: [{ type: 'text/html', value: 'Line1\nLine2 <b>x</b> & y' }] },
      allowPrivate: true,
    });
    expect(requests.map((r) => r.body.personalizations)).toEqual([[{ to: [{ email: 'a@example.com' }] }], [{ to: [{ email: 'b@example.com' }] }]]);
    // No subject: Apprise's placeholder; no valid recipient: the sender.
    expect(bodies('sendgrid-email', { ...data, to_emails: ['nope'] }, '', 'B')).toEqual([
      { personalizations: [{ to: [{ email: 'from@example.com' }] }], from: { email: 'from@example.com' }, subject: '<no subject>', content: [{ type: 'text/html', value: 'B' }] },
    ]);
  });

  it('refuses blocks Apprise (or Prefect) would not load, and messages Apprise would not send', () => {
    const invalid = (type: string, data: Record<string, unknown>) => {
      try {
        notificationRequests(type, data, 'S', 'B');
      } catch (e) {
        return e instanceof InvalidNotificationBlock ? e.message : `not invalid: ${String(e)}`;
      }
      return 'accepted';
    };
    expect(invalid('pager-duty-webhook', { integration_key: 'ikey' })).toBe(`'api_key' is missing or not valid`);
    expect(invalid('pager-duty-webhook', { integration_key: 'ikey', api_key: ' akey' })).toBe(`'api_key' is missing or not valid`);
    expect(invalid('pager-duty-webhook', { integration_key: 'ikey', api_key: 'akey', region_name: 'ap' })).toBe(`'region_name' must be one of us, eu`);
    expect(invalid('pager-duty-webhook', { integration_key: 'ikey', api_key: 'akey', clickable_url: 'ftp://x' })).toBe(`'clickable_url' is not an HTTP URL`);
    expect(invalid('opsgenie-webhook', {})).toBe(`'apikey' is missing or not valid`);
    expect(invalid('opsgenie-webhook', { apikey: 'k', notify_type: 'urgent' })).toBe(`'notify_type' must be one of info, success, warning, failure`);
    const twilio = { account_sid: 'AC0123', auth_token: 'tok123', from_phone_number: '18001234567', to_phone_numbers: ['18004242424'] };
    expect(invalid('twilio-sms', twilio)).toBe('accepted');
    expect(invalid('twilio-sms', { ...twilio, account_sid: 'XX0123' })).toBe(`'account_sid' is missing or not valid`);
    expect(invalid('twilio-sms', { ...twilio, auth_token: 'tok-123' })).toBe(`'auth_token' is missing or not valid`);
    expect(invalid('twilio-sms', { ...twilio, from_phone_number: '1234567' })).toBe(`'from_phone_number' is not a phone number or short code`);
    expect(invalid('twilio-sms', { ...twilio, from_phone_number: '123456789012345' })).toBe(`'from_phone_number' is not a phone number or short code`);
    expect(invalid('sendgrid-email', { api_key: 'SG abc', sender_email: 'a@example.com', to_emails: [] })).toBe(`'api_key' is missing or not valid`);
    expect(invalid('sendgrid-email', { api_key: 'SGabc', sender_email: 'nope', to_emails: [] })).toBe(`'sender_email' is not an e-mail address`);
    expect(invalid('sendgrid-email', { api_key: 'SGabc', sender_email: 'a@example.com' })).toBe(`'to_emails' must be a list of strings`);

    // An empty body, or a short-code sender with no valid recipient, sends nothing.
    expect(() => notificationRequests('sendgrid-email', { api_key: 'k', sender_email: 'a@example.com', to_emails: [] }, 'S', '')).toThrow(UndeliverableNotification);
    expect(() => notificationRequests('pager-duty-webhook', { integration_key: 'i', api_key: 'a' }, '', '')).toThrow(UndeliverableNotification);
    expect(notificationRequests('pager-duty-webhook', { integration_key: 'i', api_key: 'a' }, 'S', '')).toHaveLength(1);
    expect(() => notificationRequests('twilio-sms', { ...twilio, from_phone_number: '12345', to_phone_numbers: [] }, 'S', 'B')).toThrow(UndeliverableNotification);
    // Apprise refuses an empty body for every service (whitespace is a body), the webhook blocks too.
    const webhooks: [string, Record<string, unknown>][] = [
      ['slack-webhook', { url: 'https://hooks.slack.com/services/T/B/X' }],
      ['ms-teams-webhook', { url: 'https://example.com/workflows/abc/triggers/manual/paths/invoke?sig=1' }],
      ['discord-webhook', { webhook_id: '1', webhook_token: 't' }],
      ['mattermost-webhook', { hostname: 'mm.example.com', token: 't' }],
    ];
    for (const [type, data] of webhooks) {
      expect(() => notificationRequests(type, data, 'S', ''), type).toThrow(UndeliverableNotification);
      expect(notificationRequests(type, data, 'S', ' '), type).toHaveLength(1);
    }
  });

  it('fails the action when Apprise would send nothing, or the block is invalid, without a request', async () => {
    const shortCode = await notificationBlock('twilio-sms', { account_sid: 'AC0123', auth_token: 'tok123', from_phone_number: '12345', to_phone_numbers: ['nope'] });
    expect(await ring(shortCode, { body: 'x' })).toEqual({ executed: 0, failed: 1, retrying: 0 });
    const [failed] = await actionEvents('prefect.automation.action.failed');
    expect(failed.payload).toMatchObject({ reason: 'Notification failed: there is no valid Twilio recipient to send to', notification_log: 'there is no valid Twilio recipient to send to' });
    expect(failed.related[1]).toEqual({ 'prefect.resource.id': 'prefect.block-type.twilio-sms', 'prefect.resource.role': 'block-type' });

    await resetDb();
    const badKey = await notificationBlock('sendgrid-email', { api_key: 'not a key', sender_email: 'a@example.com', to_emails: ['b@example.com'] });
    expect(await ring(badKey, { body: 'x' })).toEqual({ executed: 0, failed: 1, retrying: 0 });
    expect(await lastError()).toEqual([{ status: 'FAILED', last_error: `The notification block was invalid: 'api_key' is missing or not valid` }]);
  });
});

describe('blocks that are not sent', () => {
  it('fails with the block type named, and refuses blocks that cannot notify', async () => {
    // A notification block type from outside Prefect's core.
    const type = await post('/block_types/', { name: 'Carrier Pigeon', slug: 'carrier-pigeon' });
    expect(type.status).toBe(201);
    const schema = await post('/block_schemas/', { block_type_id: type.body.id, fields: { title: 'CarrierPigeon', type: 'object', properties: {} }, capabilities: ['notify'] });
    expect(schema.status).toBe(201);
    const doc = await post('/block_documents/', { name: 'coo', data: {}, block_type_id: type.body.id, block_schema_id: schema.body.id });
    expect(await ring(doc.body.id, { body: 'x' })).toEqual({ executed: 0, failed: 1, retrying: 0 });
    const [failed] = await actionEvents('prefect.automation.action.failed');
    expect(failed.payload.reason).toMatch(/^Notifications through 'carrier-pigeon' blocks are not sent by this server \(it sends custom-webhook, slack-webhook/);
    expect(failed.related[1]).toEqual({ 'prefect.resource.id': 'prefect.block-type.carrier-pigeon', 'prefect.resource.role': 'block-type' });

    await resetDb();
    const secret = await notificationBlock('secret', { value: 's' });
    expect(await ring(secret, { body: 'x' })).toEqual({ executed: 0, failed: 1, retrying: 0 });
    expect((await lastError())[0]?.last_error).toBe('The referenced block was not a notification block');
  });
});
