/**
 * GET /ui-settings: what Prefect's UIs (V1 and V2) read first, to find the API and whether to ask for a
 * login. Served at the root only and without authentication, as Prefect's UI app serves it.
 */
import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { methodNotAllowed } from '../http/method-not-allowed';
import { uiSettings } from '../schemas/ui-settings';

export const uiSettingsRoutes = new Hono<AppEnv>()
  .get('/ui-settings', (c) => c.json(uiSettings(c.env, c.req.url)))
  .all('/ui-settings', methodNotAllowed);
