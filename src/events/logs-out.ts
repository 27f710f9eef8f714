/**
 * GET /logs/out: the WebSocket over which Prefect 3.9.1 streams new log lines (`prefect flow-run logs
 * --follow`-style subscribers).
 *
 * Protocol (Prefect's): the auth handshake of ./socket-auth.ts, then a `{"type": "filter", "filter":
 * <LogFilter>}` message (anything else closes with 1002), then `{"type": "log", "log": <Log>}` for each
 * line written from then on that matches. No backfill, as in Prefect.
 *
 * Delivery is /events/out's design (see ./events-out.ts): one kept connection, a cheap check every
 * POLL_MS on the `updated` index (lines are never updated, so it is their write time), the filter's
 * query only when something changed, an overlap for transactions that commit late, ids already sent
 * skipped.
 */
import type { Context } from 'hono';
import { and, asc, gte, sql } from 'drizzle-orm';
import * as v from 'valibot';
import type { AppEnv, Env } from '../env';
import { log } from '../db/schema';
import { logFilterSql } from '../queries/filters';
import { readLogs, writtenSinceMark, type LogResponse } from '../queries/logs';
import { decodeIssueMessage } from '../schemas/common';
import { LogFilter } from '../schemas/filters';
import { formatMicros, nowMicros, parseMicros } from '../time';
import { IDLE_FULL_POLL_MS, OVERLAP_US, POLL_MS, SubscriberDb } from './events-out';
import { acceptSubscription, authMessageRefusal, type SocketAccess } from './socket-auth';

const POLL_LIMIT = 500;
const CLOSE_PROTOCOL_ERROR = 1002;
const CLOSE_POLICY_VIOLATION = 1008;

class LogsOutSession {
  private stage: 'auth' | 'filter' | 'streaming';
  private closed = false;
  private sent = new Map<string, number>();
  /**
   * Lines written before the socket opened are not sent (no backfill). From the upgrade rather than the
   * filter message, so that a client that writes right after sending its filter sees its lines.
   */
  private readonly floor = nowMicros();
  private cursor = 0;
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
    if (this.stage !== 'filter') return;
    let message: Record<string, unknown> = {};
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed !== null && typeof parsed === 'object') message = parsed as Record<string, unknown>;
    } catch {
      /* handled below */
    }
    if (message.type !== 'filter') return this.close(CLOSE_PROTOCOL_ERROR, "Expected 'filter' message");
    const parsed = v.safeParse(LogFilter, message.filter ?? {});
    if (!parsed.success) return this.close(CLOSE_PROTOCOL_ERROR, `Invalid filter: ${parsed.issues[0] ? decodeIssueMessage(parsed.issues[0].message).msg : 'invalid'}`);
    this.stage = 'streaming';
    this.cursor = this.floor;
    void this.poll(parsed.output);
  }

  private send(line: LogResponse): void {
    if (this.closed || this.sent.has(line.id)) return;
    this.sent.set(line.id, parseMicros(line.updated) ?? 0);
    this.ws.send(JSON.stringify({ type: 'log', log: line }));
  }

  private async poll(filter: LogFilter): Promise<void> {
    while (!this.closed) {
      await new Promise((r) => setTimeout(r, POLL_MS));
      if (this.closed) return;
      try {
        const since = formatMicros(Math.max(this.floor, this.cursor - OVERLAP_US));
        const mark = await this.db.run((db) => writtenSinceMark(db, since));
        if (mark === this.lastMark || Date.now() < this.nextFullPollAt) continue;
        const startedAt = nowMicros();
        const lines = await this.db.run((db) =>
          readLogs(db, {
            where: and(logFilterSql(filter), gte(log.updated, sql`${since}::timestamptz`))!,
            orderBy: [asc(log.updated), asc(log.id)],
            limit: POLL_LIMIT,
            offset: 0,
          }),
        );
        const full = lines.length >= POLL_LIMIT;
        this.lastMark = full ? '' : mark;
        const before = this.sent.size;
        for (const line of lines) {
          this.send(line);
          this.cursor = Math.max(this.cursor, parseMicros(line.updated) ?? 0);
        }
        // As in /events/out: the window moves on, and unrelated activity is looked at once a second.
        if (!full) this.cursor = Math.max(this.cursor, startedAt);
        this.nextFullPollAt = this.sent.size > before ? 0 : Date.now() + IDLE_FULL_POLL_MS;
        for (const [id, at] of this.sent) if (at < this.cursor - 2 * OVERLAP_US) this.sent.delete(id);
      } catch (err) {
        if (!this.closed) console.warn('logs/out poll failed; trying again', err);
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

export const logsOutSocket = (c: Context<AppEnv>): Promise<Response> =>
  acceptSubscription(c, 'logs/out', (server, env, access, subprotocol) => new LogsOutSession(server, env, access, subprotocol));
