/**
 * Events: POST /events (a batch, as `prefect.events` clients without a WebSocket send it) and the
 * /events/in WebSocket (../events/events-in.ts).
 */
import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { methodNotAllowed } from '../http/method-not-allowed';
import { modelBody } from '../http/validation';
import { EventInList } from '../schemas/events';
import { ingestEvents } from '../events/ingest';
import { eventsInSocket } from '../events/events-in';
import { receive } from '../events/received';
import { nowMicros } from '../time';

export const eventRoutes = new Hono<AppEnv>()
  .post('/', async (c) => {
    const events = await modelBody(c, EventInList);
    const at = nowMicros();
    await ingestEvents(c.var.db, events.map((e) => receive(e, at)));
    return c.body(null, 204);
  })
  .get('/in', eventsInSocket)
  .all('/', methodNotAllowed);
