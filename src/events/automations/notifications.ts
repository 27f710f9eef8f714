/**
 * What Prefect's notification blocks send when `notify(subject, body)` is called, as plain HTTP
 * requests: the custom webhook block (prefect/blocks/notifications.py) and the webhook blocks Prefect
 * sends through Apprise (Slack, Microsoft Teams workflows, Discord, Mattermost), whose payloads follow
 * Apprise's plugins with the options Prefect gives them. Pure: the send-notification action
 * (actions.ts) fetches the requests and reports the outcome.
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

/** Block types whose notifications this server sends. */
export const NOTIFICATION_BLOCK_TYPES = ['custom-webhook', 'slack-webhook', 'ms-teams-webhook', 'discord-webhook', 'mattermost-webhook'] as const;

/** Apprise names the sender after the asset Prefect gives it. */
const APP_ID = 'Prefect Notifications';
/** Prefect's default notify_type for Apprise blocks is "info"; Apprise's colour and image for it. */
const INFO_COLOR = '#3AA3E3';
const infoImage = (size: string) => `https://github.com/caronc/apprise/raw/master/apprise/assets/themes/default/apprise-info-${size}.png`;
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
    default:
      return null;
  }
}

const json = (url: string, payload: unknown, allowPrivate: boolean): NotificationRequest => ({
  url,
  method: 'POST',
  headers: { 'user-agent': APP_ID, 'content-type': 'application/json' },
  body: JSON.stringify(payload),
  timeoutMs: DEFAULT_TIMEOUT_MS,
  allowPrivate,
});

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
  const id = requireString(data, 'webhook_id');
  const token = requireString(data, 'webhook_token');
  const tts = flag(data.tts, false);
  const payload: Data = { tts, wait: !tts };
  if (flag(data.avatar, false)) payload.avatar_url = str(data.avatar_url) ?? infoImage('256x256');
  if (str(data.botname)) payload.username = data.botname;
  payload.content = subject ? `${subject}\r\n${body}` : body;
  // discord.com is public: nothing private to guard.
  return json(`https://discord.com/api/webhooks/${encodeURIComponent(id)}/${encodeURIComponent(token)}`, payload, true);
}

/** Apprise's Mattermost incoming-webhook payload, once per channel (Mattermost has no title: it leads the text). */
function mattermostRequests(data: Data, subject: string, body: string): NotificationRequest[] {
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
