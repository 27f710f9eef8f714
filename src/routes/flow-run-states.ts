/** GET /flow_run_states/?flow_run_id=… (a run's history, oldest first) and GET /flow_run_states/{id}. */
import { Hono } from 'hono';
import { asc, eq } from 'drizzle-orm';
import type { AppEnv } from '../env';
import { flowRunState } from '../db/schema';
import { notFound, RequestValidationError } from '../http/errors';
import { normalizeUuid } from '../schemas/common';
import { serializeState, stateFromRow } from '../orchestration/state-json';
import { pathId, UUID_PARAM } from './orchestration-http';

type Row = typeof flowRunState.$inferSelect;
const toJson = (r: Row) =>
  serializeState(stateFromRow({ id: r.id, type: r.type, name: r.name, timestamp: r.timestamp, message: r.message, data: r.data, state_details: r.stateDetails }));

export const flowRunStateRoutes = new Hono<AppEnv>()
  .get('/', async (c) => {
    const raw = c.req.query('flow_run_id');
    const id = raw === undefined ? null : normalizeUuid(raw);
    if (id === null) {
      throw new RequestValidationError(
        [
          raw === undefined
            ? { type: 'missing', loc: ['query', 'flow_run_id'], msg: 'Field required', input: null }
            : { type: 'uuid_parsing', loc: ['query', 'flow_run_id'], msg: 'Input should be a valid UUID', input: raw },
        ],
        null,
      );
    }
    const rows = await c.var.db.select().from(flowRunState).where(eq(flowRunState.flowRunId, id)).orderBy(asc(flowRunState.timestamp));
    return c.json(rows.map(toJson));
  })
  .get(`/:id${UUID_PARAM}`, async (c) => {
    const [row] = await c.var.db.select().from(flowRunState).where(eq(flowRunState.id, pathId(c)));
    if (!row) throw notFound('Flow run state not found');
    return c.json(toJson(row));
  });
