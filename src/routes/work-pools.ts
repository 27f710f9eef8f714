/**
 * Work pool writes: POST /work_pools/, PATCH / DELETE /work_pools/{name}, and the pool's queues:
 * POST /work_pools/{name}/queues, PATCH / DELETE /work_pools/{name}/queues/{queue}.
 */
import { Hono } from 'hono';
import { eq } from 'drizzle-orm';
import type { AppEnv } from '../env';
import { workPool, workQueue } from '../db/schema';
import { detailError, sqlState } from '../http/errors';
import { modelBody } from '../http/validation';
import { WorkPoolCreate, WorkPoolUpdate, WorkQueueCreate, WorkQueueUpdate } from '../schemas/actions/work-pools';
import { readWorkPools, readWorkQueues } from '../queries/read-models';
import { deleteWorkPool, insertWorkPool, isReservedPoolName, poolNotFound, requirePoolByName, updateWorkPool } from '../queries/work-pools';
import { deletePoolQueue, insertWorkQueue, poolQueueNotFound, requirePoolQueue, updateWorkQueue } from '../queries/work-queues';
import { describe } from '../openapi/describe';
import { checkPoolJobVariableDefaults } from '../orchestration/job-variables';

export const workPoolRoutes = new Hono<AppEnv>()
  .post('/', describe({ body: WorkPoolCreate }), async (c) => {
    const body = await modelBody(c, WorkPoolCreate);
    if (isReservedPoolName(body.name)) {
      throw detailError(403, "Work pools starting with 'Prefect' are reserved for internal use.");
    }
    checkPoolJobVariableDefaults(body.base_job_template);
    const pool = await c.var.db.transaction(async (tx) => {
      const { id } = await insertWorkPool(tx, body);
      const [response] = await readWorkPools(tx, { where: eq(workPool.id, id) });
      return response;
    });
    return c.json(pool, 201);
  })
  .patch('/:name', describe({ body: WorkPoolUpdate }), async (c) => {
    const name = c.req.param('name');
    const body = await modelBody(c, WorkPoolUpdate);
    if (isReservedPoolName(name) && Object.keys(body).some((k) => k !== 'is_paused' && k !== 'concurrency_limit')) {
      throw detailError(
        403,
        "Work pools starting with 'Prefect' are reserved for internal use and can only be updated to set concurrency limits or pause.",
      );
    }
    await c.var.db.transaction(async (tx) => updateWorkPool(tx, await requirePoolByName(tx, name), body));
    return c.body(null, 204);
  })
  .delete('/:name', async (c) => {
    const name = c.req.param('name');
    if (isReservedPoolName(name)) {
      throw detailError(403, "Work pools starting with 'Prefect' are reserved for internal use and can not be deleted.");
    }
    await c.var.db.transaction(async (tx) => {
      // Of deletes racing for one pool, one deletes it; the others find it gone.
      if (!(await deleteWorkPool(tx, (await requirePoolByName(tx, name)).id))) throw poolNotFound(name);
    });
    return c.body(null, 204);
  })
  .post('/:name/queues', describe({ body: WorkQueueCreate }), async (c) => {
    const poolName = c.req.param('name');
    const body = await modelBody(c, WorkQueueCreate);
    try {
      const queue = await c.var.db.transaction(async (tx) => {
        const pool = await requirePoolByName(tx, poolName);
        const row = await insertWorkQueue(tx, pool.id, body);
        const [response] = await readWorkQueues(tx, { where: eq(workQueue.id, row.id) }, { activeSlots: 'pool_queues' });
        return response;
      });
      return c.json(queue, 201);
    } catch (e) {
      if (sqlState(e) === '23505') {
        throw detailError(409, `A work queue with this name already exists in work pool '${poolName}'.`);
      }
      throw e;
    }
  })
  .patch('/:name/queues/:queue', describe({ body: WorkQueueUpdate }), async (c) => {
    const { name, queue } = c.req.param();
    const body = await modelBody(c, WorkQueueUpdate);
    await c.var.db.transaction(async (tx) => {
      await requirePoolByName(tx, name);
      await updateWorkQueue(tx, await requirePoolQueue(tx, name, queue), body, { rebalance: true });
    });
    return c.body(null, 204);
  })
  .delete('/:name/queues/:queue', async (c) => {
    const { name, queue } = c.req.param();
    await c.var.db.transaction(async (tx) => {
      const pool = await requirePoolByName(tx, name);
      if (!(await deletePoolQueue(tx, await requirePoolQueue(tx, name, queue), pool))) throw poolQueueNotFound(name, queue);
    });
    return c.body(null, 204);
  });
