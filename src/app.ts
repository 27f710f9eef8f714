/**
 * The Hono app: middleware, one error handler, and every resource's routes mounted both at the root
 * and under /api (where PREFECT_API_URL points).
 */
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { AppEnv } from './env';
import { apiVersion, database } from './http/middleware';
import { authenticate } from './http/auth';
import { requestLimits } from './http/limits';
import { uiPages } from './http/ui';
import { HttpError, toHttpError } from './http/errors';
import { adminRoutes } from './routes/admin';
import { routeTable } from './routes';

function buildApi() {
  const api = new Hono<AppEnv>({ strict: false });
  api.use('*', apiVersion);
  api.use('*', database);
  api.route('/', adminRoutes);
  for (const [prefix, routes] of routeTable) api.route(prefix, routes);
  return api;
}

export function createApp() {
  const app = new Hono<AppEnv>({ strict: false });
  // The UI's pages are public files, as on Prefect's server (the UI itself asks for credentials).
  app.use('*', uiPages);
  // Before routing, so that they run once per request and cover unknown paths too.
  app.use('*', authenticate);
  app.use('*', requestLimits);
  const api = buildApi();
  app.route('/api', api);
  app.route('/', api);
  app.notFound((c) => c.json({ detail: 'Not Found' }, 404));
  app.onError((err, c) => {
    const httpError =
      err instanceof HTTPException && !(err instanceof HttpError)
        ? new HttpError(err.status, { detail: err.message || 'Error' })
        : toHttpError(err);
    if (httpError.status >= 500) console.error(`${c.req.method} ${c.req.path} failed:`, err);
    return c.json(httpError.body as object, httpError.status as 400);
  });
  return app;
}

export const app = createApp();
