/**
 * Logs: POST /logs/ (what the SDK's log handler calls while a run executes), POST /logs/filter, and the
 * /logs/out WebSocket (../events/logs-out.ts).
 */
import { Hono } from 'hono';
import * as v from 'valibot';
import type { AppEnv } from '../env';
import { methodNotAllowed } from '../http/method-not-allowed';
import { modelBody } from '../http/validation';
import { LogCreateList } from '../schemas/actions/logs';
import { enumOf, opt } from '../schemas/common';
import { LOG_SORTS, LogFilter } from '../schemas/filters';
import { DEFAULT_LIMIT, limitField, offsetField, readBody } from '../schemas/pagination';
import { LOG_ORDER, logFilterSql } from '../queries/filters';
import { TRUE } from '../queries/filter-sql/criteria';
import { insertLogs, readLogs } from '../queries/logs';
import { logsOutSocket } from '../events/logs-out';
import { describe } from '../openapi/describe';

const FilterBody = v.object({
  logs: opt(LogFilter),
  sort: opt(enumOf(LOG_SORTS)),
  limit: limitField(),
  offset: offsetField(),
});

export const logRoutes = new Hono<AppEnv>()
  .post('/', describe({ body: LogCreateList }), async (c) => {
    const logs = await modelBody(c, LogCreateList);
    await insertLogs(c.var.db, logs);
    // Prefect answers 201 with a JSON null body.
    return c.json(null, 201);
  })
  .post('/filter', describe({ body: FilterBody }), async (c) => {
    const body = await readBody(c, FilterBody);
    const logs = await readLogs(c.var.db, {
      where: body.logs ? logFilterSql(body.logs) : TRUE,
      orderBy: LOG_ORDER[body.sort ?? 'TIMESTAMP_ASC'],
      limit: body.limit ?? DEFAULT_LIMIT,
      offset: body.offset ?? 0,
    });
    return c.json(logs);
  })
  .get('/out', logsOutSocket)
  .all('/', methodNotAllowed)
  .all('/filter', methodNotAllowed);
