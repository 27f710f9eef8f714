/**
 * GET /logs/out: the WebSocket over which Prefect 3.9.1 streams new log lines (`prefect flow-run logs
 * --follow`-style subscribers).
 *
 * Protocol (Prefect's): the auth handshake of ./socket-auth.ts, then a `{"type": "filter", "filter":
 * <LogFilter>}` message (anything else closes with 1002), then `{"type": "log", "log": <Log>}` for each
 * line written from then on that matches. No backfill, as in Prefect.
 *
 * Delivery is /events/out's (./subscription.ts), its cheap check on the `updated` index (lines are never
 * updated, so it is their write time).
 */
import type { Context } from 'hono';
import { and, asc, gte, sql } from 'drizzle-orm';
import type { AppEnv } from '../env';
import type { Db } from '../db/client';
import { log } from '../db/schema';
import { logFilterSql } from '../queries/filters';
import { readLogs, writtenSinceMark, type LogResponse } from '../queries/logs';
import { LogFilter } from '../schemas/filters';
import { nowMicros, parseMicros } from '../time';
import { acceptSubscription } from './socket-auth';
import { OVERLAP_US, PolledSubscription } from './subscription';

class LogsOutSession extends PolledSubscription<LogFilter, LogResponse> {
  protected readonly label = 'logs/out';
  protected readonly filterSchema = LogFilter;
  /**
   * Lines written before the socket opened are not sent (no backfill). From the upgrade rather than the
   * filter message, so that a client that writes right after sending its filter sees its lines.
   */
  private readonly floor = nowMicros();

  protected begin(filter: LogFilter): Promise<LogFilter> {
    this.cursor = this.floor;
    return Promise.resolve(filter);
  }

  protected override windowStart(): number {
    return Math.max(this.floor, this.cursor - OVERLAP_US);
  }

  protected writtenSinceMark(db: Db, since: string): Promise<string> {
    return writtenSinceMark(db, since);
  }

  protected readWrittenSince(db: Db, filter: LogFilter, since: string, limit: number): Promise<LogResponse[]> {
    return readLogs(db, {
      where: and(logFilterSql(filter), gte(log.updated, sql`${since}::timestamptz`))!,
      orderBy: [asc(log.updated), asc(log.id)],
      limit,
      offset: 0,
    });
  }

  protected writtenAt(line: LogResponse): number {
    return parseMicros(line.updated) ?? 0;
  }

  protected frame(line: LogResponse) {
    return { type: 'log', log: line };
  }
}

export const logsOutSocket = (c: Context<AppEnv>): Promise<Response> =>
  acceptSubscription(c, 'logs/out', (server, env, access, subprotocol) => new LogsOutSession(server, env, access, subprotocol));
