/** GET /task_run_states/?task_run_id=… (a task run's history, oldest first) and GET /task_run_states/{id}. */
import { Hono } from 'hono';
import { asc, eq } from 'drizzle-orm';
import type { AppEnv } from '../env';
import { taskRunState } from '../db/schema';
import { notFound, RequestValidationError } from '../http/errors';
import { normalizeUuid } from '../schemas/common';
import { serializeState, stateFromRow } from '../orchestration/state-json';
import { pathId, UUID_PARAM } from './orchestration-http';

type Row = typeof taskRunState.$inferSelect;
const toJson = (r: Row) =>
  serializeState(stateFromRow({ id: r.id, type: r.type, name: r.name, timestamp: r.timestamp, message: r.message, data: r.data, state_details: r.stateDetails }));

export const taskRunStateRoutes = new Hono<AppEnv>()
  .get('/', async (c) => {
    const raw = c.req.query('task_run_id');
    const id = raw === undefined ? null : normalizeUuid(raw);
    if (id === null) {
      throw new RequestValidationError(
        [
          raw === undefined
            ? { type: 'missing', loc: ['query', 'task_run_id'], msg: 'Field required', input: null }
            : { type: 'uuid_parsing', loc: ['query', 'task_run_id'], msg: 'Input should be a valid UUID', input: raw },
        ],
        null,
      );
    }
    const rows = await c.var.db.select().from(taskRunState).where(eq(taskRunState.taskRunId, id)).orderBy(asc(taskRunState.timestamp));
    return c.json(rows.map(toJson));
  })
  .get(`/:id${UUID_PARAM}`, async (c) => {
    const [row] = await c.var.db.select().from(taskRunState).where(eq(taskRunState.id, pathId(c)));
    if (!row) throw notFound('Flow run state not found');
    return c.json(toJson(row));
  });
