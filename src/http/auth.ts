/**
 * Authentication that unmodified Prefect clients pass:
 * - `Authorization: Bearer <key>` (what PREFECT_API_KEY makes the client send), checked against the
 *   comma-separated secret PREFECT_API_KEYS;
 * - `Authorization: Basic base64(<auth string>)` (what PREFECT_API_AUTH_STRING makes it send), checked
 *   against the secret PREFECT_API_AUTH_STRING, as Prefect's server checks its own auth string.
 *
 * Secure by default: with no credential configured, a request is refused unless the Worker is reached on
 * a loopback host (`wrangler dev`) or ALLOW_UNAUTHENTICATED is "true". GET /health and GET /ready are always public (as in Prefect).
 */
import type { MiddlewareHandler } from 'hono';
import type { AppEnv, Env } from '../env';
import { HttpError } from './errors';

export interface Credentials {
  apiKeys: string[];
  authString: string | null;
}

/** Reads the configured credentials; blank entries count as absent. */
export function credentialsFrom(env: Env): Credentials {
  const apiKeys = (env.PREFECT_API_KEYS ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k !== '');
  // Trimmed: a secret pasted with a trailing newline would otherwise never match.
  const authString = env.PREFECT_API_AUTH_STRING?.trim() || null;
  return { apiKeys, authString };
}

export const hasCredentials = (c: Credentials) => c.apiKeys.length > 0 || c.authString !== null;

export const allowsUnauthenticated = (env: Env) => env.ALLOW_UNAUTHENTICATED?.trim().toLowerCase() === 'true';

/** Hostnames that only the machine itself can use: how `wrangler dev` is reached. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase();
  return h === 'localhost' || h === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/**
 * A request made on this machine. On Cloudflare the hostname is the route's, never a loopback name, and
 * CF-Connecting-IP is the real client address; either one failing makes the request remote.
 */
export function isLocalRequest(request: Request): boolean {
  if (!isLoopbackHost(new URL(request.url).hostname)) return false;
  const client = request.headers.get('cf-connecting-ip');
  return client === null || client === '::1' || /^127\./.test(client);
}

const encoder = new TextEncoder();

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(text)));
}

/**
 * Compares the presented secret with every candidate without stopping early. Comparing SHA-256
 * digests makes every comparison the same length, so neither a candidate's content nor its length
 * shows in the timing.
 */
export async function matchesAny(presented: string, candidates: readonly string[]): Promise<boolean> {
  const digest = await sha256(presented);
  let matched = 0;
  for (const candidate of candidates) {
    const other = await sha256(candidate);
    let diff = 0;
    for (let i = 0; i < digest.length; i += 1) diff |= (digest[i] ?? 0) ^ (other[i] ?? 0);
    matched |= diff === 0 ? 1 : 0;
  }
  return matched === 1;
}

/** Decodes a Basic credential to text; null when it is not valid base64 of UTF-8. */
function decodeBasic(token: string): string | null {
  try {
    const bytes = Uint8Array.from(atob(token), (ch) => ch.charCodeAt(0));
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return null;
  }
}

/** Checks an Authorization header (`<scheme> <token>`, as Prefect's server splits it) against the credentials. */
export async function isAuthorized(header: string | undefined | null, credentials: Credentials): Promise<boolean> {
  const parts = (header ?? '').trim().split(/\s+/);
  if (parts.length !== 2) return false;
  const [scheme = '', token = ''] = parts;
  switch (scheme.toLowerCase()) {
    case 'bearer':
      return credentials.apiKeys.length > 0 && matchesAny(token, credentials.apiKeys);
    case 'basic': {
      if (credentials.authString === null) return false;
      const decoded = decodeBasic(token);
      return decoded !== null && matchesAny(decoded, [credentials.authString]);
    }
    default:
      return false;
  }
}

/**
 * Probes that must answer without credentials (load balancers, uptime checks), matched exactly, and the
 * UI's settings, which the UI reads before it has asked for a login (Prefect's UI app has no auth).
 */
const PUBLIC_PATHS = new Set([
  '/health', '/health/', '/api/health', '/api/health/', '/ready', '/ready/', '/api/ready', '/api/ready/', '/ui-settings',
]);

export const unauthorized = () => new HttpError(401, { exception_message: 'Unauthorized' }, 'Unauthorized');

const NOT_CONFIGURED =
  'This server has no credentials configured, so it refuses every request. Set PREFECT_API_KEYS ' +
  '(comma-separated API keys, sent by clients as PREFECT_API_KEY) and/or PREFECT_API_AUTH_STRING ' +
  '("user:password", sent by clients as PREFECT_API_AUTH_STRING) with `wrangler secret put`, or set ' +
  'ALLOW_UNAUTHENTICATED="true" to serve without authentication on purpose.';

/** Event and log WebSockets authenticate in their own handshake (src/events/socket-auth.ts), as in Prefect. */
const EVENT_SOCKETS = /^(?:\/api)?\/(?:events\/(?:in|out)|logs\/out)\/?$/;
const isEventSocketUpgrade = (req: Request, path: string) =>
  req.method === 'GET' && EVENT_SOCKETS.test(path) && req.headers.get('upgrade')?.toLowerCase() === 'websocket';

/** Incoming webhooks: the random slug in the URL is the credential (src/routes/hooks.ts). */
export const HOOK_PATH = /^(?:\/api)?\/hooks\/[^/]+\/?$/;

export const authenticate: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.req.method === 'GET' && PUBLIC_PATHS.has(c.req.path)) return next();
  if (HOOK_PATH.test(c.req.path)) return next();
  if (isEventSocketUpgrade(c.req.raw, c.req.path)) return next();
  const credentials = credentialsFrom(c.env);
  if (!hasCredentials(credentials)) {
    if (allowsUnauthenticated(c.env) || isLocalRequest(c.req.raw)) return next();
    // 401 rather than 503: Prefect clients retry 503s for a long while, and no retry can fix configuration.
    throw new HttpError(401, { exception_message: 'Unauthorized', detail: NOT_CONFIGURED }, NOT_CONFIGURED);
  }
  if (!(await isAuthorized(c.req.header('authorization'), credentials))) throw unauthorized();
  return next();
};
