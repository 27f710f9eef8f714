/**
 * /hooks/{slug}: incoming webhooks (Prefect Cloud's). The slug is the only credential (the auth
 * middleware lets these paths through). A call renders the webhook's template into an event and
 * stores it the way POST /events does; the sender gets 204, or a quiet 400 while the owner gets a
 * `prefect-cloud.webhook.failed` event saying why. Unknown and disabled slugs are 404; more calls
 * than the per-minute limit are 429; a body over the limit is 413.
 */
import { Hono, type Context } from 'hono';
import type { AppEnv, Env } from '../env';
import { createDb, type Db } from '../db/client';
import { toHttpError } from '../http/errors';
import { ingestEvents } from '../events/ingest';
import { receive } from '../events/received';
import type { EventIn } from '../schemas/events';
import { takeHook } from '../queries/webhooks';
import { nowMicros } from '../time';
import { HookFailure, hookContext, hookEvent, hookFailedEvent, hookHeaders } from '../webhooks/receive';

export const DEFAULT_HOOK_MAX_BODY_BYTES = 512 * 1024;
export const DEFAULT_HOOK_RATE_PER_MINUTE = 600;
/** Attempts at each database step when the connection fails. */
const DB_ATTEMPTS = 3;

const positiveInt = (raw: string | undefined, fallback: number) => {
  const n = Number(raw);
  return raw && Number.isInteger(n) && n > 0 ? n : fallback;
};
export const hookMaxBodyBytes = (env: Env) => positiveInt(env.WEBHOOK_MAX_BODY_BYTES, DEFAULT_HOOK_MAX_BODY_BYTES);
export const hookRatePerMinute = (env: Env) => positiveInt(env.WEBHOOK_RATE_LIMIT_PER_MINUTE, DEFAULT_HOOK_RATE_PER_MINUTE);

/** The body as text, or null when it is larger than `max` bytes (reading stops there). */
async function readCapped(request: Request, max: number): Promise<string | null> {
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > max) return null;
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

const quiet = (c: Context, status: 400 | 404 | 413 | 429, detail: string) => c.json({ detail }, status);

/**
 * Runs `work` on the request's connection and, when the connection is lost (or the database asks for a
 * retry), on fresh ones. Both uses are safe to repeat: the lookup only counts one more call, and the
 * event's id makes its insert land once however often it is sent.
 */
async function withRetries<T>(c: Context<AppEnv>, work: (db: Db) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    const handle = attempt === 1 ? null : createDb(c.env);
    try {
      return await work(handle ? handle.db : c.var.db);
    } catch (err) {
      if (toHttpError(err).status !== 503 || attempt >= DB_ATTEMPTS) throw err;
    } finally {
      if (handle) c.executionCtx.waitUntil(handle.close());
    }
  }
}

/** Best effort: a failure report that cannot be stored must not turn the sender's 4xx into a 5xx. */
async function reportFailure(c: Context<AppEnv>, event: EventIn): Promise<void> {
  try {
    // Retried like the call's own event (its id is fixed, so it lands once): a cut connection should
    // not cost the owner the report.
    const received = [receive(event, nowMicros())];
    await withRetries(c, (db) => ingestEvents(db, received));
  } catch (err) {
    console.warn('webhook: could not store a prefect-cloud.webhook.failed event', err);
  }
}

async function receiveHook(c: Context<AppEnv>) {
  const slug = c.req.param('slug') ?? '';
  const webhook = await withRetries(c, (db) => takeHook(db, slug));
  if (!webhook) return quiet(c, 404, 'Webhook not found.');
  if (webhook.hits > hookRatePerMinute(c.env)) {
    c.header('Retry-After', '60');
    return quiet(c, 429, 'Too Many Requests');
  }
  const request = c.req.raw;
  const max = hookMaxBodyBytes(c.env);
  const text = await readCapped(request, max);
  const seen = { method: request.method.toUpperCase(), headers: hookHeaders(request.headers), body: text };
  if (text === null) {
    await reportFailure(c, hookFailedEvent(webhook, seen, new HookFailure(`The request body is larger than ${max} bytes`)));
    return quiet(c, 413, 'Request body is too large');
  }
  let event: EventIn;
  try {
    event = hookEvent(webhook, hookContext(request, text));
  } catch (err) {
    if (!(err instanceof HookFailure)) throw err;
    await reportFailure(c, hookFailedEvent(webhook, seen, err));
    return quiet(c, 400, 'Bad Request');
  }
  const received = [receive(event, nowMicros())];
  await withRetries(c, (db) => ingestEvents(db, received));
  return c.body(null, 204);
}

export const hookRoutes = new Hono<AppEnv>().on(['GET', 'HEAD', 'DELETE', 'POST', 'PUT', 'PATCH'], '/:slug', receiveHook);
