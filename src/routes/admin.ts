import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { detailError, RequestValidationError } from '../http/errors';
import { SERVER_API_VERSION, PREFECT_VERSION } from '../version';

/** Liveness, version and CSRF endpoints; none of them touch the database. */
export const adminRoutes = new Hono<AppEnv>()
  .get('/health', (c) => c.json(true))
  .get('/hello', (c) => c.json('👋'))
  .get('/version', (c) => c.json(SERVER_API_VERSION))
  .get('/admin/version', (c) => c.json(PREFECT_VERSION))
  // CSRF protection is off, as on a default Prefect server: the token endpoint says so.
  .get('/csrf-token', (c) => {
    if (c.req.query('client') === undefined) {
      throw new RequestValidationError([{ type: 'missing', loc: ['query', 'client'], msg: 'Field required', input: null }], null);
    }
    throw detailError(422, 'CSRF protection is disabled.');
  });
