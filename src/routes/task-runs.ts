/**
 * Task run writes: POST /task_runs/ (idempotent), PATCH / DELETE /task_runs/{id}, and
 * POST /task_runs/{id}/set_state (with the reduced task policy of ../orchestration/task-run-policy.ts).
 */
import { Hono } from 'hono';
import { eq } from 'drizzle-orm';
import type { AppEnv } from '../env';
import { methodNotAllowed } from '../http/method-not-allowed';
import { taskRun } from '../db/schema';
import { notFound } from '../http/errors';
import { pathUuid, uuidParam } from '../http/params';
import { embeddedBody, modelBody } from '../http/validation';
import { SetTaskRunStateBody, TaskRunCreate, TaskRunUpdate } from '../schemas/actions/task-runs';
import { deleteTaskRun, insertTaskRun, renameTaskRun, setTaskRunState } from '../queries/task-runs';
import { readTaskRuns, serializeTaskRunState } from '../queries/read-models';
import { nowMicros } from '../time';
import { describe } from '../openapi/describe';

const ID = `/${uuidParam('id')}`;

export const taskRunRoutes = new Hono<AppEnv>()
  .post('/', describe({ body: TaskRunCreate }), async (c) => {
    const body = await modelBody(c, TaskRunCreate);
    const { response, created } = await c.var.db.transaction(async (tx) => {
      const { id, created } = await insertTaskRun(tx, body, nowMicros());
      const [response] = await readTaskRuns(tx, { where: eq(taskRun.id, id) });
      return { response, created };
    });
    return c.json(response, created ? 201 : 200);
  })
  .patch(ID, describe({ body: TaskRunUpdate }), async (c) => {
    const body = await modelBody(c, TaskRunUpdate);
    if (!(await renameTaskRun(c.var.db, pathUuid(c, 'id'), body.name, 'name' in body))) throw notFound('Task run not found');
    return c.body(null, 204);
  })
  .delete(ID, async (c) => {
    if (!(await deleteTaskRun(c.var.db, pathUuid(c, 'id')))) throw notFound('Task not found');
    return c.body(null, 204);
  })
  .post(`${ID}/set_state`, describe({ body: SetTaskRunStateBody }), async (c) => {
    const body = await embeddedBody(c, SetTaskRunStateBody);
    const result = await c.var.db.transaction((tx) => setTaskRunState(tx, pathUuid(c, 'id'), body.state, body.force, nowMicros()));
    return c.json(
      { state: result.state ? serializeTaskRunState(result.state) : null, status: result.status, details: result.details },
      result.wrote ? 201 : 200,
    );
  })
  .all(`${ID}/set_state`, methodNotAllowed);
