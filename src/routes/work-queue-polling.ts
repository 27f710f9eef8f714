/**
 * The legacy queue protocol by queue id: POST /work_queues/{id}/get_runs, GET /work_queues/{id}/status,
 * POST /work_queues/{id}/concurrency_status.
 */
import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { notFound } from '../http/errors';
import { pathUuid, uuidParam } from '../http/params';
import { QueueConcurrencyBody, QueueRunsBody } from '../schemas/actions/workers';
import { DEFAULT_LIMIT, readBody } from '../schemas/pagination';
import { pollWorkQueue, readWorkQueueConcurrency, readWorkQueueStatus } from '../queries/work-queue-polling';
import { describe } from '../openapi/describe';

const ID = `/${uuidParam('id')}`;

/** Prefect's bool header parsing: the UI sends `x-prefect-ui: true` so that its reads are not polls. */
const isUiRequest = (value: string | undefined) => ['true', '1', 'yes', 'on', 't', 'y'].includes((value ?? '').trim().toLowerCase());

export const workQueuePollingRoutes = new Hono<AppEnv>()
  .post(`${ID}/get_runs`, describe({ body: QueueRunsBody }), async (c) => {
    const body = await readBody(c, QueueRunsBody);
    const runs = await pollWorkQueue(
      c.var.db,
      pathUuid(c, 'id'),
      { scheduledBefore: body.scheduled_before, limit: body.limit ?? DEFAULT_LIMIT },
      { recordPoll: !isUiRequest(c.req.header('x-prefect-ui')) },
    );
    return c.json(runs);
  })
  .get(`${ID}/status`, async (c) => c.json(await readWorkQueueStatus(c.var.db, pathUuid(c, 'id'))))
  .post(`${ID}/concurrency_status`, describe({ body: QueueConcurrencyBody }), async (c) => {
    const body = await readBody(c, QueueConcurrencyBody);
    const status = await readWorkQueueConcurrency(c.var.db, pathUuid(c, 'id'), body.page ?? 1, body.limit ?? DEFAULT_LIMIT);
    if (!status) throw notFound('Work queue not found.');
    return c.json(status);
  });
