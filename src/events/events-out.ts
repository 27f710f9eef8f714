/**
 * GET /events/out: the WebSocket `prefect events stream` and the SDK's event subscribers read.
 *
 * Protocol (Prefect's): the auth handshake of ./socket-auth.ts, then a `{"type": "filter", "filter": …,
 * "backfill": true}` message. The server sends `{"type": "event", "event": …}` for the matching events of
 * the last 15 minutes at most (backfill, oldest first), then for each new matching event.
 *
 * Workers have no shared event bus, so new events are found by polling the database for events
 * received since the last poll, with an overlap that catches batches committed late; ids already sent
 * are skipped. Every POLL_MS a cheap check (count and latest `received` of the overlap window, on the
 * `received` index) decides whether the filter's query runs at all; after a query that found nothing
 * for this subscriber the next waits a second (busy servers, narrow filters). The window moves on after
 * every query, so both stay ~10 s long. The socket keeps one database
 * connection for its life (a new one per poll cost more than the poll). README "Events" has the
 * measurements behind these choices.
 */
import type { Context } from 'hono';
import * as v from 'valibot';
import type { AppEnv, Env } from '../env';
import { createDb, type Db, type DbHandle } from '../db/client';
import { detailError, HttpError } from '../http/errors';
import { EventFilter } from '../schemas/event-filters';
import { decodeIssueMessage } from '../schemas/common';
import { readEventPage, readEventsReceivedSince, receivedSinceMark, type EventResponse } from '../queries/events-read';
import { formatMicros, nowMicros, parseMicros } from '../time';
import { authMessageRefusal, isWebSocketUpgrade, socketAccess, wantsPrefectSubprotocol, type SocketAccess } from './socket-auth';

export const POLL_MS = 250;
/** After a full poll that found nothing for this subscriber, the next one waits this long at least. */
export const IDLE_FULL_POLL_MS = 1000;
/** How far back each poll looks again, for batches that committed after a later one. */
export const OVERLAP_US = 10_000_000;
/** PREFECT_SERVER_EVENTS_MAXIMUM_WEBSOCKET_BACKFILL and _WEBSOCKET_BACKFILL_PAGE_SIZE. */
const MAX_BACKFILL_US = 15 * 60 * 1_000_000;
const BACKFILL_PAGE = 250;
const POLL_LIMIT = 500;

const CLOSE_PROTOCOL_ERROR = 1002;
const CLOSE_POLICY_VIOLATION = 1008;

/** The subscriber's database connection, opened on first use and dropped after a failure. */
export class SubscriberDb {
  private handle: DbHandle | null = null;
  private ended = false;
  constructor(private readonly env: Env) {}

  async run<T>(fn: (db: Db) => Promise<T>): Promise<T> {
    if (this.ended) throw new Error('the subscriber is gone');
    this.handle ??= createDb(this.env);
    try {
      return await fn(this.handle.db);
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  async close(): Promise<void> {
    this.ended = true;
    const handle = this.handle;
    this.handle = null;
    await handle?.close();
  }
}

class EventsOutSession {
  private stage: 'auth' | 'filter' | 'streaming';
  private closed = false;
  /** Ids sent, with when they were received: kept for the overlap window only. */
  private sent = new Map<string, number>();
  private cursor = 0;
  /** The cheap check's answer at the last full poll: the same answer means nothing new. */
  private lastMark = '';
  private nextFullPollAt = 0;
  private readonly db: SubscriberDb;

  constructor(
    private readonly ws: WebSocket,
    env: Env,
    private readonly access: SocketAccess,
    needsAuthMessage: boolean,
  ) {
    this.stage = needsAuthMessage ? 'auth' : 'filter';
    this.db = new SubscriberDb(env);
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
    await this.db.run(async (db) => {
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
        const mark = await this.db.run((db) => receivedSinceMark(db, since));
        if (mark === this.lastMark || Date.now() < this.nextFullPollAt) continue;
        const startedAt = nowMicros();
        const events = await this.db.run((db) => readEventsReceivedSince(db, filter, since, POLL_LIMIT));
        const full = events.length >= POLL_LIMIT;
        // A full page may leave more behind: look again next time rather than trust the mark.
        this.lastMark = full ? '' : mark;
        const before = this.sent.size;
        for (const e of events) {
          this.send(e);
          this.cursor = Math.max(this.cursor, parseMicros(e.received) ?? 0);
        }
        // Everything received before this poll began was seen (up to the overlap for late commits), so
        // the window moves on even when nothing matched: it stays ~10 s long, not "since subscribing".
        if (!full) this.cursor = Math.max(this.cursor, startedAt);
        // Activity that matched nothing here (other events) is looked at once a second at most.
        this.nextFullPollAt = this.sent.size > before ? 0 : Date.now() + IDLE_FULL_POLL_MS;
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

  onClose(): Promise<void> {
    this.closed = true;
    try {
      this.ws.close();
    } catch {
      /* the runtime already answered the close */
    }
    return this.db.close();
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
  const ctx = c.executionCtx;
  server.addEventListener('close', () => ctx.waitUntil(session.onClose()));
  server.addEventListener('error', () => ctx.waitUntil(session.onClose()));
  const headers = subprotocol ? { 'Sec-WebSocket-Protocol': 'prefect' } : undefined;
  return new Response(null, { status: 101, webSocket: client, headers });
}
