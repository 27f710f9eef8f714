/**
 * Legacy work queue writes: POST /work_queues/ (in `default-agent-pool`, created lazily),
 * PATCH / DELETE /work_queues/{id}.
 */
import { Hono } from 'hono';
import { eq } from 'drizzle-orm';
import type { AppEnv } from '../env';
import { workQueue } from '../db/schema';
import { detailError, notFound, sqlState } from '../http/errors';
import { pathUuid, uuidParam } from '../http/params';
import { modelBody } from '../http/validation';
import { WorkQueueCreate, WorkQueueUpdate } from '../schemas/actions/work-pools';
import { readWorkQueues } from '../queries/read-models';
import { deleteWorkQueueById, insertLegacyWorkQueue, updateWorkQueue } from '../queries/work-queues';
import { describe } from '../openapi/describe';

const ID = `/${uuidParam('id')}`;

export const workQueueRoutes = new Hono<AppEnv>()
  .post('/', describe({ body: WorkQueueCreate }), async (c) => {
    const body = await modelBody(c, WorkQueueCreate);
    try {
      const queue = await c.var.db.transaction(async (tx) => {
        const row = await insertLegacyWorkQueue(tx, body);
        const [response] = await readWorkQueues(tx, { where: eq(workQueue.id, row.id) }, { activeSlots: 'work_queues' });
        return response;
      });
      return c.json(queue, 201);
    } catch (e) {
      if (sqlState(e) === '23505') throw detailError(409, 'A work queue with this name already exists.');
      throw e;
    }
  })
  .patch(ID, describe({ body: WorkQueueUpdate }), async (c) => {
    const id = pathUuid(c, 'id');
    const body = await modelBody(c, WorkQueueUpdate);
    await c.var.db.transaction(async (tx) => {
      const [current] = await tx.select().from(workQueue).where(eq(workQueue.id, id));
      if (!current) throw notFound(`Work Queue ${id} not found`);
      await updateWorkQueue(tx, current, body, { rebalance: false });
    });
    return c.body(null, 204);
  })
  .delete(ID, async (c) => {
    // A pool's default queue is protected by its foreign key: deleting it is a 409 integrity error.
    if (!(await deleteWorkQueueById(c.var.db, pathUuid(c, 'id')))) throw notFound('work queue not found');
    return c.body(null, 204);
  });
