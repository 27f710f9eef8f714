/**
 * Tag concurrency limits, the v1 API /concurrency_limits: create (upsert by tag), read by id or tag,
 * filter, reset, delete, and the increment / decrement task runs call. Backed by the v2 limits named
 * `tag:<tag>` and their leases, as Prefect 3.9.1 does (src/queries/tag-concurrency-limits.ts).
 */
import { Hono } from 'hono';
import * as v from 'valibot';
import type { AppEnv } from '../env';
import { notFound } from '../http/errors';
import { methodNotAllowed } from '../http/method-not-allowed';
import { pathUuid, uuidParam } from '../http/params';
import { embeddedBody, modelBody } from '../http/validation';
import { ResetBody, TagLimitCreate, TagSlotsBody } from '../schemas/actions/tag-concurrency-limits';
import { DEFAULT_LIMIT, limitField, offsetField, readBody } from '../schemas/pagination';
import {
  allTagLimits,
  byId,
  byTag,
  decrementTagSlots,
  deleteTagLimit,
  incrementTagSlots,
  readTagLimits,
  resetTagLimit,
  TAG_SLOT_WAIT,
  TagLimitFull,
  upsertTagLimit,
} from '../queries/tag-concurrency-limits';
import { describe } from '../openapi/describe';

const FilterBody = v.object({ limit: limitField(), offset: offsetField() });
const limitNotFound = () => notFound('Concurrency limit not found');
const ID = `/${uuidParam('id')}`;
const TAG = '/tag/:tag';

export const tagConcurrencyLimitRoutes = new Hono<AppEnv>()
  .post('/', describe({ body: TagLimitCreate }), async (c) => {
    const body = await modelBody(c, TagLimitCreate);
    const { created } = await upsertTagLimit(c.var.db, body.tag, body.concurrency_limit);
    const [limit] = await readTagLimits(c.var.db, { where: byTag(body.tag) });
    return c.json(limit, created ? 201 : 200);
  })
  .post('/filter', describe({ body: FilterBody }), async (c) => {
    const body = await readBody(c, FilterBody);
    return c.json(await readTagLimits(c.var.db, { where: allTagLimits, limit: body.limit ?? DEFAULT_LIMIT, offset: body.offset ?? 0 }));
  })
  .post('/increment', describe({ body: TagSlotsBody }), async (c) => {
    const body = await embeddedBody(c, TagSlotsBody);
    try {
      return c.json(await c.var.db.transaction((tx) => incrementTagSlots(tx, body.names, body.task_run_id)));
    } catch (e) {
      if (!(e instanceof TagLimitFull)) throw e;
      return c.json({ detail: e.message }, 423, { 'Retry-After': TAG_SLOT_WAIT });
    }
  })
  .post('/decrement', describe({ body: TagSlotsBody }), async (c) => {
    const body = await embeddedBody(c, TagSlotsBody);
    return c.json(await c.var.db.transaction((tx) => decrementTagSlots(tx, body.names, body.task_run_id)));
  })
  .post(`${TAG}/reset`, describe({ body: ResetBody }), async (c) => {
    const body = await embeddedBody(c, ResetBody);
    const tag = c.req.param('tag');
    if (!(await c.var.db.transaction((tx) => resetTagLimit(tx, tag, body.slot_override ?? [])))) throw limitNotFound();
    return c.json(null);
  })
  .get(ID, async (c) => {
    const [found] = await readTagLimits(c.var.db, { where: byId(pathUuid(c, 'id')) });
    if (!found) throw limitNotFound();
    return c.json(found);
  })
  .get(TAG, async (c) => {
    const [found] = await readTagLimits(c.var.db, { where: byTag(c.req.param('tag')) });
    if (!found) throw limitNotFound();
    return c.json(found);
  })
  // Prefect's delete routes declare no status code: 200 with a JSON null.
  .delete(ID, async (c) => {
    const id = pathUuid(c, 'id');
    if (!(await c.var.db.transaction((tx) => deleteTagLimit(tx, byId(id))))) throw limitNotFound();
    return c.json(null);
  })
  .delete(TAG, async (c) => {
    const tag = c.req.param('tag');
    if (!(await c.var.db.transaction((tx) => deleteTagLimit(tx, byTag(tag))))) throw limitNotFound();
    return c.json(null);
  })
  .all('/', methodNotAllowed)
  .all('/filter', methodNotAllowed)
  .all('/increment', methodNotAllowed)
  .all('/decrement', methodNotAllowed)
  .all(`${TAG}/reset`, methodNotAllowed)
  .all(ID, methodNotAllowed)
  .all(TAG, methodNotAllowed);
