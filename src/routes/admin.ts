import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { SERVER_API_VERSION, PREFECT_VERSION } from '../version';

/** Liveness and version endpoints; none of them touch the database. */
export const adminRoutes = new Hono<AppEnv>()
  .get('/health', (c) => c.json(true))
  .get('/hello', (c) => c.json('👋'))
  .get('/version', (c) => c.json(SERVER_API_VERSION))
  .get('/admin/version', (c) => c.json(PREFECT_VERSION));
