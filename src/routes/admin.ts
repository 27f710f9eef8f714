import { Hono } from 'hono';
import type { AppEnv } from '../env';
import * as v from 'valibot';
import { detailError, notFound, RequestValidationError } from '../http/errors';
import { modelBody } from '../http/validation';
import { uuid } from '../schemas/common';
import { SERVER_API_VERSION, PREFECT_VERSION } from '../version';
import { adminSettings } from '../schemas/admin-settings';
import { isDatabaseReachable } from '../queries/readiness';
import { describe } from '../openapi/describe';

/** Blocks are not served, so no block can be the server's default result storage. */
const StorageUpdate = v.object({ default_result_storage_block_id: uuid() });

/** Liveness, readiness, version, settings, CSRF and default-storage endpoints; only /ready touches the database. */
export const adminRoutes = new Hono<AppEnv>()
  .get('/health', (c) => c.json(true))
  .get('/hello', (c) => c.json('👋'))
  // Readiness: 200 once the database answers a query, 503 with Prefect's message otherwise.
  .get('/ready', async (c) =>
    (await isDatabaseReachable(c.var.db))
      ? c.json({ message: 'OK' })
      : c.json({ message: 'Database is not available' }, 503),
  )
  .get('/admin/settings', (c) => c.json(adminSettings(c.env, c.req.url)))
  .get('/version', (c) => c.json(SERVER_API_VERSION))
  .get('/admin/version', (c) => c.json(PREFECT_VERSION))
  // CSRF protection is off, as on a default Prefect server: the token endpoint says so.
  .get('/csrf-token', (c) => {
    if (c.req.query('client') === undefined) {
      throw new RequestValidationError([{ type: 'missing', loc: ['query', 'client'], msg: 'Field required', input: null }], null);
    }
    throw detailError(422, 'CSRF protection is disabled.');
  })
  // The server default result storage block: always unset, since blocks are not served.
  .get('/admin/storage', (c) => c.json({ default_result_storage_block_id: null }))
  .put('/admin/storage', describe({ body: StorageUpdate }), async (c) => {
    const body = await modelBody(c, StorageUpdate);
    throw notFound(`Block document ${body.default_result_storage_block_id} not found.`);
  })
  .delete('/admin/storage', (c) => c.body(null, 204));
