/**
 * Task-run reads: POST /task_runs/filter|count|paginate, GET /task_runs/{id}
 * (../shared/spec/prefect-filters.md §4.3, filters §2.9.5).
 */
import { Hono } from 'hono';
import * as v from 'valibot';
import { eq } from 'drizzle-orm';
import type { AppEnv } from '../env';
import { taskRun } from '../db/schema';
import { notFound } from '../http/errors';
import { methodNotAllowed } from '../http/method-not-allowed';
import { pathUuid, uuidParam } from '../http/params';
import { enumOf, opt } from '../schemas/common';
import { DeploymentFilter, FlowFilter, FlowRunFilter, TASK_RUN_SORTS, TaskRunFilter } from '../schemas/filters';
import { DEFAULT_LIMIT, limitField, offsetField, pageField, readBody } from '../schemas/pagination';
import { TASK_RUN_ORDER, taskRunsCondition } from '../queries/filters';
import { readTaskRuns } from '../queries/read-models';
import { countWhere, paginate } from './read-support';

const filters = {
  flows: opt(FlowFilter),
  flow_runs: opt(FlowRunFilter),
  task_runs: opt(TaskRunFilter),
  deployments: opt(DeploymentFilter),
};
const sort = opt(enumOf(TASK_RUN_SORTS));
const CountBody = v.object(filters);
const FilterBody = v.object({ ...filters, sort, limit: limitField(), offset: offsetField() });
const PaginateBody = v.object({ ...filters, sort, limit: limitField(), page: pageField() });

export const taskRunReadRoutes = new Hono<AppEnv>()
  .post('/filter', async (c) => {
    const body = await readBody(c, FilterBody);
    const runs = await readTaskRuns(c.var.db, {
      where: taskRunsCondition(body),
      orderBy: TASK_RUN_ORDER[body.sort ?? 'ID_DESC'],
      limit: body.limit ?? DEFAULT_LIMIT,
      offset: body.offset ?? 0,
    });
    return c.json(runs);
  })
  .post('/count', async (c) => {
    const body = await readBody(c, CountBody);
    return c.json(await countWhere(c.var.db, taskRun, taskRunsCondition(body)));
  })
  .post('/paginate', async (c) => {
    const body = await readBody(c, PaginateBody);
    const where = taskRunsCondition(body);
    // Prefect's paginate returns the reduced task-run shape.
    const page = await paginate(
      body,
      () => countWhere(c.var.db, taskRun, where),
      (limit, offset) =>
        readTaskRuns(c.var.db, { where, orderBy: TASK_RUN_ORDER[body.sort ?? 'ID_DESC'], limit, offset }, { reduced: true }),
    );
    return c.json(page);
  })
  .all('/filter', methodNotAllowed)
  .all('/count', methodNotAllowed)
  .all('/paginate', methodNotAllowed)
  .get(`/${uuidParam('id')}`, async (c) => {
    const [found] = await readTaskRuns(c.var.db, { where: eq(taskRun.id, pathUuid(c, 'id')) });
    if (!found) throw notFound('Task not found');
    return c.json(found);
  });
