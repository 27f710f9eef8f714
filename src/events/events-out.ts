/**
 * GET /events/out: the WebSocket `prefect events stream` and the SDK's event subscribers read.
 *
 * Protocol (Prefect's): the auth handshake of ./socket-auth.ts, then a `{"type": "filter", "filter": …,
 * "backfill": true}` message. The server sends `{"type": "event", "event": …}` for the matching events of
 * the last 15 minutes at most (backfill, oldest first), then for each new matching event.
 *
 * Workers have no shared event bus, so new events are found by polling the database (every POLL_MS)
 * for events received since the last poll, with an overlap that catches batches committed late; ids
 * already sent are skipped.
 */
import type { Context } from 'hono';
import * as v from 'valibot';
import type { AppEnv, Env } from '../env';
import { createDb } from '../db/client';
import { detailError, HttpError } from '../http/errors';
import { EventFilter } from '../schemas/event-filters';
import { decodeIssueMessage } from '../schemas/common';
import { readEventPage, readEventsReceivedSince, type EventResponse } from '../queries/events-read';
import { formatMicros, nowMicros, parseMicros } from '../time';
import { authMessageRefusal, isWebSocketUpgrade, socketAccess, wantsPrefectSubprotocol, type SocketAccess } from './socket-auth';

const POLL_MS = 1000;
/** How far back each poll looks again, for batches that committed after a later one. */
const OVERLAP_US = 10_000_000;
/** PREFECT_SERVER_EVENTS_MAXIMUM_WEBSOCKET_BACKFILL and _WEBSOCKET_BACKFILL_PAGE_SIZE. */
const MAX_BACKFILL_US = 15 * 60 * 1_000_000;
const BACKFILL_PAGE = 250;
const POLL_LIMIT = 500;

const CLOSE_PROTOCOL_ERROR = 1002;
const CLOSE_POLICY_VIOLATION = 1008;

async function withDb<T>(env: Env, fn: (db: ReturnType<typeof createDb>['db']) => Promise<T>): Promise<T> {
  const handle = createDb(env);
  try {
    return await fn(handle.db);
  } finally {
    await handle.close();
  }
}

class EventsOutSession {
  private stage: 'auth' | 'filter' | 'streaming';
  private closed = false;
  /** Ids sent, with when they were received: kept for the overlap window only. */
  private sent = new Map<string, number>();
  private cursor = 0;

  constructor(
    private readonly ws: WebSocket,
    private readonly env: Env,
    private readonly access: SocketAccess,
    needsAuthMessage: boolean,
  ) {
    this.stage = needsAuthMessage ? 'auth' : 'filter';
  }

  async onMessage(data: string | ArrayBuffer): Promise<void> {
    if (this.closed) return;
    const text = typeof data === 'string' ? data : new TextDecoder().decode(data);
    if (this.stage === 'auth') {
      const refusal = await authMessageRefusal(text, this.access);
      if (refusal !== null) return this.close(CLOSE_POLICY_VIOLATION, refusal);
      this.stage = 'filter';
      this.ws.send(JSON.stringify({ type: 'auth_success' }));
      return;
    }
    if (this.stage !== 'filter') return; // Prefect ignores what a subscriber sends once streaming
    let message: Record<string, unknown> = {};
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed !== null && typeof parsed === 'object') message = parsed as Record<string, unknown>;
    } catch {
      /* handled below */
    }
    if (message.type !== 'filter') return this.close(CLOSE_PROTOCOL_ERROR, "Expected 'filter' message");
    const parsed = v.safeParse(EventFilter, message.filter ?? {});
    if (!parsed.success) return this.close(CLOSE_PROTOCOL_ERROR, `Invalid filter: ${parsed.issues[0] ? decodeIssueMessage(parsed.issues[0].message).msg : 'invalid'}`);
    const now = nowMicros();
    const filter = {
      ...parsed.output,
      order: 'ASC' as const,
      occurred: { ...parsed.output.occurred, since: formatMicros(Math.max(parseMicros(parsed.output.occurred.since)!, now - MAX_BACKFILL_US)) },
    };
    this.stage = 'streaming';
    this.cursor = now;
    if (message.backfill !== false) await this.backfill(filter);
    void this.poll(filter);
  }

  private send(event: EventResponse): void {
    if (this.closed || this.sent.has(event.id)) return;
    this.sent.set(event.id, parseMicros(event.received) ?? 0);
    this.ws.send(JSON.stringify({ type: 'event', event }));
  }

  private async backfill(filter: EventFilter): Promise<void> {
    await withDb(this.env, async (db) => {
      let total: number | null = null;
      for (let offset = 0; !this.closed; offset += BACKFILL_PAGE) {
        const page = await readEventPage(db, filter, { limit: BACKFILL_PAGE, offset, total });
        total = page.total;
        for (const e of page.events) this.send(e);
        if (offset + BACKFILL_PAGE >= total) break;
      }
    });
  }

  private async poll(filter: EventFilter): Promise<void> {
    while (!this.closed) {
      await new Promise((r) => setTimeout(r, POLL_MS));
      if (this.closed) return;
      try {
        const since = formatMicros(this.cursor - OVERLAP_US);
        const events = await withDb(this.env, (db) => readEventsReceivedSince(db, filter, since, POLL_LIMIT));
        for (const e of events) {
          this.send(e);
          this.cursor = Math.max(this.cursor, parseMicros(e.received) ?? 0);
        }
        for (const [id, received] of this.sent) if (received < this.cursor - 2 * OVERLAP_US) this.sent.delete(id);
      } catch (err) {
        console.warn('events/out poll failed; trying again', err);
      }
    }
  }

  close(code: number, why: string): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.ws.close(code, why.slice(0, 120));
    } catch {
      /* already closing */
    }
  }

  onClose(): void {
    this.closed = true;
    try {
      this.ws.close();
    } catch {
      /* the runtime already answered the close */
    }
  }
}

export async function eventsOutSocket(c: Context<AppEnv>): Promise<Response> {
  if (!isWebSocketUpgrade(c.req.raw)) throw detailError(426, 'This endpoint accepts WebSocket connections only.');
  const access = await socketAccess(c);
  if (access.kind === 'unconfigured') throw new HttpError(401, { exception_message: 'Unauthorized' }, 'Unauthorized');
  const subprotocol = wantsPrefectSubprotocol(c);
  if (!subprotocol && access.kind === 'token') throw detailError(403, "'prefect' subprotocol required when auth is configured");
  const pair = new WebSocketPair();
  const [client, server] = [pair[0], pair[1]];
  server.accept();
  const session = new EventsOutSession(server, c.env, access, subprotocol);
  let inbox: Promise<void> = Promise.resolve();
  server.addEventListener('message', (event) => {
    inbox = inbox.then(() => session.onMessage(event.data)).catch((err: unknown) => {
      console.error('events/out message failed', err);
      session.close(1011, 'Internal error');
    });
  });
  server.addEventListener('close', () => session.onClose());
  server.addEventListener('error', () => session.onClose());
  const headers = subprotocol ? { 'Sec-WebSocket-Protocol': 'prefect' } : undefined;
  return new Response(null, { status: 101, webSocket: client, headers });
}
