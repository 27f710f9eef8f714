/**
 * What /events/out and /logs/out share once ./socket-auth.ts has accepted the socket: the auth stage,
 * the `{"type": "filter", "filter": …}` message, the polling delivery and the close.
 *
 * Workers have no shared bus, so new rows are found by polling the database for rows written since the
 * last poll, with an overlap that catches transactions committed late; ids already sent are skipped.
 * Every POLL_MS a cheap check (count and latest write time of the overlap window, on an index) decides
 * whether the filter's query runs at all; after a query that found nothing for this subscriber the next
 * waits a second (busy servers, narrow filters). The window moves on after every query, so both stay
 * ~10 s long. The socket keeps one database connection for its life (a new one per poll cost more than
 * the poll). README "Events" has the measurements behind these choices.
 */
import * as v from 'valibot';
import type { Env } from '../env';
import { createDb, type Db, type DbHandle } from '../db/client';
import { decodeIssueMessage } from '../schemas/common';
import { formatMicros, nowMicros } from '../time';
import { authMessageRefusal, type SocketAccess, type SubscriptionSession } from './socket-auth';

export const POLL_MS = 250;
/** After a full poll that found nothing for this subscriber, the next one waits this long at least. */
export const IDLE_FULL_POLL_MS = 1000;
/** How far back each poll looks again, for batches that committed after a later one. */
export const OVERLAP_US = 10_000_000;
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

/**
 * One subscriber of a polled stream: `F` is its filter, `Item` a row it streams. A subclass says which
 * filter it reads, how streaming begins (cursor, backfill), and how rows are found and framed.
 */
export abstract class PolledSubscription<F, Item extends { id: string }> implements SubscriptionSession {
  private stage: 'auth' | 'filter' | 'streaming';
  protected closed = false;
  /** Ids sent, with when they were written: kept for the overlap window only. */
  private readonly sent = new Map<string, number>();
  protected cursor = 0;
  /** The cheap check's answer at the last full poll: the same answer means nothing new. */
  private lastMark = '';
  private nextFullPollAt = 0;
  protected readonly db: SubscriberDb;

  constructor(
    private readonly ws: WebSocket,
    env: Env,
    private readonly access: SocketAccess,
    needsAuthMessage: boolean,
  ) {
    this.stage = needsAuthMessage ? 'auth' : 'filter';
    this.db = new SubscriberDb(env);
  }

  /** The stream's name in warnings ('events/out'). */
  protected abstract readonly label: string;
  protected abstract readonly filterSchema: v.GenericSchema<unknown, F>;
  /** Sets the cursor (and sends a backfill); returns the filter the polls use. */
  protected abstract begin(filter: F, message: Record<string, unknown>): Promise<F>;
  /** The cheap check over rows written since `since`. */
  protected abstract writtenSinceMark(db: Db, since: string): Promise<string>;
  /** Matching rows written since `since`, oldest first. */
  protected abstract readWrittenSince(db: Db, filter: F, since: string, limit: number): Promise<Item[]>;
  /** When a row was written, in µs: what the cursor and the overlap window follow. */
  protected abstract writtenAt(item: Item): number;
  /** The message that carries one row to the client. */
  protected abstract frame(item: Item): unknown;

  /** Where the next poll's window starts. */
  protected windowStart(): number {
    return this.cursor - OVERLAP_US;
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
    const parsed = v.safeParse(this.filterSchema, message.filter ?? {});
    if (!parsed.success) return this.close(CLOSE_PROTOCOL_ERROR, `Invalid filter: ${parsed.issues[0] ? decodeIssueMessage(parsed.issues[0].message).msg : 'invalid'}`);
    this.stage = 'streaming';
    const filter = await this.begin(parsed.output, message);
    void this.poll(filter);
  }

  protected send(item: Item): void {
    if (this.closed || this.sent.has(item.id)) return;
    this.sent.set(item.id, this.writtenAt(item));
    this.ws.send(JSON.stringify(this.frame(item)));
  }

  private async poll(filter: F): Promise<void> {
    while (!this.closed) {
      await new Promise((r) => setTimeout(r, POLL_MS));
      if (this.closed) return;
      try {
        const since = formatMicros(this.windowStart());
        const mark = await this.db.run((db) => this.writtenSinceMark(db, since));
        if (mark === this.lastMark || Date.now() < this.nextFullPollAt) continue;
        const startedAt = nowMicros();
        const items = await this.db.run((db) => this.readWrittenSince(db, filter, since, POLL_LIMIT));
        const full = items.length >= POLL_LIMIT;
        // A full page may leave more behind: look again next time rather than trust the mark.
        this.lastMark = full ? '' : mark;
        const before = this.sent.size;
        for (const item of items) {
          this.send(item);
          this.cursor = Math.max(this.cursor, this.writtenAt(item));
        }
        // Everything written before this poll began was seen (up to the overlap for late commits), so
        // the window moves on even when nothing matched: it stays ~10 s long, not "since subscribing".
        if (!full) this.cursor = Math.max(this.cursor, startedAt);
        // Activity that matched nothing here (other rows) is looked at once a second at most.
        this.nextFullPollAt = this.sent.size > before ? 0 : Date.now() + IDLE_FULL_POLL_MS;
        for (const [id, at] of this.sent) if (at < this.cursor - 2 * OVERLAP_US) this.sent.delete(id);
      } catch (err) {
        if (!this.closed) console.warn(`${this.label} poll failed; trying again`, err);
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
