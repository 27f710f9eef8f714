/**
 * Work-queue reads across pools: POST /work_queues/filter, GET /work_queues/{id},
 * GET /work_queues/name/{name} (../shared/spec/prefect-filters.md §4.5).
 */
import { Hono } from 'hono';
import * as v from 'valibot';
import { and, asc, eq, sql } from 'drizzle-orm';
import type { AppEnv } from '../env';
import { workPool, workQueue } from '../db/schema';
import { notFound } from '../http/errors';
import { methodNotAllowed } from '../http/method-not-allowed';
import { pathUuid, uuidParam } from '../http/params';
import { opt } from '../schemas/common';
import { WorkQueueFilter } from '../schemas/filters';
import { DEFAULT_LIMIT, limitField, offsetField, readBody } from '../schemas/pagination';
import { workQueuesCondition } from '../queries/filters';
import { readWorkQueues } from '../queries/read-models';
import { describe } from '../openapi/describe';

const FilterBody = v.object({ work_queues: opt(WorkQueueFilter), limit: limitField(), offset: offsetField() });

/** The pool that legacy, pool-less queue names live in. */
export const DEFAULT_AGENT_POOL = 'default-agent-pool';

export const workQueueReadRoutes = new Hono<AppEnv>()
  .post('/filter', describe({ body: FilterBody }), async (c) => {
    const body = await readBody(c, FilterBody);
    const queues = await readWorkQueues(c.var.db, {
      where: workQueuesCondition(body.work_queues),
      orderBy: [asc(workQueue.name), asc(workQueue.id)],
      limit: body.limit ?? DEFAULT_LIMIT,
      offset: body.offset ?? 0,
    });
    return c.json(queues);
  })
  .all('/filter', methodNotAllowed)
  .get(`/${uuidParam('id')}`, async (c) => {
    const [queue] = await readWorkQueues(c.var.db, { where: eq(workQueue.id, pathUuid(c, 'id')) });
    if (!queue) throw notFound('work queue not found');
    return c.json(queue);
  })
  .get('/name/:name', async (c) => {
    // In default-agent-pool when that pool exists, else a queue of that name in any pool.
    const inAgentPool = sql`(${workPool.name} = ${DEFAULT_AGENT_POOL} or not exists (
      select 1 from ${workPool} ap where ap.name = ${DEFAULT_AGENT_POOL}))`;
    const [queue] = await readWorkQueues(c.var.db, {
      where: and(eq(workQueue.name, c.req.param('name')), inAgentPool),
      orderBy: [asc(workQueue.created), asc(workQueue.id)],
      limit: 1,
    });
    if (!queue) throw notFound('work queue not found');
    return c.json(queue);
  });
