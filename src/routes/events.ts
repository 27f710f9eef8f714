/**
 * Events: POST /events (a batch), the /events/in WebSocket (../events/events-in.ts), and the reads:
 * POST /events/filter, GET /events/filter/next, POST /events/count-by/{countable}.
 */
import { Hono } from 'hono';
import * as v from 'valibot';
import type { AppEnv } from '../env';
import { detailError, RequestValidationError } from '../http/errors';
import { methodNotAllowed } from '../http/method-not-allowed';
import { embeddedBody, modelBody, readJson } from '../http/validation';
import { enumOf, issueMessage, laxFloat, laxInt, opt } from '../schemas/common';
import { EventInList } from '../schemas/events';
import { COUNTABLES, EventFilter, TIME_UNITS } from '../schemas/event-filters';
import { ingestEvents } from '../events/ingest';
import { eventsInSocket } from '../events/events-in';
import { eventsOutSocket } from '../events/events-out';
import { nextPageLink, readPageToken } from '../events/page-token';
import { receive } from '../events/received';
import { bucketProblem, countEvents, readEventPage } from '../queries/events-read';
import { nowMicros } from '../time';
import { describe } from '../openapi/describe';

/** Prefect's INTERACTIVE_PAGE_SIZE: the default and the largest page. */
const PAGE_SIZE = 50;

const FilterBody = v.object({
  filter: opt(EventFilter),
  limit: v.optional(
    v.pipe(
      laxInt(),
      v.minValue(0, issueMessage('greater_than_equal', 'Input should be greater than or equal to 0', { ge: 0 })),
      v.maxValue(PAGE_SIZE, issueMessage('less_than_equal', `Input should be less than or equal to ${PAGE_SIZE}`, { le: PAGE_SIZE })),
    ),
    PAGE_SIZE,
  ),
});

const CountBody = v.object({
  filter: EventFilter,
  time_unit: v.optional(enumOf(TIME_UNITS), 'day'),
  time_interval: v.optional(
    v.pipe(laxFloat(), v.minValue(0.01, issueMessage('greater_than_equal', 'Input should be greater than or equal to 0.01', { ge: 0.01 }))),
    1,
  ),
});

const origin = (url: string) => new URL(url).origin;

export const eventRoutes = new Hono<AppEnv>()
  .post('/', describe({ body: EventInList }), async (c) => {
    const events = await modelBody(c, EventInList);
    const at = nowMicros();
    await ingestEvents(c.var.db, events.map((e) => receive(e, at)));
    return c.body(null, 204);
  })
  .get('/in', eventsInSocket)
  .get('/out', eventsOutSocket)
  .post('/filter', describe({ body: FilterBody }), async (c) => {
    const body = await embeddedBody(c, FilterBody);
    const filter = body.filter ?? v.parse(EventFilter, {});
    const { events, total } = await readEventPage(c.var.db, filter, { limit: body.limit, offset: 0, total: null });
    const next_page = nextPageLink(origin(c.req.url), { filter, count: total, page_size: body.limit }, 0);
    return c.json({ events, total, next_page });
  })
  .get('/filter/next', async (c) => {
    const param = c.req.query('page-token');
    if (param === undefined) {
      throw new RequestValidationError([{ type: 'missing', loc: ['query', 'page-token'], msg: 'Field required', input: null }], null);
    }
    const state = readPageToken(param);
    const { events } = await readEventPage(c.var.db, state.filter, { limit: state.page_size, offset: state.offset, total: state.count });
    const next_page = nextPageLink(origin(c.req.url), state, state.offset);
    return c.json({ events, total: state.count, next_page });
  })
  .post('/count-by/:countable', describe({ body: CountBody }), async (c) => {
    const countable = c.req.param('countable');
    const known = v.safeParse(enumOf(COUNTABLES), countable);
    if (!known.success) {
      const expected = "'day', 'time', 'event' or 'resource'";
      throw new RequestValidationError(
        [{ type: 'enum', loc: ['path', 'countable'], msg: `Input should be ${expected}`, input: countable, ctx: { expected } }],
        await readJson(c).catch(() => null),
      );
    }
    const body = await embeddedBody(c, CountBody);
    if (known.output === 'day' || known.output === 'time') {
      const problem = bucketProblem(body.filter, known.output === 'day' ? 'day' : body.time_unit, known.output === 'day' ? 1 : body.time_interval);
      if (problem) throw detailError(422, problem);
    }
    return c.json(await countEvents(c.var.db, body.filter, known.output, body.time_unit, body.time_interval));
  })
  .all('/', methodNotAllowed)
  .all('/filter', methodNotAllowed)
  .all('/count-by/:countable', methodNotAllowed);
