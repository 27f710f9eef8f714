/**
 * The Hono app: middleware, one error handler, and every resource's routes mounted both at the root
 * and under /api (where PREFECT_API_URL points).
 */
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { AppEnv } from './env';
import { apiVersion, database } from './http/middleware';
import { authenticate } from './http/auth';
import { cors } from './http/cors';
import { requestLimits } from './http/limits';
import { HttpError, toHttpError } from './http/errors';
import { adminRoutes } from './routes/admin';
import { routeTable } from './routes';
import { registerSelfApp } from './http/self-api';
import { automationsAfterWrites } from './services/automations';
import { blockRoutes } from './routes/blocks';
import { uiSettingsRoutes } from './routes/ui-settings';

function buildApi() {
  const api = new Hono<AppEnv>({ strict: false });
  api.use('*', apiVersion);
  api.use('*', database);
  api.use('*', automationsAfterWrites);
  api.route('/', adminRoutes);
  for (const [prefix, routes] of routeTable) api.route(prefix, routes);
  api.route('/', blockRoutes);
  return api;
}

export function createApp() {
  const app = new Hono<AppEnv>({ strict: false });
  // Before routing, so that they run once per request and cover unknown paths too. CORS comes first:
  // a preflight is answered before authentication, and a 401 still carries the CORS headers.
  app.use('*', cors);
  app.use('*', authenticate);
  app.use('*', requestLimits);
  const api = buildApi();
  // At the root only: Prefect serves it from its UI app, not its API.
  app.route('/', uiSettingsRoutes);
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
registerSelfApp(app);
