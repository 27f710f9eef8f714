/**
 * Run history for the dashboard: POST /flow_runs/history, /task_runs/history and /flow_runs/lateness.
 * Each answers with one statement (src/queries/run-history.ts).
 */
import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { detailError } from '../http/errors';
import { methodNotAllowed } from '../http/method-not-allowed';
import { readBody } from '../schemas/pagination';
import { FlowRunHistoryBody, LatenessBody, TaskRunHistoryBody } from '../schemas/history';
import { flowRunsCondition, taskRunsCondition } from '../queries/filters';
import { averageFlowRunLateness, intervalCount, runHistory, type HistoryQuery } from '../queries/run-history';
import { parseMicros } from '../time';
import { describe } from '../openapi/describe';

/** 9999-12-31T23:59:59.999999Z, Python's datetime.max, in microseconds. */
const LAST_MICROS = Date.UTC(9999, 11, 31, 23, 59, 59, 999) * 1000 + 999;

/** The range of a history body in microseconds; an interval under one second is Prefect's 422. */
function historyRange(body: { history_start: string; history_end: string; history_interval_seconds: number }) {
  const interval = Math.round(body.history_interval_seconds * 1_000_000);
  if (!(interval >= 1_000_000)) throw detailError(422, 'History interval must not be less than 1 second.');
  // dateTime() has already normalized both to Prefect's format, so they parse.
  const range = { start: parseMicros(body.history_start)!, end: parseMicros(body.history_end)!, interval };
  // Prefect answers 500 when a bucket would end past the last representable time (year 9999); we say why.
  if (range.start + intervalCount(range) * interval > LAST_MICROS) {
    throw detailError(422, 'History interval is too large: the last interval would end after 9999-12-31.');
  }
  return range satisfies Omit<HistoryQuery, 'where'>;
}

export const flowRunHistoryRoutes = new Hono<AppEnv>()
  .post('/history', describe({ body: FlowRunHistoryBody }), async (c) => {
    const body = await readBody(c, FlowRunHistoryBody);
    const where = flowRunsCondition({ ...body, work_pool_queues: body.work_queues });
    return c.json(await runHistory(c.var.db, 'flow_run', { ...historyRange(body), where }));
  })
  .post('/lateness', describe({ body: LatenessBody }), async (c) => {
    const body = await readBody(c, LatenessBody);
    return c.json(await averageFlowRunLateness(c.var.db, flowRunsCondition(body)));
  })
  .all('/history', methodNotAllowed)
  .all('/lateness', methodNotAllowed);

export const taskRunHistoryRoutes = new Hono<AppEnv>()
  .post('/history', describe({ body: TaskRunHistoryBody }), async (c) => {
    const body = await readBody(c, TaskRunHistoryBody);
    return c.json(await runHistory(c.var.db, 'task_run', { ...historyRange(body), where: taskRunsCondition(body) }));
  })
  .all('/history', methodNotAllowed);
