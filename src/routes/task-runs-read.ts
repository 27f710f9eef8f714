/**
 * Task-run reads: POST /task_runs/filter|count|paginate, GET /task_runs/{id}
 * (../shared/spec/prefect-filters.md §4.3, filters §2.9.5).
 */
import { Hono } from 'hono';
import { eq } from 'drizzle-orm';
import type { AppEnv } from '../env';
import { taskRun } from '../db/schema';
import { notFound } from '../http/errors';
import { pathUuid, uuidParam } from '../http/params';
import { opt } from '../schemas/common';
import { DeploymentFilter, FlowFilter, FlowRunFilter, TASK_RUN_SORTS, TaskRunFilter } from '../schemas/filters';
import { TASK_RUN_ORDER, taskRunsCondition } from '../queries/filters';
import { readTaskRuns } from '../queries/read-models';
import { filterCountPaginate } from './read-support';

export const taskRunReadRoutes = new Hono<AppEnv>()
  .route(
    '/',
    filterCountPaginate({
      filters: {
        flows: opt(FlowFilter),
        flow_runs: opt(FlowRunFilter),
        task_runs: opt(TaskRunFilter),
        deployments: opt(DeploymentFilter),
      },
      sorts: TASK_RUN_SORTS,
      defaultSort: 'ID_DESC',
      order: TASK_RUN_ORDER,
      table: taskRun,
      condition: taskRunsCondition,
      read: readTaskRuns,
      // Prefect's paginate returns the reduced task-run shape.
      readPage: (db, q) => readTaskRuns(db, q, { reduced: true }),
    }),
  )
  .get(`/${uuidParam('id')}`, async (c) => {
    const [found] = await readTaskRuns(c.var.db, { where: eq(taskRun.id, pathUuid(c, 'id')) });
    if (!found) throw notFound('Task not found');
    return c.json(found);
  });
