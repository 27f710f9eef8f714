/**
 * GET /events/out: the WebSocket `prefect events stream` and the SDK's event subscribers read.
 *
 * Protocol (Prefect's): the auth handshake of ./socket-auth.ts, then a `{"type": "filter", "filter": …,
 * "backfill": true}` message. The server sends `{"type": "event", "event": …}` for the matching events of
 * the last 15 minutes at most (backfill, oldest first), then for each new matching event.
 *
 * New events are found by ./subscription.ts's polling, on the `received` index.
 */
import type { Context } from 'hono';
import type { AppEnv } from '../env';
import type { Db } from '../db/client';
import { EventFilter } from '../schemas/event-filters';
import { readEventPage, readEventsReceivedSince, receivedSinceMark, type EventResponse } from '../queries/events-read';
import { formatMicros, nowMicros, parseMicros } from '../time';
import { acceptSubscription } from './socket-auth';
import { PolledSubscription } from './subscription';

/** PREFECT_SERVER_EVENTS_MAXIMUM_WEBSOCKET_BACKFILL and _WEBSOCKET_BACKFILL_PAGE_SIZE. */
const MAX_BACKFILL_US = 15 * 60 * 1_000_000;
const BACKFILL_PAGE = 250;

class EventsOutSession extends PolledSubscription<EventFilter, EventResponse> {
  protected readonly label = 'events/out';
  protected readonly filterSchema = EventFilter;

  protected async begin(filter: EventFilter, message: Record<string, unknown>): Promise<EventFilter> {
    const now = nowMicros();
    const ordered = {
      ...filter,
      order: 'ASC' as const,
      occurred: { ...filter.occurred, since: formatMicros(Math.max(parseMicros(filter.occurred.since)!, now - MAX_BACKFILL_US)) },
    };
    this.cursor = now;
    if (message.backfill !== false) await this.backfill(ordered);
    return ordered;
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

  protected writtenSinceMark(db: Db, since: string): Promise<string> {
    return receivedSinceMark(db, since);
  }

  protected readWrittenSince(db: Db, filter: EventFilter, since: string, limit: number): Promise<EventResponse[]> {
    return readEventsReceivedSince(db, filter, since, limit);
  }

  protected writtenAt(event: EventResponse): number {
    return parseMicros(event.received) ?? 0;
  }

  protected frame(event: EventResponse) {
    return { type: 'event', event };
  }
}

export const eventsOutSocket = (c: Context<AppEnv>): Promise<Response> =>
  acceptSubscription(c, 'events/out', (server, env, access, subprotocol) => new EventsOutSession(server, env, access, subprotocol));
