/**
 * What Prefect's notification blocks send when `notify(subject, body)` is called, as plain HTTP
 * requests: the custom webhook block (prefect/blocks/notifications.py), the webhook blocks Prefect
 * sends through Apprise (Slack, Microsoft Teams workflows, Discord, Mattermost) and the service APIs it
 * reaches through Apprise (PagerDuty events, Opsgenie alerts, Twilio SMS, SendGrid mail), whose
 * requests follow Apprise's plugins with the options Prefect gives them. Pure: the send-notification
 * action (actions.ts) fetches the requests and reports the outcome.
 */

export interface NotificationRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
  timeoutMs: number;
  /** Whether the block lets this request go to a private or loopback address. */
  allowPrivate: boolean;
}

/** The block cannot be used as it is (Prefect: "The notification block was invalid: …"). */
export class InvalidNotificationBlock extends Error {}

/** Apprise gives up before sending anything (Prefect: "Notification failed", with Apprise's log). */
export class UndeliverableNotification extends Error {}

/** Block types whose notifications this server sends. */
export const NOTIFICATION_BLOCK_TYPES = [
  'custom-webhook',
  'slack-webhook',
  'ms-teams-webhook',
  'discord-webhook',
  'mattermost-webhook',
  'pager-duty-webhook',
  'opsgenie-webhook',
  'twilio-sms',
  'sendgrid-email',
] as const;

/** Apprise names the sender after the asset Prefect gives it. */
const APP_ID = 'Prefect Notifications';
/** Prefect's default notify_type for Apprise blocks is "info"; Apprise's colour and image for it. */
const INFO_COLOR = '#3AA3E3';
const notifyTypeImage = (type: string, size: string) => `https://github.com/caronc/apprise/raw/master/apprise/assets/themes/default/apprise-${type}-${size}.png`;
const infoImage = (size: string) => notifyTypeImage('info', size);
const DEFAULT_TIMEOUT_MS = 10_000;

type Data = Record<string, unknown>;

const str = (x: unknown): string | undefined => (typeof x === 'string' ? x : undefined);
const flag = (x: unknown, dflt: boolean): boolean => (typeof x === 'boolean' ? x : dflt);
/** Ours: a block without `allow_private_urls` may not reach private addresses (as for call-webhook). */
const allowsPrivate = (data: Data) => data.allow_private_urls === true;

/** The requests `notify(subject, body)` makes for a block of this type, or null for a type not sent. */
export function notificationRequests(blockType: string, data: Data, subject: string, body: string): NotificationRequest[] | null {
  switch (blockType) {
    case 'custom-webhook':
      return [customWebhookRequest(data, subject, body)];
    case 'slack-webhook':
      return [slackRequest(data, subject, body)];
    case 'ms-teams-webhook':
      return [teamsRequest(data, subject, body)];
    case 'discord-webhook':
      return [discordRequest(data, subject, body)];
    case 'mattermost-webhook':
      return mattermostRequests(data, subject, body);
    case 'pager-duty-webhook':
      return [pagerDutyRequest(data, subject, body)];
    case 'opsgenie-webhook':
      return opsgenieRequests(data, subject, body);
    case 'twilio-sms':
      return twilioRequests(data, subject, body);
    case 'sendgrid-email':
      return sendgridRequests(data, subject, body);
    default:
      return null;
  }
}

const post = (url: string, headers: Record<string, string>, body: string, allowPrivate: boolean): NotificationRequest => ({
  url,
  method: 'POST',
  headers: { 'user-agent': APP_ID, ...headers },
  body,
  timeoutMs: DEFAULT_TIMEOUT_MS,
  allowPrivate,
});

const json = (url: string, payload: unknown, allowPrivate: boolean, headers: Record<string, string> = {}): NotificationRequest =>
  post(url, { 'content-type': 'application/json', ...headers }, JSON.stringify(payload), allowPrivate);

/** `allowPrivate` for services on fixed public hosts (Discord, PagerDuty, Opsgenie, Twilio, SendGrid): nothing private to guard. */
const PUBLIC_HOST = true;

function requireString(data: Data, field: string): string {
  const v = str(data[field]);
  if (!v) throw new InvalidNotificationBlock(`'${field}' is required`);
  return v;
}

// ---- custom webhook: `{{name}}` placeholders filled from subject, body, name and the block's secrets ----

/** Prefect's placeholder syntax (prefect.utilities.templating). */
const PLACEHOLDER = /\{\{\s*([\w.\-[\]$]+)\s*\}\}/g;

function placeholdersOf(template: unknown): string[] {
  if (typeof template === 'string') return [...template.matchAll(PLACEHOLDER)].map((m) => m[1] as string);
  if (Array.isArray(template)) return template.flatMap(placeholdersOf);
  if (template && typeof template === 'object') return Object.values(template).flatMap(placeholdersOf);
  return [];
}

/** Python's str() of a value, as Prefect substitutes it into a longer string. */
function pyStr(v: unknown): string {
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (v === null || v === undefined) return 'None';
  return typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/**
 * Prefect's apply_values: a string that is one placeholder becomes the value (keeping its type), other
 * strings get each placeholder replaced by the value's text, recursively. The placeholders were
 * checked against `values` before.
 */
function applyValues(template: unknown, values: Data): unknown {
  if (typeof template === 'string') {
    const found = [...template.matchAll(PLACEHOLDER)];
    if (found.length === 0) return template;
    if (found.length === 1 && found[0]?.[0] === template) return values[found[0][1] as string];
    return template.replace(PLACEHOLDER, (_, name: string) => pyStr(values[name]));
  }
  if (Array.isArray(template)) return template.map((x) => applyValues(x, values));
  if (template && typeof template === 'object') return Object.fromEntries(Object.entries(template).map(([k, v]) => [k, applyValues(v, values)]));
  return template;
}

const TEMPLATED_FIELDS = ['url', 'params', 'form_data', 'json_data', 'headers', 'cookies'] as const;

function customWebhookRequest(data: Data, subject: string, body: string): NotificationRequest {
  const secrets = data.secrets && typeof data.secrets === 'object' ? (data.secrets as Data) : {};
  if (data.form_data != null && data.json_data != null) throw new InvalidNotificationBlock('both `Form Data` and `JSON Data` provided');
  // Prefect checks the placeholders when the block loads: each must be subject, body, name or a secret.
  const allowed = new Set(['subject', 'body', 'name', ...Object.keys(secrets)]);
  for (const field of TEMPLATED_FIELDS) {
    const unknown = placeholdersOf(data[field]).find((p) => !allowed.has(p));
    if (unknown !== undefined) throw new InvalidNotificationBlock(`unknown placeholder {{${unknown}}} in ${field}`);
  }
  const values: Data = { ...secrets, subject, body, name: str(data.name) ?? '' };
  const method = (str(data.method) ?? 'POST').toUpperCase();
  const url = new URL(String(applyValues(requireString(data, 'url'), values)));
  for (const [k, v] of Object.entries((applyValues(data.params ?? {}, values) as Data | null) ?? {})) url.searchParams.append(k, pyStr(v));
  const headers: Record<string, string> = { 'user-agent': APP_ID };
  let content: string | undefined;
  const jsonData = applyValues(data.json_data ?? null, values);
  const formData = applyValues(data.form_data ?? null, values);
  if (jsonData != null) {
    content = JSON.stringify(jsonData);
    headers['content-type'] = 'application/json';
  } else if (typeof formData === 'string') content = formData;
  else if (formData && typeof formData === 'object') {
    content = new URLSearchParams(Object.entries(formData as Data).map(([k, v]) => [k, pyStr(v)])).toString();
    headers['content-type'] = 'application/x-www-form-urlencoded';
  }
  for (const [k, v] of Object.entries((applyValues(data.headers ?? {}, values) as Data | null) ?? {})) headers[k.toLowerCase()] = pyStr(v);
  const cookies = Object.entries((applyValues(data.cookies ?? {}, values) as Data | null) ?? {});
  if (cookies.length) headers.cookie = cookies.map(([k, v]) => `${k}=${pyStr(v)}`).join('; ');
  const timeout = typeof data.timeout === 'number' && data.timeout > 0 ? data.timeout * 1000 : DEFAULT_TIMEOUT_MS;
  // A fetch cannot carry a body on GET (httpx can): the body of a GET is left out.
  return { url: url.toString(), method, headers, body: method === 'GET' ? undefined : content, timeoutMs: timeout, allowPrivate: allowsPrivate(data) };
}

// ---- Apprise-backed webhook blocks ----------------------------------------------------------------

/** Slack's text escaping that Apprise applies to titles. */
const slackEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Apprise's Slack webhook payload (legacy attachments, Markdown, footer and image on). */
function slackRequest(data: Data, subject: string, body: string): NotificationRequest {
  requireBody(body);
  const url = requireString(data, 'url');
  const image = infoImage('72x72');
  return json(
    url,
    {
      mrkdwn: true,
      attachments: [{ title: slackEscape(subject), text: body, color: INFO_COLOR, footer_icon: image, footer: APP_ID, ts: Date.now() / 1000 }],
      icon_url: image,
    },
    allowsPrivate(data),
  );
}

/** A Power Automate (Workflows) URL, as Apprise's NotifyWorkflows recognises it. */
const WORKFLOW_URL = /\/workflows\/[A-Z0-9_-]+\/triggers\/manual\/paths\/invoke\/?\?.+$/i;

/** Apprise's Workflows payload for Teams: an Adaptive Card with the image, the title and the body. */
function teamsRequest(data: Data, subject: string, body: string): NotificationRequest {
  requireBody(body);
  const url = requireString(data, 'url');
  if (!WORKFLOW_URL.test(url)) throw new InvalidNotificationBlock('Invalid Microsoft Teams Workflow URL provided.');
  const content: Data[] = [];
  if (flag(data.include_image, true)) content.push({ type: 'Image', url: infoImage('32x32'), height: '32px', altText: 'info' });
  if (subject) content.push({ type: 'TextBlock', text: subject, style: 'heading', weight: 'Bolder', size: 'Large', id: 'title' });
  content.push({ type: 'TextBlock', text: body, style: 'default', wrap: flag(data.wrap, true), id: 'body' });
  // Teams mentions written as <at>someone</at> are declared as entities, as Apprise does.
  const mentions = [...new Set([...body.matchAll(/<at>([^<]+)<\/at>/gi)].map((m) => (m[1] as string).trim()).filter(Boolean))];
  const msteams: Data = { width: 'full' };
  if (mentions.length) msteams.entities = mentions.map((m) => ({ type: 'mention', text: `<at>${m}</at>`, mentioned: { id: m, name: m } }));
  return json(
    url,
    {
      type: 'message',
      attachments: [
        {
          contentType: 'application/vnd.microsoft.card.adaptive',
          contentUrl: null,
          content: { $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', type: 'AdaptiveCard', version: '1.4', body: content, msteams },
        },
      ],
    },
    allowsPrivate(data),
  );
}

/** Apprise's Discord webhook payload: plain content with the title on its first line. */
function discordRequest(data: Data, subject: string, body: string): NotificationRequest {
  requireBody(body);
  const id = requireString(data, 'webhook_id');
  const token = requireString(data, 'webhook_token');
  const tts = flag(data.tts, false);
  const payload: Data = { tts, wait: !tts };
  if (flag(data.avatar, false)) payload.avatar_url = str(data.avatar_url) ?? infoImage('256x256');
  if (str(data.botname)) payload.username = data.botname;
  payload.content = subject ? `${subject}\r\n${body}` : body;
  return json(`https://discord.com/api/webhooks/${encodeURIComponent(id)}/${encodeURIComponent(token)}`, payload, PUBLIC_HOST);
}

/** Apprise's Mattermost incoming-webhook payload, once per channel (Mattermost has no title: it leads the text). */
function mattermostRequests(data: Data, subject: string, body: string): NotificationRequest[] {
  requireBody(body);
  const host = requireString(data, 'hostname');
  const token = requireString(data, 'token');
  const port = typeof data.port === 'number' ? data.port : 8065;
  const path = (str(data.path) ?? '').replace(/\/+$/, '');
  const url = `${flag(data.secure, false) ? 'https' : 'http'}://${host}:${port}${path && !path.startsWith('/') ? `/${path}` : path}/hooks/${encodeURIComponent(token)}`;
  const payload: Data = { text: subject ? `${subject}\r\n${body}` : body };
  if (flag(data.include_image, false)) payload.icon_url = infoImage('72x72');
  payload.username = str(data.botname) ?? APP_ID;
  const channels = Array.isArray(data.channels) ? data.channels.map((c) => String(c).replace(/^(#|%23|\+|%2B)/, '')).filter(Boolean) : [];
  if (channels.length === 0) return [json(url, payload, allowsPrivate(data))];
  return channels.map((channel) => json(url, { ...payload, channel }, allowsPrivate(data)));
}

// ---- Apprise-backed service APIs (fixed public hosts) ---------------------------------------------
//
// Prefect turns these blocks into an Apprise URL, and Apprise parses that URL back into its plugin:
// the round trip splits path values on '/', percent-decodes query values once more, and sorts and
// de-duplicates lists. The helpers below reproduce what survives it.

const NOTIFY_TYPES = ['info', 'success', 'warning', 'failure'];

/** The block's `notify_type` (Prefect's default "info"). */
function notifyType(data: Data): string {
  const type = data.notify_type ?? 'info';
  if (typeof type !== 'string' || !NOTIFY_TYPES.includes(type)) throw new InvalidNotificationBlock(`'notify_type' must be one of ${NOTIFY_TYPES.join(', ')}`);
  return type;
}

function choice<T extends string>(data: Data, field: string, values: readonly T[], dflt: T): T {
  const v = data[field] ?? dflt;
  if (!values.includes(v as T)) throw new InvalidNotificationBlock(`'${field}' must be one of ${values.join(', ')}`);
  return v as T;
}

/** A key Apprise accepts: it must not start with whitespace, and is trimmed. */
function serviceKey(data: Data, field: string, pattern = /^\S/): string {
  const v = data[field];
  if (typeof v !== 'string' || !pattern.test(v)) throw new InvalidNotificationBlock(`'${field}' is missing or not valid`);
  return v.trim();
}

function optionalString(data: Data, field: string): string | undefined {
  const v = data[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new InvalidNotificationBlock(`'${field}' must be a string`);
  return v;
}

function stringList(data: Data, field: string, required = false): string[] {
  const v = data[field];
  if ((v === undefined || v === null) && !required) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new InvalidNotificationBlock(`'${field}' must be a list of strings`);
  return v as string[];
}

function stringDict(data: Data, field: string): [string, string][] {
  const v = data[field];
  if (v === undefined || v === null) return [];
  if (typeof v !== 'object' || Array.isArray(v) || Object.values(v).some((x) => typeof x !== 'string')) throw new InvalidNotificationBlock(`'${field}' must map strings to strings`);
  return Object.entries(v as Record<string, string>);
}

/** Python's urllib unquote: each run of %XX escapes decoded as UTF-8, bad bytes as U+FFFD. */
function percentDecode(s: string): string {
  return s.replace(/(?:%[0-9a-f]{2})+/gi, (run) => new TextDecoder().decode(Uint8Array.from(run.slice(1).split('%'), (h) => parseInt(h, 16))));
}

/** A value after its trip through the Apprise URL's query: trimmed, then percent-decoded once more. */
const queryValue = (s: string) => percentDecode(s.trim());

/** A dict option (custom details) after the same trip: keys decoded, values as other query values. */
const queryDict = (entries: [string, string][]): Data => Object.fromEntries(entries.map(([k, v]) => [percentDecode(k), queryValue(v)]));

/** Apprise's list parsing: split on brackets, semicolons, commas and whitespace, de-duplicated and sorted. */
const parseList = (items: string[]) => [...new Set(items.flatMap((x) => x.split(/[[\];,\s]+/)).filter(Boolean))].sort();

/** Apprise's tidying before a send: the title trimmed, trailing whitespace off the body. */
const tidy = (subject: string, body: string) => ({ title: subject.trim(), text: body.trimEnd() });

/** A service without a title field gets it as the body's first line. */
const withTitleLine = (title: string, text: string) => (title ? `${title}\r\n${text}` : text);

/** Apprise sends nothing without a body (whitespace counts as one). */
function requireBody(body: string): void {
  if (body === '') throw new UndeliverableNotification('there is no message body to send');
}


// ---- PagerDuty: one Events API v2 "trigger" event --------------------------------------------------

const PAGERDUTY_URLS = { us: 'https://events.pagerduty.com/v2/enqueue', eu: 'https://events.eu.pagerduty.com/v2/enqueue' } as const;
const PAGERDUTY_SEVERITY: Record<string, string> = { info: 'info', success: 'info', warning: 'warning', failure: 'critical' };

function pagerDutyRequest(data: Data, subject: string, body: string): NotificationRequest {
  const type = notifyType(data);
  const apiKey = serviceKey(data, 'api_key');
  const routingKey = serviceKey(data, 'integration_key');
  const region = choice(data, 'region_name', ['us', 'eu'] as const, 'us');
  // Source and component travel in the Apprise URL's path, where a '/' starts a new segment.
  const source = (data.source === undefined ? 'Prefect' : optionalString(data, 'source')) || 'Apprise';
  const component = optionalString(data, 'component') || 'Notification';
  const [first, second] = `${source}/${component}`.split('/').map((s) => s.trim()).filter(Boolean);
  const group = queryValue(optionalString(data, 'group') ?? '');
  const classId = queryValue(optionalString(data, 'class_id') ?? '');
  let click: string | undefined;
  const clickable = optionalString(data, 'clickable_url');
  if (clickable) {
    const url = URL.canParse(clickable) ? new URL(clickable) : null;
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) throw new InvalidNotificationBlock(`'clickable_url' is not an HTTP URL`);
    click = queryValue(url.href);
  }
  const details = queryDict(stringDict(data, 'custom_details'));
  // Prefect keeps a subject's body out of the summary: it goes to the custom details, its spaces
  // escaped (so they survive the trim, unlike other leading and trailing whitespace).
  if (subject) {
    details['Prefect Notification Body'] = queryValue(body.replace(/ /g, '%20'));
    body = ' ';
  }
  requireBody(body);
  const { title, text } = tidy(subject, body);
  const event: Data = { summary: withTitleLine(title, text), severity: PAGERDUTY_SEVERITY[type], source: first ?? 'Apprise', component: second ?? 'Notification' };
  if (group) event.group = group;
  if (classId) event.class = classId;
  if (Object.keys(details).length) event.custom_details = details;
  const payload: Data = { routing_key: routingKey, payload: event, client: APP_ID, event_action: 'trigger' };
  if (click) payload.links = [{ href: click }];
  if (flag(data.include_image, true)) payload.images = [{ src: notifyTypeImage(type, '128x128'), alt: type }];
  return json(PAGERDUTY_URLS[region], payload, PUBLIC_HOST, { authorization: `Token token=${apiKey}` });
}

// ---- Opsgenie: a new alert, once per responder (or per 50 with `batch`) ---------------------------

const OPSGENIE_URLS = { us: 'https://api.opsgenie.com/v2/alerts', eu: 'https://api.eu.opsgenie.com/v2/alerts' } as const;
const OPSGENIE_RESPONDERS: Record<string, string> = { '@': 'user', '#': 'team', '*': 'schedule', '^': 'escalation' };
const UUID4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/i;
/** Apprise cuts an alert's message (its title, or else the body) to this many characters. */
const OPSGENIE_MESSAGE_MAX = 130;

interface Responder {
  prefix: string;
  type: string;
  value: string;
}

/** Apprise's reading of prefixed targets (`@user`, `#team`, `*schedule`, `^escalation`; unprefixed is a user). */
function opsgenieResponders(targets: string[]): Responder[] {
  return parseList(targets)
    .filter((t) => t.length >= 2)
    .map((t) => {
      const type = OPSGENIE_RESPONDERS[t[0] as string];
      return type ? { prefix: t[0] as string, type, value: t.slice(1) } : { prefix: '@', type: 'user', value: t };
    });
}

const responderJson = ({ type, value }: Responder) => (UUID4.test(value) ? { type, id: value } : { type, [type === 'user' ? 'username' : 'name']: value });

/** Apprise's priority parsing of Prefect's integer: its first digit if 1–5, else 3. */
function opsgeniePriority(data: Data): number {
  const p = data.priority;
  if (p === undefined || p === null || p === 0) return 3;
  if (typeof p !== 'number' || !Number.isInteger(p)) throw new InvalidNotificationBlock(`'priority' must be an integer`);
  const digit = Number(String(p)[0]);
  return digit >= 1 && digit <= 5 ? digit : 3;
}

function opsgenieRequests(data: Data, subject: string, body: string): NotificationRequest[] {
  const type = notifyType(data);
  const apiKey = serviceKey(data, 'apikey');
  const region = choice(data, 'region_name', ['us', 'eu'] as const, 'us');
  const prefixed = Object.entries({ '@': 'target_user', '#': 'target_team', '*': 'target_schedule', '^': 'target_escalation' }).flatMap(([prefix, field]) =>
    stringList(data, field).map((x) => `${prefix}${x}`),
  );
  // Read twice, as the Apprise URL round trip does: a '/' in a name splits it into two targets.
  const responders = opsgenieResponders(opsgenieResponders(prefixed).flatMap((r) => `${r.prefix}${r.value}`.split('/')));
  const batch = flag(data.batch, false) ? 50 : 1;
  const tags = parseList([queryValue(parseList(stringList(data, 'tags')).join(','))]);
  const entity = queryValue(optionalString(data, 'entity') ?? '');
  const alias = queryValue(optionalString(data, 'alias') ?? '');
  const details = queryDict(stringDict(data, 'details'));
  if (!('type' in details)) details.type = type;
  const priority = opsgeniePriority(data);
  requireBody(body);
  const { title, text } = tidy(subject, body);
  const message = [...(title || text)];
  const payload: Data = {
    source: APP_ID,
    message: message.length > OPSGENIE_MESSAGE_MAX ? `${message.slice(0, OPSGENIE_MESSAGE_MAX - 3).join('')}...` : message.join(''),
    description: text,
    details,
    priority: `P${priority}`,
  };
  if (tags.length) payload.tags = tags;
  if (entity) payload.entity = entity;
  if (alias) payload.alias = alias;
  const headers = { authorization: `GenieKey ${apiKey}` };
  if (responders.length === 0) return [json(OPSGENIE_URLS[region], payload, PUBLIC_HOST, headers)];
  const requests: NotificationRequest[] = [];
  for (let i = 0; i < responders.length; i += batch) {
    requests.push(json(OPSGENIE_URLS[region], { ...payload, responders: responders.slice(i, i + batch).map(responderJson) }, PUBLIC_HOST, headers));
  }
  return requests;
}

// ---- Twilio: one SMS (or WhatsApp message) per recipient -------------------------------------------

/** An optional `mode:` before a number; a mode starting with "w" is WhatsApp. */
const TWILIO_MODE = /^\s*(?:([^:]+)\s*:\s*)?(.+)$/;
/** How Apprise finds the numbers in a recipient string (each with an optional `mode:`). */
const PHONE_NUMBERS = /((?:[a-z]{1,32}:)?(?:[+(][+(\s]{0,32})?[0-9][0-9()\s-]{1,32}[0-9])(?=$|(?:[a-z]{1,32}:)?[\s,+(]+[0-9])/gi;
const PHONE_LIKE = /^\+?[0-9\s)(+-]+\s*$/;

/** The digits of a phone number, or null when it is not one of `minDigits` to 14 digits. */
function phoneDigits(s: string, minDigits: number): string | null {
  if (!PHONE_LIKE.test(s)) return null;
  const digits = s.replace(/\D+/g, '');
  return digits.length >= minDigits && digits.length <= 14 ? digits : null;
}

function twilioRequests(data: Data, subject: string, body: string): NotificationRequest[] {
  const sid = serviceKey(data, 'account_sid', /^AC[a-f0-9]+$/i);
  const token = serviceKey(data, 'auth_token', /^[a-z0-9]+$/i);
  const from = requireString(data, 'from_phone_number');
  const recipients = stringList(data, 'to_phone_numbers', true);
  const [, fromMode, fromNumber] = TWILIO_MODE.exec(from) ?? [];
  const whatsapp = (mode: string | undefined) => mode !== undefined && mode[0]?.toLowerCase() === 'w';
  const fromWhatsapp = whatsapp(fromMode);
  const fromDigits = phoneDigits(fromNumber ?? '', 5);
  // A sender is a full number (11 to 14 digits) or a short code (5 or 6).
  const shortCode = fromDigits !== null && fromDigits.length <= 6;
  if (fromDigits === null || (fromDigits.length < 11 && !shortCode)) throw new InvalidNotificationBlock(`'from_phone_number' is not a phone number or short code`);
  const source = shortCode ? fromDigits : `+${fromDigits}`;
  const targets: { whatsapp: boolean; number: string }[] = [];
  for (const entry of recipients.flatMap((r) => {
    const found = [...r.matchAll(PHONE_NUMBERS)].map((m) => m[1] as string);
    return found.length ? found : r.split(/[[\];,\s]+/).filter(Boolean);
  })) {
    const [, mode, number] = TWILIO_MODE.exec(entry) ?? [];
    const digits = phoneDigits(number ?? '', 10);
    const toWhatsapp = whatsapp(mode) || fromWhatsapp;
    // Invalid numbers are dropped, and so is WhatsApp from a short code.
    if (digits === null || (shortCode && toWhatsapp)) continue;
    targets.push({ whatsapp: toWhatsapp, number: `+${digits}` });
  }
  requireBody(body);
  if (targets.length === 0) {
    if (shortCode) throw new UndeliverableNotification('there is no valid Twilio recipient to send to');
    // Without recipients, Apprise texts the sender's own number.
    targets.push({ whatsapp: fromWhatsapp, number: source });
  }
  const { title, text } = tidy(subject, body);
  const url = `https://api.twilio.com/2010-04-01/Accounts/${sid}/Messages.json`;
  const headers = { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${btoa(`${sid}:${token}`)}` };
  const prefix = (wa: boolean) => (wa ? 'whatsapp:' : '');
  return targets.map((t) =>
    post(url, headers, new URLSearchParams([['Body', withTitleLine(title, text)], ['From', `${prefix(t.whatsapp)}${source}`], ['To', `${prefix(t.whatsapp)}${t.number}`]]).toString(), PUBLIC_HOST),
  );
}

// ---- SendGrid: one mail per recipient ------------------------------------------------------------

/** Apprise's e-mail recognition (an optional display name, then the address); group 1 is the address. */
const EMAIL =
  /^(?:[\s"']{0,32}(?:[^:<'"]{0,128})?[:<\s'"]{1,32})?((?:[^+\s]{1,128}\+)?[a-z0-9_!#$%&*/=?%`{|}~^-]+(?:\.[a-z0-9_!#$%&'*/=?%`{|}~^-]+)*@(?:(?:[a-z0-9](?:[a-z0-9_-]*[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9_-]*[a-z0-9])|[a-z0-9][a-z0-9_-]{5,}))/i;

const emailAddress = (s: string) => EMAIL.exec(s)?.[1] ?? null;

function sendgridRequests(data: Data, subject: string, body: string): NotificationRequest[] {
  const apiKey = serviceKey(data, 'api_key', /^[a-z0-9._-]+$/i);
  const from = emailAddress(requireString(data, 'sender_email'));
  if (!from) throw new InvalidNotificationBlock(`'sender_email' is not an e-mail address`);
  // Recipients that are not addresses are dropped; with none left, the sender gets the mail.
  const valid = parseList(stringList(data, 'to_emails', true)).map(emailAddress).filter((x): x is string => x !== null);
  const recipients = valid.length ? [...new Set(valid)].sort() : [from];
  requireBody(body);
  const { title, text } = tidy(subject, body);
  const headers = { authorization: `Bearer ${apiKey}` };
  return recipients.map((to) =>
    json(
      'https://api.sendgrid.com/v3/mail/send',
      { personalizations: [{ to: [{ email: to }] }], from: { email: from }, subject: title || '<no subject>', content: [{ type: 'text/html', value: text }] },
      PUBLIC_HOST,
      headers,
    ),
  );
}
