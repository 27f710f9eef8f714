/**
 * Leases on global concurrency slots, /v2/concurrency_limits:
 * - POST /leases/{lease_id}/renew: the flow engine keeps its deployment slot, and the SDK's
 *   `concurrency()` its global slots, by renewing the lease. 204 when renewed, 410 when it is gone.
 * - POST /increment-with-lease: takes slots like /increment and records them on a new lease, so
 *   they come back on /decrement-with-lease, or from the reaper if the holder stops renewing.
 * - POST /decrement-with-lease: gives a lease's slots back and deletes it; 204 even when the lease
 *   is unknown (already released or reaped), as in Prefect.
 */
import { Hono } from 'hono';
import * as v from 'valibot';
import { sql } from 'drizzle-orm';
import type { AppEnv } from '../env';
import { detailError } from '../http/errors';
import { embeddedBody } from '../http/validation';
import { laxFloat } from '../schemas/common';
import { pathId, UUID_PARAM } from './orchestration-http';
import { DecrementWithLeaseBody, IncrementWithLeaseBody } from '../schemas/actions/concurrency-limits';
import { incrementSlots, releaseLeaseSlots } from '../queries/concurrency-slots';

const renewBody = v.object({ lease_duration: v.optional(laxFloat(), 300) });

export const concurrencyLeaseRoutes = new Hono<AppEnv>()
  .post('/increment-with-lease', async (c) => {
    const body = await embeddedBody(c, IncrementWithLeaseBody);
    const result = await incrementSlots(c.var.db, body.names, body.slots, body.mode, {
      durationSeconds: body.lease_duration,
      holder: body.holder ?? null,
    });
    if (!result.acquired) return c.json({ detail: 'Locked' }, 423, { 'Retry-After': String(result.retryAfterSeconds) });
    return c.json({ lease_id: result.leaseId, limits: result.limits });
  })
  .post('/decrement-with-lease', async (c) => {
    const body = await embeddedBody(c, DecrementWithLeaseBody);
    await releaseLeaseSlots(c.var.db, body.lease_id);
    return c.body(null, 204);
  })
  .post(`/leases/:id${UUID_PARAM}/renew`, async (c) => {
  const body = await embeddedBody(c, renewBody);
  const result = await c.var.db.execute(sql`
    UPDATE concurrency_lease SET expiration = clock_timestamp() + ${body.lease_duration} * interval '1 second'
    WHERE id = ${pathId(c)} RETURNING id`);
  if (result.rows.length === 0) throw detailError(410, 'Lease not found.');
  return c.body(null, 204);
});
