/**
 * Work-pool reads: POST /work_pools/filter|count, GET /work_pools/{name},
 * POST /work_pools/{name}/queues/filter, GET /work_pools/{pool}/queues/{name} (../shared/spec/prefect-filters.md §4.5).
 */
import { Hono } from 'hono';
import * as v from 'valibot';
import { and, asc, eq, sql } from 'drizzle-orm';
import type { AppEnv } from '../env';
import type { DbOrTx } from '../db/client';
import { workPool, workQueue } from '../db/schema';
import { notFound } from '../http/errors';
import { opt } from '../schemas/common';
import { WorkPoolFilter, WorkQueueFilter } from '../schemas/filters';
import { DEFAULT_LIMIT, limitField, offsetField, readBody } from '../schemas/pagination';
import { workPoolsCondition, workQueuesCondition } from '../queries/filters';
import { readWorkPools, readWorkQueues } from '../queries/read-models';
import { countWhere } from './read-support';
import { describe } from '../openapi/describe';

const CountBody = v.object({ work_pools: opt(WorkPoolFilter) });
const FilterBody = v.object({ work_pools: opt(WorkPoolFilter), limit: limitField(), offset: offsetField() });
const QueuesFilterBody = v.object({ work_queues: opt(WorkQueueFilter), limit: limitField(), offset: offsetField() });

const poolNotFound = (name: string) => notFound(`Work pool "${name}" not found.`);

async function poolExists(db: DbOrTx, name: string): Promise<boolean> {
  const rows = await db.select({ id: workPool.id }).from(workPool).where(eq(workPool.name, name));
  return rows.length > 0;
}

/** `work_queue.work_pool_id` is the named pool's id. */
const inPool = (name: string) =>
  sql`${workQueue.workPoolId} = (select p.id from ${workPool} p where p.name = ${name})`;

export const workPoolReadRoutes = new Hono<AppEnv>()
  .post('/filter', describe({ body: FilterBody }), async (c) => {
    const body = await readBody(c, FilterBody);
    const pools = await readWorkPools(c.var.db, {
      where: workPoolsCondition(body.work_pools),
      orderBy: [asc(workPool.name)],
      limit: body.limit ?? DEFAULT_LIMIT,
      offset: body.offset ?? 0,
    });
    return c.json(pools);
  })
  .post('/count', describe({ body: CountBody }), async (c) => {
    const body = await readBody(c, CountBody);
    return c.json(await countWhere(c.var.db, workPool, workPoolsCondition(body.work_pools)));
  })
  .post('/:name/queues/filter', describe({ body: QueuesFilterBody }), async (c) => {
    const name = c.req.param('name');
    const body = await readBody(c, QueuesFilterBody);
    const queues = await readWorkQueues(
      c.var.db,
      {
        where: and(inPool(name), workQueuesCondition(body.work_queues)),
        orderBy: [asc(workQueue.priority), asc(workQueue.id)],
        limit: body.limit ?? DEFAULT_LIMIT,
        offset: body.offset ?? 0,
      },
      { activeSlots: 'pool_queues' },
    );
    // Only an empty answer needs telling apart "no such pool" from "no matching queue".
    if (queues.length === 0 && !(await poolExists(c.var.db, name))) throw poolNotFound(name);
    return c.json(queues);
  })
  .get('/:pool/queues/:name', async (c) => {
    const pool = c.req.param('pool');
    const name = c.req.param('name');
    const [queue] = await readWorkQueues(
      c.var.db,
      { where: and(inPool(pool), eq(workQueue.name, name)) },
      { activeSlots: 'pool_queues' },
    );
    if (queue) return c.json(queue);
    if (!(await poolExists(c.var.db, pool))) throw poolNotFound(pool);
    throw notFound(`Work pool queue '${pool}/${name}' not found.`);
  })
  .get('/:name', async (c) => {
    const name = c.req.param('name');
    const [pool] = await readWorkPools(c.var.db, { where: eq(workPool.name, name) });
    if (!pool) throw poolNotFound(name);
    return c.json(pool);
  });
