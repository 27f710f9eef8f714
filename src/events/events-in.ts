/**
 * GET /events/in: the WebSocket over which Prefect clients stream events (what the SDK's EventsWorker
 * uses for every task-run state change).
 *
 * Protocol (Prefect's): optional `prefect` subprotocol with an auth message first (./socket-auth.ts), then
 * one JSON event per text message, no replies. The client confirms delivery by ping/pong (every 700
 * events or 30 s) and, after a dropped connection, resends what it sent since its last pong.
 *
 * Messages are batched: a batch is written when it reaches FLUSH_EVENTS events or FLUSH_MS after its
 * first event, one batch at a time, in order. On close the rest is written before the request ends
 * (waitUntil). A batch that cannot be written after a few tries closes the socket with 1011, so the
 * client reconnects and resends; an invalid event closes it with 1007 after the events before it are
 * written (Prefect drops the connection on an invalid event too).
 */
import type { Context } from 'hono';
import * as v from 'valibot';
import type { AppEnv, Env } from '../env';
import { createDb, type DbHandle } from '../db/client';
import { detailError, HttpError } from '../http/errors';
import { EventIn } from '../schemas/events';
import { decodeIssueMessage } from '../schemas/common';
import { nowMicros } from '../time';
import { ingestEvents } from './ingest';
import { receive, type ReceivedEvent } from './received';
import { authMessageRefusal, socketAccess, wantsPrefectSubprotocol, isWebSocketUpgrade, type SocketAccess } from './socket-auth';

export const FLUSH_EVENTS = 200;
export const FLUSH_MS = 20;
/** Tries per batch before the socket is closed with 1011 (the client then resends). */
const WRITE_ATTEMPTS = 3;
const RETRY_DELAYS_MS = [50, 250];

const CLOSE_INVALID_PAYLOAD = 1007;
const CLOSE_POLICY_VIOLATION = 1008;
const CLOSE_INTERNAL_ERROR = 1011;

/** A close reason must fit in 123 bytes. */
const reason = (text: string) => {
  let out = text;
  while (new TextEncoder().encode(out).length > 123) out = out.slice(0, -1);
  return out;
};

/** Most events one write takes: what piled up while the previous write ran, up to this. */
export const MAX_BATCH_EVENTS = 2_000;

/**
 * The socket's own database connection, opened on its first write and kept while it lives (a new
 * connection per batch through the proxy cost about half of each write); dropped after a failure so
 * the retry starts on a fresh one.
 */
class SocketDb {
  private handle: DbHandle | null = null;
  constructor(private readonly env: Env) {}

  async write(batch: ReceivedEvent[]): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      this.handle ??= createDb(this.env);
      try {
        await ingestEvents(this.handle.db, batch);
        return;
      } catch (err) {
        await this.close();
        if (attempt >= WRITE_ATTEMPTS) throw err;
        console.warn(`Storing ${batch.length} events failed (attempt ${attempt}); retrying`, err);
        await new Promise((r) => setTimeout(r, RETRY_DELAYS_MS[attempt - 1] ?? 250));
      }
    }
  }

  async close(): Promise<void> {
    const handle = this.handle;
    this.handle = null;
    await handle?.close();
  }
}

/** One open /events/in socket: its auth state and its batch of events not yet written. */
class EventsInSession {
  private authenticated: boolean;
  private pending: ReceivedEvent[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private writing: Promise<void> | null = null;
  private failed = false;
  private closed = false;
  private readonly db: SocketDb;

  constructor(
    private readonly ws: WebSocket,
    private readonly env: Env,
    private readonly access: SocketAccess,
    private readonly needsAuthMessage: boolean,
  ) {
    this.authenticated = !needsAuthMessage;
    this.db = new SocketDb(env);
  }

  async onMessage(data: string | ArrayBuffer): Promise<void> {
    if (this.closed) return;
    const text = typeof data === 'string' ? data : new TextDecoder().decode(data);
    if (!this.authenticated) return this.authenticate(text);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return this.refuse('Invalid event: not JSON');
    }
    const result = v.safeParse(EventIn, parsed);
    if (!result.success) {
      const issue = result.issues[0];
      const where = issue?.path?.map((p) => String(p.key)).join('.') ?? '';
      return this.refuse(`Invalid event: ${where ? `${where}: ` : ''}${issue ? decodeIssueMessage(issue.message).msg : ''}`);
    }
    this.pending.push(receive(result.output, nowMicros()));
    if (this.writing !== null) return; // the running write takes these next
    if (this.pending.length >= FLUSH_EVENTS) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS);
  }

  private async authenticate(text: string): Promise<void> {
    const refusal = await authMessageRefusal(text, this.access);
    if (refusal !== null) return this.close(CLOSE_POLICY_VIOLATION, refusal);
    this.authenticated = true;
    this.ws.send(JSON.stringify({ type: 'auth_success' }));
  }

  /**
   * Writes what is pending. One write runs at a time, in order; events that arrive meanwhile pile up
   * and go together in the next write (up to MAX_BATCH_EVENTS), so a fast sender gets large batches
   * and a slow one gets its events written within FLUSH_MS. A failed write closes the socket (1011).
   */
  flush(): Promise<void> {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.writing === null && this.pending.length > 0) this.writing = this.drain();
    return this.writing ?? Promise.resolve();
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending.length > 0 && !this.failed) {
        const batch = this.pending.splice(0, MAX_BATCH_EVENTS);
        try {
          await this.db.write(batch);
        } catch (err) {
          this.failed = true;
          console.error(`Could not store ${batch.length} events; closing the socket so that the client resends them`, err);
          this.close(CLOSE_INTERNAL_ERROR, 'Could not store events; reconnect and resend');
        }
      }
    } finally {
      this.writing = null;
    }
  }

  /** An invalid message: what came before it is kept, then the socket closes. */
  private async refuse(why: string): Promise<void> {
    await this.flush();
    this.close(CLOSE_INVALID_PAYLOAD, why);
  }

  close(code: number, why: string): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.ws.close(code, reason(why));
    } catch {
      /* already closing */
    }
  }

  /** The client went away: nothing accepted may be lost, so the rest is written before the request ends. */
  async onClose(): Promise<void> {
    this.closed = true;
    try {
      this.ws.close();
    } catch {
      /* the runtime already answered the close */
    }
    // A write under way may finish after more events arrived: flush until nothing is left.
    while (this.pending.length > 0 || this.writing !== null) {
      await this.flush();
      if (this.failed) break;
    }
    await this.db.close();
  }
}

export async function eventsInSocket(c: Context<AppEnv>): Promise<Response> {
  if (!isWebSocketUpgrade(c.req.raw)) throw detailError(426, 'This endpoint accepts WebSocket connections only.');
  const access = await socketAccess(c);
  if (access.kind === 'unconfigured') throw new HttpError(401, { exception_message: 'Unauthorized' }, 'Unauthorized');
  const subprotocol = wantsPrefectSubprotocol(c);
  if (!subprotocol && access.kind === 'token') {
    throw detailError(403, "'prefect' subprotocol required when auth is configured");
  }
  const pair = new WebSocketPair();
  const [client, server] = [pair[0], pair[1]];
  server.accept();
  const session = new EventsInSession(server, c.env, access, subprotocol);
  const ctx = c.executionCtx;
  // Messages are handled one after another, so events keep their order and auth comes first.
  let inbox: Promise<void> = Promise.resolve();
  server.addEventListener('message', (event) => {
    inbox = inbox.then(() => session.onMessage(event.data)).catch((err: unknown) => {
      console.error('events/in message failed', err);
      session.close(CLOSE_INTERNAL_ERROR, 'Internal error');
    });
  });
  const finish = () => ctx.waitUntil(inbox.then(() => session.onClose()));
  server.addEventListener('close', finish);
  server.addEventListener('error', finish);
  const headers = subprotocol ? { 'Sec-WebSocket-Protocol': 'prefect' } : undefined;
  return new Response(null, { status: 101, webSocket: client, headers });
}
