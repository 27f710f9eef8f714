/**
 * The UI's aggregate endpoints, /ui/flows, /ui/flow_runs and /ui/task_runs (Prefect 3.9.1's
 * `server/api/ui/`): what the flows, runs and dashboard pages ask for in one request instead of one per
 * row. Each answers with one SQL statement (src/queries/ui.ts).
 */
import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { detailError, notFound } from '../http/errors';
import { methodNotAllowed } from '../http/method-not-allowed';
import { pathUuid, uuidParam } from '../http/params';
import { readBody } from '../schemas/pagination';
import { DashboardCountsBody, FlowIdsBody, FlowRunIdsBody, TaskRunCountByStateBody, UiFlowRunHistoryBody } from '../schemas/ui';
import { FLOW_RUN_ORDER, flowRunsCondition, taskRunsCondition } from '../queries/filters';
import {
  dashboardTaskRunCounts,
  deploymentCountsByFlow,
  flowRunHistoryPoints,
  nextRunsByFlow,
  readTaskRunWithFlowRunName,
  taskRunCountsByFlowRun,
  taskRunCountsByState,
  taskRunsOnPoolsCondition,
} from '../queries/ui';
import { TERMINAL_TYPES } from '../orchestration/states';
import { nowMicros, parseMicros } from '../time';
import { describe } from '../openapi/describe';

export const uiFlowRoutes = new Hono<AppEnv>()
  .post('/count-deployments', describe({ body: FlowIdsBody }), async (c) => {
    const body = await readBody(c, FlowIdsBody);
    return c.json(await deploymentCountsByFlow(c.var.db, body.flow_ids));
  })
  .post('/next-runs', describe({ body: FlowIdsBody }), async (c) => {
    const body = await readBody(c, FlowIdsBody);
    return c.json(await nextRunsByFlow(c.var.db, body.flow_ids));
  })
  .all('/count-deployments', methodNotAllowed)
  .all('/next-runs', methodNotAllowed);

export const uiFlowRunRoutes = new Hono<AppEnv>()
  .post('/history', describe({ body: UiFlowRunHistoryBody }), async (c) => {
    const body = await readBody(c, UiFlowRunHistoryBody);
    const points = await flowRunHistoryPoints(c.var.db, {
      where: flowRunsCondition(body),
      orderBy: FLOW_RUN_ORDER[body.sort ?? 'EXPECTED_START_TIME_DESC'],
      limit: body.limit ?? 1000,
      offset: body.offset ?? 0,
    });
    return c.json(points);
  })
  .post('/count-task-runs', describe({ body: FlowRunIdsBody }), async (c) => {
    const body = await readBody(c, FlowRunIdsBody);
    return c.json(await taskRunCountsByFlowRun(c.var.db, body.flow_run_ids));
  })
  .all('/history', methodNotAllowed)
  .all('/count-task-runs', methodNotAllowed);

const MINUTE = 60_000_000;

export const uiTaskRunRoutes = new Hono<AppEnv>()
  .post('/dashboard/counts', describe({ body: DashboardCountsBody }), async (c) => {
    const body = await readBody(c, DashboardCountsBody);
    const after = body.task_runs.start_time?.after_;
    if (!after) throw detailError(422, 'task_runs.start_time.after_ is required');
    const before = body.task_runs.start_time?.before_;
    // From the start of after_'s minute to the end of before_'s (or the current) minute.
    const start = Math.floor(parseMicros(after)! / MINUTE) * MINUTE;
    const end = Math.floor((before ? parseMicros(before)! : nowMicros()) / MINUTE) * MINUTE + MINUTE - 1;
    if (end <= start) return c.json(Array.from({ length: 20 }, () => ({ completed: 0, failed: 0 })));
    // Only finished runs count: the caller's state filter is replaced, as in Prefect.
    const taskRuns = { ...body.task_runs, state: { type: { any_: [...TERMINAL_TYPES] } } };
    const where = taskRunsOnPoolsCondition({ ...body, task_runs: taskRuns });
    return c.json(await dashboardTaskRunCounts(c.var.db, { start, end }, where));
  })
  .post('/count', describe({ body: TaskRunCountByStateBody }), async (c) => {
    const body = await readBody(c, TaskRunCountByStateBody);
    return c.json(await taskRunCountsByState(c.var.db, taskRunsCondition(body)));
  })
  .get(`/${uuidParam('id')}`, async (c) => {
    const found = await readTaskRunWithFlowRunName(c.var.db, pathUuid(c, 'id'));
    if (!found) throw notFound('Task not found');
    return c.json(found);
  })
  .all('/dashboard/counts', methodNotAllowed)
  .all('/count', methodNotAllowed);
