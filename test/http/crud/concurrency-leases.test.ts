/**
 * Global concurrency with leases: POST /v2/concurrency_limits/increment-with-lease, /decrement-with-lease
 * and /leases/{id}/renew, and the cron reaper giving back the slots of expired leases.
 */
import { describe, expect, it } from 'vitest';
import { env } from 'cloudflare:workers';
import { sql } from 'drizzle-orm';
import { get, post, randomName, withDb } from '../helpers';
import { runMaintenance } from '../../../src/services';

const BASE = '/v2/concurrency_limits';

const createLimit = async (extra: Record<string, unknown> = {}) =>
  (await post(`${BASE}/`, { name: randomName('lease'), limit: 2, ...extra })).body as { id: string; name: string; limit: number };

const activeSlots = async (id: string): Promise<number> => (await get(`${BASE}/${id}`)).body.active_slots;

const acquire = (names: string[], slots = 1, extra: Record<string, unknown> = {}) =>
  post(`${BASE}/increment-with-lease`, { names, slots, ...extra });

const release = (leaseId: string) => post(`${BASE}/decrement-with-lease`, { lease_id: leaseId });

interface LeaseRow {
  id: string;
  resource_ids: string[];
  metadata: { slots: number; holder: unknown };
  ttl: number;
}

async function leaseRow(id: string): Promise<LeaseRow | undefined> {
  const r = await withDb((db) =>
    db.execute(sql`SELECT id, resource_ids, metadata, extract(epoch FROM expiration - clock_timestamp())::float8 AS ttl
                   FROM concurrency_lease WHERE id = ${id}`),
  );
  return r.rows[0] as LeaseRow | undefined;
}

const leaseCount = async (limitId: string): Promise<number> => {
  const r = await withDb((db) => db.execute(sql`SELECT count(*)::int AS n FROM concurrency_lease WHERE ${limitId}::uuid = ANY(resource_ids)`));
  return (r.rows[0] as { n: number }).n;
};

const expire = (leaseId: string) =>
  withDb((db) => db.execute(sql`UPDATE concurrency_lease SET expiration = clock_timestamp() - interval '1 second' WHERE id = ${leaseId}`));

describe('increment-with-lease / decrement-with-lease', () => {
  it('takes slots and records them on a lease; releasing gives them back and deletes the lease', async () => {
    const limit = await createLimit({ limit: 3 });
    const holder = { type: 'task_run', id: crypto.randomUUID() };
    const res = await acquire([limit.name], 2, { holder, lease_duration: 120 });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual(['lease_id', 'limits']);
    expect(res.body.limits).toEqual([{ id: limit.id, name: limit.name, limit: 3 }]);
    expect(await activeSlots(limit.id)).toBe(2);

    const lease = await leaseRow(res.body.lease_id);
    expect(lease).toMatchObject({ resource_ids: [limit.id], metadata: { slots: 2, holder } });
    expect(lease!.ttl).toBeGreaterThan(60);
    expect(lease!.ttl).toBeLessThanOrEqual(120);

    const before = (await get(`${BASE}/${limit.id}`)).body;
    const done = await release(res.body.lease_id);
    expect(done.status).toBe(204);
    expect(done.body).toBeNull();
    expect(await activeSlots(limit.id)).toBe(0);
    expect(await leaseRow(res.body.lease_id)).toBeUndefined();
    // The time held is folded into the average occupancy, as a plain decrement with occupancy_seconds does.
    const r = await withDb((db) => db.execute(sql`SELECT avg_slot_occupancy_seconds AS avg FROM concurrency_limit_v2 WHERE id = ${limit.id}`));
    expect((r.rows[0] as { avg: number }).avg).not.toBe(2);
    expect(before.active_slots).toBe(2);
  });

  it('defaults: a 300 s lease with no holder; null means the default', async () => {
    const limit = await createLimit();
    const res = await acquire([limit.name], 1, { lease_duration: null, holder: null, mode: null });
    expect(res.status).toBe(200);
    const lease = await leaseRow(res.body.lease_id);
    expect(lease!.metadata).toEqual({ slots: 1, holder: null });
    expect(lease!.ttl).toBeGreaterThan(240);
    expect(lease!.ttl).toBeLessThanOrEqual(300);
  });

  it('a full limit is 423 with Retry-After, and neither slots nor a lease are taken', async () => {
    const a = await createLimit();
    const b = await createLimit({ limit: 1 });
    const first = await acquire([a.name, b.name]);
    expect(first.status).toBe(200);
    expect(first.body.limits.map((x: { id: string }) => x.id).sort()).toEqual([a.id, b.id].sort());
    const full = await acquire([a.name, b.name]);
    expect(full.status).toBe(423);
    expect(full.body).toEqual({ detail: 'Locked' });
    expect(Number(full.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await activeSlots(a.id)).toBe(1);
    expect(await leaseCount(a.id)).toBe(1);
    // Releasing the first lease frees both limits, and the next caller gets in.
    expect((await release(first.body.lease_id)).status).toBe(204);
    expect([await activeSlots(a.id), await activeSlots(b.id)]).toEqual([0, 0]);
    expect((await acquire([a.name, b.name])).status).toBe(200);
  });

  it('the lease names every limit found, inactive ones included; only active ones are counted', async () => {
    const a = await createLimit();
    const inactive = await createLimit({ active: false, active_slots: 1 });
    const res = await acquire([a.name, inactive.name, randomName('no-such-limit')]);
    expect(res.status).toBe(200);
    expect(res.body.limits).toHaveLength(2);
    expect((await leaseRow(res.body.lease_id))!.resource_ids.sort()).toEqual([a.id, inactive.id].sort());
    expect([await activeSlots(a.id), await activeSlots(inactive.id)]).toEqual([1, 1]);
    await release(res.body.lease_id);
    expect([await activeSlots(a.id), await activeSlots(inactive.id)]).toEqual([0, 1]);
  });

  it('names that match no limit still get a lease, with no limits (as in Prefect)', async () => {
    const res = await acquire([randomName('no-such-limit')]);
    expect(res.status).toBe(200);
    expect(res.body.limits).toEqual([]);
    expect(await leaseRow(res.body.lease_id)).toMatchObject({ resource_ids: [] });
    expect((await release(res.body.lease_id)).status).toBe(204);
  });

  it('releasing twice, or an unknown lease, gives nothing back again (204)', async () => {
    const limit = await createLimit({ limit: 3 });
    const kept = await acquire([limit.name]);
    const released = await acquire([limit.name], 2);
    expect(await activeSlots(limit.id)).toBe(3);
    expect((await release(released.body.lease_id)).status).toBe(204);
    expect(await activeSlots(limit.id)).toBe(1);
    expect((await release(released.body.lease_id)).status).toBe(204);
    expect((await release(crypto.randomUUID())).status).toBe(204);
    expect(await activeSlots(limit.id)).toBe(1);
    expect(await leaseRow(kept.body.lease_id)).toBeDefined();
  });

  it('concurrent releases of one lease give its slots back exactly once', async () => {
    const limit = await createLimit({ limit: 4 });
    await acquire([limit.name]);
    const lease = await acquire([limit.name], 2);
    const results = await Promise.all(Array.from({ length: 4 }, () => release(lease.body.lease_id)));
    expect(results.map((r) => r.status)).toEqual([204, 204, 204, 204]);
    expect(await activeSlots(limit.id)).toBe(1);
  });

  it('concurrent acquires never take more slots than the limit', async () => {
    const limit = await createLimit({ limit: 3 });
    const results = await Promise.all(Array.from({ length: 6 }, () => acquire([limit.name])));
    expect(results.filter((r) => r.status === 200)).toHaveLength(3);
    expect(results.filter((r) => r.status === 423)).toHaveLength(3);
    expect(await activeSlots(limit.id)).toBe(3);
    expect(await leaseCount(limit.id)).toBe(3);
  });

  it('an expired lease is reaped: its slots come back once, and renewing or releasing it after does nothing', async () => {
    const limit = await createLimit({ limit: 3 });
    const kept = await acquire([limit.name]);
    const lost = await acquire([limit.name], 2);
    expect(await activeSlots(limit.id)).toBe(3);
    await expire(lost.body.lease_id);
    const { reaped } = await runMaintenance(env);
    expect(reaped).toBeGreaterThanOrEqual(1);
    expect(await activeSlots(limit.id)).toBe(1);
    expect(await leaseRow(lost.body.lease_id)).toBeUndefined();
    const renew = await post(`${BASE}/leases/${lost.body.lease_id}/renew`, { lease_duration: 300 });
    expect(renew.status).toBe(410);
    expect((await release(lost.body.lease_id)).status).toBe(204);
    expect(await activeSlots(limit.id)).toBe(1);
    // The live lease was not touched.
    expect(await leaseRow(kept.body.lease_id)).toBeDefined();
  });

  it('an expired lease not yet reaped can still be released (Prefect reads it until the reaper runs)', async () => {
    const limit = await createLimit();
    const lease = await acquire([limit.name]);
    await expire(lease.body.lease_id);
    expect((await release(lease.body.lease_id)).status).toBe(204);
    expect(await activeSlots(limit.id)).toBe(0);
    await runMaintenance(env);
    expect(await activeSlots(limit.id)).toBe(0);
  });

  it('renewing keeps the lease (and its slots) past the reaper', async () => {
    const limit = await createLimit();
    const lease = await acquire([limit.name], 1, { lease_duration: 60 });
    await expire(lease.body.lease_id);
    const renew = await post(`${BASE}/leases/${lease.body.lease_id}/renew`, { lease_duration: 600 });
    expect(renew.status).toBe(204);
    expect((await leaseRow(lease.body.lease_id))!.ttl).toBeGreaterThan(500);
    await runMaintenance(env);
    expect(await activeSlots(limit.id)).toBe(1);
    expect((await release(lease.body.lease_id)).status).toBe(204);
    expect(await activeSlots(limit.id)).toBe(0);
    expect((await post(`${BASE}/leases/${lease.body.lease_id}/renew`, {})).status).toBe(410);
  });
});

describe('increment-with-lease / decrement-with-lease: 422s', () => {
  const detail = async (path: string, body: unknown) => {
    const res = await post(`${BASE}/${path}`, body);
    expect(res.status).toBe(422);
    return res.body.exception_detail as { type: string; loc: (string | number)[]; msg: string; ctx?: unknown }[];
  };

  it('more slots than the limit, or rate limiting without decay: detail 422, nothing taken', async () => {
    const limit = await createLimit();
    const tooMany = await acquire([limit.name], 3);
    expect(tooMany.status).toBe(422);
    expect(tooMany.body).toEqual({ detail: 'Slots requested is greater than the limit' });
    const rate = await acquire([limit.name], 1, { mode: 'rate_limit' });
    expect(rate.status).toBe(422);
    expect(rate.body.detail).toMatch(/^Only concurrency limits with slot decay can be used for rate limiting/);
    expect(await activeSlots(limit.id)).toBe(0);
    expect(await leaseCount(limit.id)).toBe(0);
    const decaying = await createLimit({ slot_decay_per_second: 1 });
    expect((await acquire([decaying.name], 1, { mode: 'rate_limit' })).status).toBe(200);
  });

  it('increment-with-lease body validation, in Pydantic shape', async () => {
    const limit = await createLimit();
    const n = [limit.name];
    expect((await detail('increment-with-lease', { names: n }))[0]).toMatchObject({ type: 'missing', loc: ['body', 'slots'] });
    expect((await detail('increment-with-lease', { names: n, slots: 0 }))[0]).toMatchObject({ type: 'greater_than', loc: ['body', 'slots'] });
    expect((await detail('increment-with-lease', { names: [], slots: 1 }))[0]).toMatchObject({ type: 'too_short', loc: ['body', 'names'] });
    expect((await detail('increment-with-lease', { names: n, slots: 1, mode: 'x' }))[0]).toEqual({
      type: 'literal_error',
      loc: ['body', 'mode'],
      msg: "Input should be 'concurrency' or 'rate_limit'",
      input: 'x',
      ctx: { expected: "'concurrency' or 'rate_limit'" },
    });
    expect((await detail('increment-with-lease', { names: n, slots: 1, lease_duration: 59 }))[0]).toEqual({
      type: 'greater_than_equal',
      loc: ['body', 'lease_duration'],
      msg: 'Input should be greater than or equal to 60',
      input: 59,
      ctx: { ge: 60 },
    });
    expect((await detail('increment-with-lease', { names: n, slots: 1, lease_duration: 86401 }))[0]).toMatchObject({
      type: 'less_than_equal',
      loc: ['body', 'lease_duration'],
      ctx: { le: 86400 },
    });
    expect((await detail('increment-with-lease', { names: n, slots: 1, lease_duration: 'abc' }))[0]).toMatchObject({
      type: 'float_parsing',
      loc: ['body', 'lease_duration'],
    });
    expect((await detail('increment-with-lease', { names: n, slots: 1, holder: 5 }))[0]).toMatchObject({
      type: 'model_attributes_type',
      loc: ['body', 'holder'],
    });
    const holder = await detail('increment-with-lease', { names: n, slots: 1, holder: { type: 'x', id: 'nope', z: 1 } });
    expect(holder.map((e) => [e.type, e.loc])).toEqual([
      ['literal_error', ['body', 'holder', 'type']],
      ['uuid_parsing', ['body', 'holder', 'id']],
      ['extra_forbidden', ['body', 'holder', 'z']],
    ]);
    expect(holder[0]!.msg).toBe("Input should be 'flow_run', 'task_run' or 'deployment'");
    const empty = await detail('increment-with-lease', { names: n, slots: 1, holder: {} });
    expect(empty.map((e) => [e.type, e.loc])).toEqual([
      ['missing', ['body', 'holder', 'type']],
      ['missing', ['body', 'holder', 'id']],
    ]);
    expect(await activeSlots(limit.id)).toBe(0);
    expect(await leaseCount(limit.id)).toBe(0);
  });

  it('decrement-with-lease needs a lease_id UUID', async () => {
    for (const body of [undefined, {}, { lease_id: null }]) {
      expect((await detail('decrement-with-lease', body))[0]).toMatchObject({ type: 'missing', loc: ['body', 'lease_id'] });
    }
    expect((await detail('decrement-with-lease', { lease_id: 'xyz' }))[0]).toMatchObject({ type: 'uuid_parsing', loc: ['body', 'lease_id'] });
    expect((await detail('decrement-with-lease', { lease_id: 5 }))[0]).toMatchObject({ type: 'uuid_type', loc: ['body', 'lease_id'] });
  });
});
