/**
 * POST /v2/concurrency_limits/leases/{lease_id}/renew: the flow engine keeps its deployment slot by
 * renewing the lease its RUNNING state names. 204 when renewed, 410 when the lease is gone.
 */
import { Hono } from 'hono';
import * as v from 'valibot';
import { sql } from 'drizzle-orm';
import type { AppEnv } from '../env';
import { detailError } from '../http/errors';
import { embeddedBody } from '../http/validation';
import { laxFloat } from '../schemas/common';
import { pathId, UUID_PARAM } from './orchestration-http';

const renewBody = v.object({ lease_duration: v.optional(laxFloat(), 300) });

export const concurrencyLeaseRoutes = new Hono<AppEnv>().post(`/leases/:id${UUID_PARAM}/renew`, async (c) => {
  const body = await embeddedBody(c, renewBody);
  const result = await c.var.db.execute(sql`
    UPDATE concurrency_lease SET expiration = clock_timestamp() + ${body.lease_duration} * interval '1 second'
    WHERE id = ${pathId(c)} RETURNING id`);
  if (result.rows.length === 0) throw detailError(410, 'Lease not found.');
  return c.body(null, 204);
});
