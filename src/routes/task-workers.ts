/**
 * POST /task_workers/filter. Prefect tracks background task workers in server memory from their
 * websocket subscriptions; this server has no task-worker subscriptions, so the list is always empty.
 * The body is still checked as Prefect checks it.
 */
import { Hono } from 'hono';
import * as v from 'valibot';
import type { AppEnv } from '../env';
import { methodNotAllowed } from '../http/method-not-allowed';
import { list, looseModel, opt, str } from '../schemas/common';
import { readBody } from '../schemas/pagination';
import { describe } from '../openapi/describe';

const FilterBody = v.object({ task_worker_filter: opt(looseModel({ task_keys: list(str()) })) });

export const taskWorkerRoutes = new Hono<AppEnv>()
  .post('/filter', describe({ body: FilterBody }), async (c) => {
    await readBody(c, FilterBody);
    return c.json([]);
  })
  .all('/filter', methodNotAllowed);
