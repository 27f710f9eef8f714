/** GET /flow_runs/{id}/logs/download: the run's logs as a CSV attachment (src/queries/flow-run-logs-csv.ts). */
import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { notFound } from '../http/errors';
import { pathUuid, uuidParam } from '../http/params';
import { flowRunLogsCsv, pythonQuote } from '../queries/flow-run-logs-csv';

export const flowRunLogRoutes = new Hono<AppEnv>().get(`/${uuidParam('id')}/logs/download`, async (c) => {
  const found = await flowRunLogsCsv(c.var.db, pathUuid(c, 'id'));
  if (!found) throw notFound('Flow run not found');
  return c.body(found.csv, 200, {
    'content-type': 'text/csv; charset=utf-8',
    'content-disposition': `attachment; filename="flow-run-logs.csv"; filename*=UTF-8''${pythonQuote(`${found.runName}-logs.csv`)}`,
  });
});
