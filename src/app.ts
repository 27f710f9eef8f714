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
import { uiPages } from './http/ui';
import { DatabaseValueError, HttpError, toHttpError } from './http/errors';
import { adminRoutes } from './routes/admin';
import { routeTable } from './routes';
import { registerSelfApp } from './http/self-api';
import { automationsAfterWrites } from './services/automations';
import { blockRoutes } from './routes/blocks';
import { uiSettingsRoutes } from './routes/ui-settings';
import { openApiDocument } from './openapi/document';
import { DOCS_PAGE } from './openapi/docs-page';
import { methodNotAllowed } from './http/method-not-allowed';

/** @param servedRoutes the whole app's route list, read when the OpenAPI document is first asked for */
function buildApi(servedRoutes: () => Hono<AppEnv>['routes']) {
  const api = new Hono<AppEnv>({ strict: false });
  api.use('*', apiVersion);
  api.use('*', database);
  api.use('*', automationsAfterWrites);
  api.route('/', adminRoutes);
  for (const [prefix, routes] of routeTable) api.route(prefix, routes);
  api.route('/', blockRoutes);
  let document: ReturnType<typeof openApiDocument> | undefined;
  api.get('/openapi.json', (c) => c.json((document ??= openApiDocument(servedRoutes()))));
  return api;
}

export function createApp() {
  const app = new Hono<AppEnv>({ strict: false });
  // Before routing, so that they run once per request and cover unknown paths too. CORS comes first:
  // a preflight is answered before authentication, and a 401 still carries the CORS headers.
  app.use('*', cors);
  // The UI's pages are public files, as on Prefect's server (the UI itself asks for credentials).
  app.use('*', uiPages);
  app.use('*', authenticate);
  app.use('*', requestLimits);
  const api = buildApi(() => app.routes);
  // At the root only: Prefect serves it from its UI app, not its API.
  app.route('/', uiSettingsRoutes);
  // Interactive API docs at the root, where `prefect server start` has them.
  app.get('/docs', (c) => c.html(DOCS_PAGE));
  app.route('/api', api);
  app.route('/', api);
  // A path that exists under other methods is a 405, as in Prefect (FastAPI), for every route at once.
  let routesByMethod: Hono | undefined;
  app.notFound((c) => {
    routesByMethod ??= methodIndex(app);
    const method = c.req.method === 'HEAD' ? 'GET' : c.req.method;
    const elsewhere = ROUTE_METHODS.some((m) => m !== method && routesByMethod!.router.match(m, c.req.path)[0].length > 0);
    return elsewhere ? methodNotAllowed(c) : c.json({ detail: 'Not Found' }, 404);
  });
  app.onError(async (err, c) => {
    let httpError =
      err instanceof HTTPException && !(err instanceof HttpError)
        ? new HttpError(err.status, { detail: err.message || 'Error' })
        : toHttpError(err);
    if (httpError instanceof DatabaseValueError) httpError = httpError.withRequestBody(await requestBodyForError(c));
    if (httpError.status >= 500) console.error(`${c.req.method} ${c.req.path} failed:`, err);
    return c.json(httpError.body as object, httpError.status as 400);
  });
  return app;
}

const ROUTE_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** A router holding only the app's method-specific routes (not middleware or catch-alls), to ask "which methods serve this path?". */
function methodIndex(app: Hono<AppEnv>): Hono {
  const index = new Hono({ strict: false });
  const found = () => new Response(null);
  for (const r of app.routes) if (ROUTE_METHODS.includes(r.method)) index.on(r.method, r.path, found);
  return index;
}

/** The request's JSON body as the handler read it (Hono caches it), or null; for 422 bodies only. */
async function requestBodyForError(c: { req: { text(): Promise<string> } }): Promise<unknown> {
  try {
    const text = await c.req.text();
    return text.trim() === '' ? null : (JSON.parse(text) as unknown);
  } catch {
    return null;
  }
}

export const app = createApp();
registerSelfApp(app);
