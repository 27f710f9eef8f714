/**
 * Authentication of Prefect's event WebSockets (/events/in, /events/out), as Prefect's server does it
 * (server/utilities/subscriptions.py) on top of our HTTP credentials (../http/auth.ts):
 *
 * - A client asking for the `prefect` subprotocol is accepted, then must send `{"type": "auth", "token": …}`
 *   first; anything else closes the socket with 1008. The token is checked against the auth string (what
 *   Prefect checks) or one of the API keys; valid HTTP credentials on the upgrade request (Authorization
 *   header) are enough on their own, whatever the token.
 * - A client without the subprotocol ("legacy mode") is accepted only when no token is needed: the server
 *   is open, or the upgrade request carries valid credentials. Otherwise the upgrade is refused with 403,
 *   as Prefect refuses it.
 * - Unconfigured and reached remotely, the server refuses the upgrade as it refuses every request (401).
 */
import type { Context } from 'hono';
import type { AppEnv, Env } from '../env';
import { detailError, HttpError } from '../http/errors';
import { allowsUnauthenticated, credentialsFrom, hasCredentials, isAuthorized, isLocalRequest, matchesAny, type Credentials } from '../http/auth';

export type SocketAccess =
  /** No token is needed: open server, or valid credentials on the upgrade request. */
  | { kind: 'authorized' }
  /** The auth message's token decides. */
  | { kind: 'token'; credentials: Credentials }
  /** Remote request to a server without credentials: refused like every other request. */
  | { kind: 'unconfigured' };

export async function socketAccess(c: Context<AppEnv>): Promise<SocketAccess> {
  const credentials = credentialsFrom(c.env);
  if (!hasCredentials(credentials)) {
    return allowsUnauthenticated(c.env) || isLocalRequest(c.req.raw) ? { kind: 'authorized' } : { kind: 'unconfigured' };
  }
  if (await isAuthorized(c.req.header('authorization'), credentials)) return { kind: 'authorized' };
  return { kind: 'token', credentials };
}

/** True when the token of an auth message matches the auth string or an API key. */
export async function tokenAccepted(token: string, credentials: Credentials): Promise<boolean> {
  const candidates = credentials.authString === null ? credentials.apiKeys : [credentials.authString, ...credentials.apiKeys];
  return candidates.length > 0 && matchesAny(token, candidates);
}

export const wantsPrefectSubprotocol = (c: Context<AppEnv>) =>
  (c.req.header('sec-websocket-protocol') ?? '')
    .split(',')
    .map((p) => p.trim())
    .includes('prefect');

export const isWebSocketUpgrade = (req: Request) => req.headers.get('upgrade')?.toLowerCase() === 'websocket';

/** The close reasons Prefect sends (1008 policy violation). */
export const AUTH_CLOSE = {
  expectedAuth: "Expected 'auth' message",
  noToken: 'Auth required but no token provided',
  invalidToken: 'Invalid token',
} as const;

/** Checks the first message of a `prefect`-subprotocol socket; null when accepted, else the 1008 reason. */
export async function authMessageRefusal(text: string, access: SocketAccess): Promise<string | null> {
  let message: unknown = null;
  try {
    message = JSON.parse(text);
  } catch {
    /* not JSON: not an auth message */
  }
  const m = message !== null && typeof message === 'object' ? (message as Record<string, unknown>) : {};
  if (m.type !== 'auth') return AUTH_CLOSE.expectedAuth;
  if (access.kind === 'token') {
    const token = m.token;
    if (typeof token !== 'string' || token === '') return AUTH_CLOSE.noToken;
    if (!(await tokenAccepted(token, access.credentials))) return AUTH_CLOSE.invalidToken;
  }
  return null;
}

/** What a subscription socket (/events/out, /logs/out) does with its client's messages and its close. */
export interface SubscriptionSession {
  onMessage(data: unknown): Promise<void>;
  close(code: number, why: string): void;
  onClose(): Promise<void>;
}

/**
 * Accepts a subscription WebSocket: refuses plain requests (426) and unconfigured auth (401), asks for
 * the `prefect` subprotocol when auth is token-based, then feeds the client's messages to the session
 * one at a time (a failing one closes the socket with 1011) and lets it clean up on close.
 */
export async function acceptSubscription(
  c: Context<AppEnv>,
  label: string,
  makeSession: (server: WebSocket, env: Env, access: SocketAccess, subprotocol: boolean) => SubscriptionSession,
): Promise<Response> {
  if (!isWebSocketUpgrade(c.req.raw)) throw detailError(426, 'This endpoint accepts WebSocket connections only.');
  const access = await socketAccess(c);
  if (access.kind === 'unconfigured') throw new HttpError(401, { exception_message: 'Unauthorized' }, 'Unauthorized');
  const subprotocol = wantsPrefectSubprotocol(c);
  if (!subprotocol && access.kind === 'token') throw detailError(403, "'prefect' subprotocol required when auth is configured");
  const pair = new WebSocketPair();
  const [client, server] = [pair[0], pair[1]];
  server.accept();
  const session = makeSession(server, c.env, access, subprotocol);
  let inbox: Promise<void> = Promise.resolve();
  server.addEventListener('message', (event) => {
    inbox = inbox.then(() => session.onMessage(event.data)).catch((err: unknown) => {
      console.error(`${label} message failed`, err);
      session.close(1011, 'Internal error');
    });
  });
  const ctx = c.executionCtx;
  server.addEventListener('close', () => ctx.waitUntil(session.onClose()));
  server.addEventListener('error', () => ctx.waitUntil(session.onClose()));
  const headers = subprotocol ? { 'Sec-WebSocket-Protocol': 'prefect' } : undefined;
  return new Response(null, { status: 101, webSocket: client, headers });
}
