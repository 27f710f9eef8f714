/**
 * The worker protocol under /work_pools/{name}: POST workers/heartbeat, POST workers/filter,
 * DELETE workers/{worker}, POST get_scheduled_flow_runs, POST concurrency_status, and the worker-channel WebSocket
 * (workers/connect), which is refused so that 3.9.1 workers use the REST protocol.
 */
import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { detailError, notFound } from '../http/errors';
import { PoolConcurrencyBody, PoolScheduledRunsBody, WorkerFilterBody, WorkerHeartbeat } from '../schemas/actions/workers';
import { DEFAULT_LIMIT, readBody } from '../schemas/pagination';
import { deletePoolWorker, pollWorkPool, readPoolWorkers, recordWorkerHeartbeat } from '../queries/workers';
import { poolNotFound } from '../queries/work-pools';
import { readWorkPoolConcurrency } from '../queries/work-queue-polling';
import { describe } from '../openapi/describe';

export const workerRoutes = new Hono<AppEnv>()
  .post('/:name/workers/heartbeat', describe({ body: WorkerHeartbeat }), async (c) => {
    const name = c.req.param('name');
    const body = await readBody(c, WorkerHeartbeat);
    if (!(await recordWorkerHeartbeat(c.var.db, name, body.name, body.heartbeat_interval_seconds))) throw poolNotFound(name);
    return c.body(null, 204);
  })
  .post('/:name/workers/filter', describe({ body: WorkerFilterBody }), async (c) => {
    const name = c.req.param('name');
    const body = await readBody(c, WorkerFilterBody);
    const workers = await readPoolWorkers(c.var.db, name, body.workers, body.limit ?? DEFAULT_LIMIT, body.offset ?? 0);
    if (!workers) throw poolNotFound(name);
    return c.json(workers);
  })
  .get('/:name/workers/connect', (c) => {
    const detail = 'The worker channel WebSocket is not served; workers use REST heartbeats and polling.';
    // A 3.9.1 worker treats 404 or 405 on this upgrade as "no worker channel" and falls back to REST
    // heartbeats and polling for good, without retrying. A plain GET is a 404, as in Prefect.
    throw detailError(c.req.header('upgrade')?.toLowerCase() === 'websocket' ? 405 : 404, detail);
  })
  .delete('/:name/workers/:worker', async (c) => {
    const { name, worker } = c.req.param();
    const outcome = await deletePoolWorker(c.var.db, name, worker);
    if (outcome === 'no_pool') throw poolNotFound(name);
    if (outcome === 'no_worker') throw notFound('Worker not found.');
    return c.body(null, 204);
  })
  .post('/:name/get_scheduled_flow_runs', describe({ body: PoolScheduledRunsBody }), async (c) => {
    const body = await readBody(c, PoolScheduledRunsBody);
    const runs = await pollWorkPool(c.var.db, c.req.param('name'), body.work_queue_names, {
      scheduledBefore: body.scheduled_before,
      scheduledAfter: body.scheduled_after,
      limit: body.limit ?? DEFAULT_LIMIT,
    });
    return c.json(runs);
  })
  .post('/:name/concurrency_status', describe({ body: PoolConcurrencyBody }), async (c) => {
    const name = c.req.param('name');
    const body = await readBody(c, PoolConcurrencyBody);
    const status = await readWorkPoolConcurrency(c.var.db, name, body.page ?? 1, body.limit ?? DEFAULT_LIMIT, body.flow_run_limit ?? 10);
    if (!status) throw notFound(`Work pool '${name}' not found.`);
    return c.json(status);
  });
