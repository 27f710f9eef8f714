/**
 * Leases on global concurrency slots, /v2/concurrency_limits:
 * - POST /leases/{lease_id}/renew: the flow engine keeps its deployment slot, and the SDK's
 *   `concurrency()` its global slots, by renewing the lease. 204 when renewed, 410 when it is gone.
 *   `lease_duration` is 60…86400 s, and a non-UUID `lease_id` is a 422 (not a 404: Prefect types the
 *   path parameter instead of constraining the route), as in Prefect 3.9.1.
 * - POST /increment-with-lease: takes slots like /increment and records them on a new lease, so
 *   they come back on /decrement-with-lease, or from the reaper if the holder stops renewing.
 * - POST /decrement-with-lease: gives a lease's slots back and deletes it; 204 even when the lease
 *   is unknown (already released or reaped), as in Prefect.
 */
import { Hono } from 'hono';
import * as v from 'valibot';
import { sql } from 'drizzle-orm';
import type { AppEnv } from '../env';
import { detailError, RequestValidationError, type ValidationIssue } from '../http/errors';
import { embeddedBody, readJson, toValidationIssue } from '../http/validation';
import { uuid } from '../schemas/common';
import { DecrementWithLeaseBody, IncrementWithLeaseBody, leaseDuration } from '../schemas/actions/concurrency-limits';
import { incrementSlots, releaseLeaseSlots } from '../queries/concurrency-slots';
import { describe } from '../openapi/describe';

const renewBody = v.object({ lease_duration: leaseDuration() });

export const concurrencyLeaseRoutes = new Hono<AppEnv>()
  .post('/increment-with-lease', describe({ body: IncrementWithLeaseBody }), async (c) => {
    const body = await embeddedBody(c, IncrementWithLeaseBody);
    const result = await incrementSlots(c.var.db, body.names, body.slots, body.mode, {
      durationSeconds: body.lease_duration,
      holder: body.holder ?? null,
    });
    if (!result.acquired) return c.json({ detail: 'Locked' }, 423, { 'Retry-After': String(result.retryAfterSeconds) });
    return c.json({ lease_id: result.leaseId, limits: result.limits });
  })
  .post('/decrement-with-lease', describe({ body: DecrementWithLeaseBody }), async (c) => {
    const body = await embeddedBody(c, DecrementWithLeaseBody);
    await releaseLeaseSlots(c.var.db, body.lease_id);
    return c.body(null, 204);
  })
  .post('/leases/:id/renew', describe({ body: renewBody }), async (c) => {
    // Path and body errors are reported together, path first, as FastAPI does.
    const id = v.safeParse(uuid(), c.req.param('id'));
    const pathIssues: ValidationIssue[] = id.success ? [] : id.issues.map((i) => toValidationIssue(i, ['path', 'lease_id']));
    let body: v.InferOutput<typeof renewBody>;
    try {
      body = await embeddedBody(c, renewBody);
    } catch (err) {
      if (pathIssues.length === 0 || !(err instanceof RequestValidationError)) throw err;
      throw new RequestValidationError([...pathIssues, ...err.issues], (err.body as { request_body: unknown }).request_body);
    }
    if (!id.success) throw new RequestValidationError(pathIssues, await readJsonOrNull(c));
    const result = await c.var.db.execute(sql`
      UPDATE concurrency_lease SET expiration = clock_timestamp() + ${body.lease_duration} * interval '1 second'
      WHERE id = ${id.output} RETURNING id`);
    if (result.rows.length === 0) throw detailError(410, 'Lease not found - it may have expired or been revoked');
    return c.body(null, 204);
  });

/** The request body for a 422's `request_body`, read again (Hono caches it); null when absent or not JSON. */
async function readJsonOrNull(c: Parameters<typeof readJson>[0]): Promise<unknown> {
  try {
    return (await readJson(c)) ?? null;
  } catch {
    return null;
  }
}
