/**
 * Global concurrency limits, /v2/concurrency_limits: create, read by id or name, filter, update, delete.
 */
import { Hono } from 'hono';
import * as v from 'valibot';
import type { AppEnv } from '../env';
import { notFound } from '../http/errors';
import { modelBody } from '../http/validation';
import { ConcurrencyLimitV2Create, ConcurrencyLimitV2Update, DecrementBody, IncrementBody } from '../schemas/actions/concurrency-limits';
import { decrementSlots, incrementSlots } from '../queries/concurrency-slots';
import { embeddedBody } from '../http/validation';
import { DEFAULT_LIMIT, limitField, offsetField, readBody } from '../schemas/pagination';
import {
  byIdOrName,
  deleteConcurrencyLimit,
  insertConcurrencyLimit,
  readGlobalConcurrencyLimits,
  updateConcurrencyLimit,
} from '../queries/concurrency-limits';
import { describe } from '../openapi/describe';

const FilterBody = v.object({ limit: limitField(), offset: offsetField() });
const limitNotFound = () => notFound('Concurrency Limit not found');

export const concurrencyLimitRoutes = new Hono<AppEnv>()
  .post('/', describe({ body: ConcurrencyLimitV2Create }), async (c) => {
    const body = await modelBody(c, ConcurrencyLimitV2Create);
    return c.json(await insertConcurrencyLimit(c.var.db, body), 201);
  })
  .post('/filter', describe({ body: FilterBody }), async (c) => {
    const body = await readBody(c, FilterBody);
    return c.json(await readGlobalConcurrencyLimits(c.var.db, { limit: body.limit ?? DEFAULT_LIMIT, offset: body.offset ?? 0 }));
  })
  .post('/increment', describe({ body: IncrementBody }), async (c) => {
    const body = await embeddedBody(c, IncrementBody);
    const result = await incrementSlots(c.var.db, body.names, body.slots, body.mode);
    if (!result.acquired) return c.json({ detail: 'Locked' }, 423, { 'Retry-After': String(result.retryAfterSeconds) });
    return c.json(result.limits);
  })
  .post('/decrement', describe({ body: DecrementBody }), async (c) => {
    const body = await embeddedBody(c, DecrementBody);
    return c.json(await decrementSlots(c.var.db, body.names, body.slots, body.occupancy_seconds));
  })
  .get('/:id_or_name', async (c) => {
    const [found] = await readGlobalConcurrencyLimits(c.var.db, { where: byIdOrName(c.req.param('id_or_name')) });
    if (!found) throw limitNotFound();
    return c.json(found);
  })
  .patch('/:id_or_name', describe({ body: ConcurrencyLimitV2Update }), async (c) => {
    const body = await modelBody(c, ConcurrencyLimitV2Update);
    if (!(await updateConcurrencyLimit(c.var.db, byIdOrName(c.req.param('id_or_name')), body))) throw limitNotFound();
    return c.body(null, 204);
  })
  .delete('/:id_or_name', async (c) => {
    if (!(await deleteConcurrencyLimit(c.var.db, byIdOrName(c.req.param('id_or_name'))))) throw limitNotFound();
    return c.body(null, 204);
  });
