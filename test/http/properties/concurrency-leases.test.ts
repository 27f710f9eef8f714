/**
 * Properties of global concurrency with leases, /v2/concurrency_limits/increment-with-lease,
 * /decrement-with-lease and /leases/{id}/renew, with the cron reaper:
 * - a body with one fault gets a 422 at the fault, and no lease is created or released;
 * - any sequence of acquires, releases (repeated or not), expiries, renewals and reaps leaves a limit
 *   holding exactly the slots of its live leases, with the statuses a model predicts;
 * - releases racing each other and the reaper give each lease's slots back exactly once.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import fc from 'fast-check';
import { env } from 'cloudflare:workers';
import { sql } from 'drizzle-orm';
import { post, resetDb, withDb, type ApiResponse } from '../helpers';
import { runMaintenance } from '../../../src/services';
import { BATCH, check, timeoutFor } from './config';
import { expectDetail } from './errors';
import { faultyBodiesRejected } from './harness';
import { decrementWithLeaseBody, incrementWithLeaseBody } from './request-shapes';
import { ensure, fingerprint, rows } from './pool-limit-support';

const BASE = '/v2/concurrency_limits';

beforeAll(resetDb);
// Leave an empty database to the files that run next.
afterAll(resetDb);

let serial = 0;
/** A fresh active limit of `limit` slots, `held` of them taken without a lease. */
async function insertLimit(limit: number, held = 0): Promise<{ id: string; name: string }> {
  serial += 1;
  const name = `lease prop ${serial} ${crypto.randomUUID().slice(0, 8)}`;
  const [row] = await rows<{ id: string }>(sql`
    INSERT INTO concurrency_limit_v2 (name, "limit", active, active_slots) VALUES (${name}, ${limit}, true, ${held}) RETURNING id`);
  return { id: row!.id, name };
}

const state = async (limitId: string) => {
  const [r] = await rows<{ active_slots: number; leases: number }>(sql`
    SELECT active_slots, (SELECT count(*)::int FROM concurrency_lease WHERE ${limitId}::uuid = ANY(resource_ids)) AS leases
    FROM concurrency_limit_v2 WHERE id = ${limitId}`);
  return r!;
};

const expire = (leaseId: string) =>
  withDb((db) => db.execute(sql`UPDATE concurrency_lease SET expiration = clock_timestamp() - interval '1 second' WHERE id = ${leaseId}`));

const status = (res: ApiResponse, expected: number, what: string) =>
  ensure(res.status === expected, `${what}: ${res.status} ${JSON.stringify(res.body)?.slice(0, 300)}, expected ${expected}`);

describe('increment-with-lease / decrement-with-lease: faults', () => {
  it('increment-with-lease, one fault: a 422 at the fault, and no lease created', () =>
    faultyBodiesRejected({
      name: `POST ${BASE}/increment-with-lease`,
      send: (b) => post(`${BASE}/increment-with-lease`, b),
      shape: incrementWithLeaseBody,
      expectOk: () => {},
      rowCount: fingerprint('concurrency_lease'),
    }),
  timeoutFor());

  it('decrement-with-lease, one fault: a 422 at the fault', () =>
    faultyBodiesRejected({
      name: `POST ${BASE}/decrement-with-lease`,
      send: (b) => post(`${BASE}/decrement-with-lease`, b),
      shape: decrementWithLeaseBody,
      expectOk: () => {},
      rowCount: fingerprint('concurrency_lease'),
      scale: 0.25,
    }),
  timeoutFor(0.25));
});

type Op =
  | { kind: 'acquire'; slots: number; duration: number }
  | { kind: 'release'; pick: number }
  | { kind: 'expire'; pick: number }
  | { kind: 'renew'; pick: number }
  | { kind: 'reap' };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('acquire' as const), slots: fc.integer({ min: 1, max: 4 }), duration: fc.integer({ min: 60, max: 86400 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('release' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('expire' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('renew' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'reap' as const }) },
);

interface ModelLease {
  id: string;
  slots: number;
  live: boolean;
  expired: boolean;
}

describe('increment-with-lease / decrement-with-lease: sequences', () => {
  // One case at a time: the reaper takes every expired lease in the database, other cases' too.
  it('any sequence of acquires, releases, expiries, renewals and reaps: the limit holds exactly its live leases\' slots', async () => {
    await check(
      'lease sequences',
      fc.asyncProperty(fc.integer({ min: 1, max: 4 }), fc.array(op, { minLength: 1, maxLength: 10 }), async (limitSize, ops) => {
        const limit = await insertLimit(limitSize);
        const leases: ModelLease[] = [];
        const held = () => leases.filter((l) => l.live).reduce((n, l) => n + l.slots, 0);
        const trace: string[] = [];
        for (const o of ops) {
          const pick = 'pick' in o && leases.length > 0 ? leases[o.pick % leases.length]! : undefined;
          trace.push(JSON.stringify(o));
          const what = `limit ${limitSize}, ops ${trace.join(' ')}`;
          switch (o.kind) {
            case 'acquire': {
              const res = await post(`${BASE}/increment-with-lease`, { names: [limit.name], slots: o.slots, lease_duration: o.duration });
              if (o.slots > limitSize) expectDetail(res, 422, what, 'Slots requested is greater than the limit');
              else if (held() + o.slots > limitSize) expectDetail(res, 423, what, 'Locked');
              else {
                status(res, 200, what);
                const body = res.body as { lease_id: string; limits: { id: string }[] };
                ensure(body.limits.length === 1 && body.limits[0]!.id === limit.id, `${what}: limits ${JSON.stringify(body.limits)}`);
                leases.push({ id: body.lease_id, slots: o.slots, live: true, expired: false });
              }
              break;
            }
            case 'release':
              if (!pick) continue;
              status(await post(`${BASE}/decrement-with-lease`, { lease_id: pick.id }), 204, what);
              pick.live = false;
              break;
            case 'expire':
              if (!pick) continue;
              await expire(pick.id);
              pick.expired = true;
              break;
            case 'renew': {
              if (!pick) continue;
              const res = await post(`${BASE}/leases/${pick.id}/renew`, { lease_duration: 600 });
              status(res, pick.live ? 204 : 410, what);
              pick.expired = false;
              break;
            }
            case 'reap':
              await runMaintenance(env);
              for (const l of leases) if (l.expired) l.live = false;
              break;
          }
          const now = await state(limit.id);
          ensure(now.active_slots === held(), `${what}: active_slots ${now.active_slots}, live leases hold ${held()}`);
          ensure(now.leases === leases.filter((l) => l.live).length, `${what}: ${now.leases} lease rows, ${leases.filter((l) => l.live).length} live`);
        }
      }),
      0.25,
    );
  }, timeoutFor(0.25, 2000));

  it(`${BATCH} leases, released twice each while the reaper runs: every slot comes back exactly once`, async () => {
    await check(
      'lease release race',
      fc.asyncProperty(fc.integer({ min: 0, max: 3 }), fc.array(fc.boolean(), { minLength: BATCH, maxLength: BATCH }), async (base, expired) => {
        const limit = await insertLimit(BATCH + base, base);
        const acquired = await Promise.all(expired.map(() => post(`${BASE}/increment-with-lease`, { names: [limit.name], slots: 1 })));
        const what = `base ${base}, expired ${JSON.stringify(expired)}`;
        acquired.forEach((r) => status(r, 200, what));
        const ids = acquired.map((r) => (r.body as { lease_id: string }).lease_id);
        await Promise.all(ids.filter((_, i) => expired[i]).map(expire));
        const released = await Promise.all([
          ...ids.flatMap((id) => [post(`${BASE}/decrement-with-lease`, { lease_id: id }), post(`${BASE}/decrement-with-lease`, { lease_id: id })]),
          runMaintenance(env).then(() => null),
        ]);
        for (const r of released) if (r) status(r, 204, what);
        const now = await state(limit.id);
        ensure(now.active_slots === base, `${what}: active_slots ${now.active_slots}, expected ${base}`);
        ensure(now.leases === 0, `${what}: ${now.leases} leases left`);
      }),
      0.125,
    );
  }, timeoutFor(0.125, 2000));
});
