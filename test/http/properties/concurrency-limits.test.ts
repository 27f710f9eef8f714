/**
 * Properties of the global concurrency limit endpoints, /v2/concurrency_limits: create, read,
 * update and delete by id (in every accepted spelling) or by name, and taking and releasing slots
 * (/increment, /decrement).
 * - valid bodies get a 2xx and Prefect's objects, and the rows say what the body asked for;
 * - a body with one fault gets a 422 at the fault and changes nothing;
 * - slots are taken all or nothing, and never beyond a limit, however many requests race.
 * Lease renewal has its own property in orchestration.test.ts; increment-with-lease and
 * decrement-with-lease have theirs in concurrency-leases.test.ts.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import fc from 'fast-check';
import * as v from 'valibot';
import { sql } from 'drizzle-orm';
import { del, get, patch, post, resetDb, type ApiResponse } from '../helpers';
import { batches, BATCH, check, timeoutFor } from './config';
import { expectDetail, expectSuccess } from './errors';
import { faultyBodiesRejected, validBodiesSucceed } from './harness';
import { ConcurrencyLimitV2Create, ConcurrencyLimitV2Update, decrementBody, incrementBody } from './request-shapes';
import { conform, ConcurrencyLimitV2, GlobalConcurrencyLimit, MinimalConcurrencyLimit } from './response-schemas';
import { name as nameShape, uuidSpelling, valid, type Fault } from './shapes';
import {
  beyondInt4,
  count,
  ensure,
  expectRejectedByDatabase,
  extraFaultsRejected,
  fingerprint,
  freshNames,
  laxBool,
  laxInt,
  rows,
  sameJson,
  seg,
  unknownName,
} from './pool-limit-support';

type Body = Record<string, unknown>;
interface LimitRow {
  id: string;
  name: string;
  limit: number;
  active: boolean;
  active_slots: number;
  denied_slots: number;
  slot_decay_per_second: number;
}

const NOT_FOUND = 'Concurrency Limit not found';
const INTEGRITY = /^Data integrity conflict/;

const limitNames = valid(nameShape()) as fc.Arbitrary<string>;
const missingName = unknownName(valid(nameShape()));
const named = (body: unknown, name: unknown): Body => ({ ...(body as Body), name });
const fail = (what: string, res: ApiResponse, why: string) => new Error(`${what}: ${why} (${res.status} ${JSON.stringify(res.body)?.slice(0, 300)})`);

/** An id in one of the spellings Pydantic accepts (braces and urn: included), chosen by `k`. */
const spell = (id: string, k: number) => fc.sample(uuidSpelling(id), { numRuns: 1, seed: k })[0]!;
/** A path segment naming a limit by id (any spelling) or by name. */
const ref = (l: { id: string; name: string }, byId: boolean, k: number) => seg(byId ? spell(l.id, k) : l.name);

/** Limits inserted straight into the table (a fresh set for each case). */
async function insertLimits(specs: Omit<LimitRow, 'id' | 'denied_slots'>[]): Promise<LimitRow[]> {
  if (specs.length === 0) return [];
  return rows<LimitRow>(sql`
    INSERT INTO concurrency_limit_v2 (name, "limit", active, active_slots, slot_decay_per_second)
    SELECT s->>'name', (s->>'limit')::int, (s->>'active')::bool, (s->>'active_slots')::int, (s->>'slot_decay_per_second')::float8
    FROM jsonb_array_elements(${JSON.stringify(specs)}::jsonb) s
    RETURNING id, name, "limit", active, active_slots, denied_slots, slot_decay_per_second`);
}

const limitsById = async (ids: string[]) =>
  new Map(
    (
      await rows<LimitRow>(sql`
        SELECT id, name, "limit", active, active_slots, denied_slots, slot_decay_per_second FROM concurrency_limit_v2
        WHERE id = ANY(${`{${ids.join(',')}}`}::uuid[])`)
    ).map((r) => [r.id, r]),
  );

/** A limit nobody touches but the fault properties (which must leave it as it is). */
let target: LimitRow;

beforeAll(async () => {
  await resetDb();
  target = (await insertLimits([{ name: 'fault target limit é', limit: 3, active: true, active_slots: 1, slot_decay_per_second: 0 }]))[0]!;
});
// Leave an empty database to the files that run next.
afterAll(resetDb);

describe('POST /v2/concurrency_limits/', () => {
  it('valid bodies: 201 and the limit asked for', () =>
    validBodiesSucceed({
      name: 'POST /v2/concurrency_limits/',
      send: (b) => post('/v2/concurrency_limits/', freshNames(b as Body, ['name'])),
      shape: ConcurrencyLimitV2Create,
      validBodies: fc.tuple(valid(ConcurrencyLimitV2Create), limitNames).map(([b, n]) => named(b, n)),
      expectOk: (res, sent) => {
        ensure(res.status === 201, `status ${res.status}`);
        const l = conform(ConcurrencyLimitV2, res.body, 'concurrency limit');
        const b = sent as Body;
        const expected = {
          active: b.active === undefined ? true : laxBool(b.active),
          name: b.name,
          limit: laxInt(b.limit),
          active_slots: b.active_slots === undefined ? 0 : laxInt(b.active_slots),
          denied_slots: b.denied_slots === undefined ? 0 : laxInt(b.denied_slots),
          slot_decay_per_second: b.slot_decay_per_second ?? 0,
          avg_slot_occupancy_seconds: 2,
        };
        const { id: _id, created: _c, updated: _u, ...got } = l;
        ensure(sameJson(got, expected), `got ${JSON.stringify(got)}, expected ${JSON.stringify(expected)}`);
      },
    }),
  timeoutFor());

  it('one fault: a 422 at the fault, and no limit created', () =>
    faultyBodiesRejected({
      name: 'POST /v2/concurrency_limits/',
      send: (b) => post('/v2/concurrency_limits/', b),
      shape: ConcurrencyLimitV2Create,
      expectOk: () => {},
      rowCount: count('concurrency_limit_v2'),
    }),
  timeoutFor());

  it('a taken name: 409 {"detail"}, and no limit created', async () => {
    await check(
      'POST /v2/concurrency_limits/ taken name',
      fc.asyncProperty(batches(valid(ConcurrencyLimitV2Create)), async (bodies) => {
        const before = await count('concurrency_limit_v2')();
        const responses = await Promise.all(bodies.map((b) => post('/v2/concurrency_limits/', named(b, target.name))));
        responses.forEach((res, i) => expectDetail(res, 409, `POST ${JSON.stringify(bodies[i])}`, INTEGRITY));
        ensure((await count('concurrency_limit_v2')()) === before, 'a limit was created');
      }),
      0.25,
      BATCH,
    );
  }, timeoutFor(0.25));
});

describe('GET, PATCH and DELETE /v2/concurrency_limits/{id_or_name}', () => {
  it('GET by id in every spelling or by name: 200 and the limit; 404 {"detail"} for unknown ones', async () => {
    const arb = fc.record({ kind: fc.constantFrom('id', 'name', 'unknown id', 'unknown name'), name: limitNames, k: fc.nat(), unknownId: fc.uuid(), missing: missingName });
    await check(
      'GET /v2/concurrency_limits/{id_or_name}',
      fc.asyncProperty(batches(arb), async (cases) => {
        cases.forEach((k) => freshNames(k, ['name']));
        const made = await insertLimits(cases.map((k) => ({ name: k.name, limit: 2, active: true, active_slots: 1, slot_decay_per_second: 0 })));
        const paths = cases.map((k, i) => {
          if (k.kind === 'unknown id') return seg(spell(k.unknownId, k.k));
          if (k.kind === 'unknown name') return seg(k.missing);
          return ref(made[i]!, k.kind === 'id', k.k);
        });
        const responses = await Promise.all(paths.map((p) => get(`/v2/concurrency_limits/${p}`)));
        responses.forEach((res, i) => {
          const what = `GET /v2/concurrency_limits/${paths[i]}`;
          if (cases[i]!.kind.startsWith('unknown')) return expectDetail(res, 404, what, NOT_FOUND);
          expectSuccess(res, what);
          const got = conform(GlobalConcurrencyLimit, res.body, what);
          ensure(got.id === made[i]!.id && got.name === made[i]!.name && got.active_slots === 1, `${what}: got ${JSON.stringify(got)}`);
        });
      }),
      0.5,
      BATCH,
    );
  }, timeoutFor(0.5));

  it('PATCH by id or name: 204 and the limit as asked; a taken name is a 409 that changes nothing; 404 {"detail"} for unknown ones', async () => {
    const rename = fc.oneof(fc.constantFrom<string | null | undefined>(undefined, null), limitNames as fc.Arbitrary<string | null | undefined>);
    const arb = fc.record({
      body: valid(ConcurrencyLimitV2Update),
      name: limitNames,
      rename,
      taken: fc.integer({ min: 0, max: 5 }),
      byId: fc.boolean(),
      k: fc.nat(),
      unknown: fc.boolean(),
      missing: missingName,
    });
    await check(
      'PATCH /v2/concurrency_limits/{id_or_name}',
      fc.asyncProperty(batches(arb), async (cases) => {
        cases.forEach((k) => freshNames(k, ['name', 'rename']));
        const made = await insertLimits(cases.map((k) => ({ name: k.name, limit: 5, active: true, active_slots: 2, slot_decay_per_second: 0 })));
        const bodies = cases.map((k) => {
          const b = { ...(k.body as Body) };
          delete b.name;
          if (k.taken === 0) b.name = target.name;
          else if (k.rename !== undefined) b.name = k.rename;
          return b;
        });
        const paths = cases.map((k, i) => (k.unknown ? (k.byId ? seg(spell(crypto.randomUUID(), k.k)) : seg(k.missing)) : ref(made[i]!, k.byId, k.k)));
        const responses = await Promise.all(paths.map((p, i) => patch(`/v2/concurrency_limits/${p}`, bodies[i])));
        const after = await limitsById(made.map((l) => l.id));
        responses.forEach((res, i) => {
          const k = cases[i]!;
          const b = bodies[i]!;
          const was = made[i]!;
          const now = after.get(was.id)!;
          const what = `PATCH /v2/concurrency_limits/${paths[i]} ${JSON.stringify(b)}`;
          if (k.unknown) expectDetail(res, 404, what, NOT_FOUND);
          else if (b.name === target.name) expectDetail(res, 409, what, INTEGRITY);
          else {
            if (res.status !== 204) throw fail(what, res, 'expected 204');
            // A null is "leave it" (README: Differences from Prefect).
            const expected = {
              ...was,
              name: b.name ?? was.name,
              limit: b.limit == null ? was.limit : laxInt(b.limit),
              active: b.active == null ? was.active : laxBool(b.active),
              active_slots: b.active_slots == null ? was.active_slots : laxInt(b.active_slots),
              denied_slots: b.denied_slots == null ? was.denied_slots : laxInt(b.denied_slots),
              slot_decay_per_second: (b.slot_decay_per_second as number | null | undefined) ?? was.slot_decay_per_second,
            };
            ensure(sameJson(now, expected), `${what}: now ${JSON.stringify(now)}, expected ${JSON.stringify(expected)}`);
            return;
          }
          ensure(sameJson(now, was), `${what}: a rejected PATCH changed the limit to ${JSON.stringify(now)}`);
        });
      }),
      0.5,
      BATCH,
    );
  }, timeoutFor(0.5));

  it('PATCH, one fault: a 422 at the fault, and no limit changed', () =>
    faultyBodiesRejected({
      name: 'PATCH /v2/concurrency_limits/{id_or_name}',
      send: (b) => patch(`/v2/concurrency_limits/${seg(target.name)}`, b),
      shape: ConcurrencyLimitV2Update,
      expectOk: () => {},
      rowCount: fingerprint('concurrency_limit_v2'),
    }),
  timeoutFor());

  it('DELETE by id or name, racing: 204 once per limit, 404 {"detail"} after and for unknown ones', async () => {
    const arb = fc.record({ names: fc.array(limitNames, { minLength: 1, maxLength: 4 }), picks: batches(fc.record({ k: fc.nat(), byId: fc.boolean() })), missing: missingName });
    await check(
      'DELETE /v2/concurrency_limits/{id_or_name}',
      fc.asyncProperty(arb, async (run) => {
        const { names, picks, missing } = freshNames(run, ['names']);
        const made = await insertLimits(names.map((n) => ({ name: n, limit: 1, active: true, active_slots: 0, slot_decay_per_second: 0 })));
        const choices = [...made, { id: crypto.randomUUID(), name: missing }];
        const targets = picks.map((p) => choices[p.k % choices.length]!);
        const paths = targets.map((t, i) => ref(t, picks[i]!.byId, picks[i]!.k));
        const responses = await Promise.all(paths.map((p) => del(`/v2/concurrency_limits/${p}`)));
        const deleted = new Map<string, number>();
        responses.forEach((res, i) => {
          if (res.status === 204) deleted.set(targets[i]!.id, (deleted.get(targets[i]!.id) ?? 0) + 1);
          else expectDetail(res, 404, `DELETE /v2/concurrency_limits/${paths[i]}`, NOT_FOUND);
        });
        for (const t of new Set(targets)) ensure((deleted.get(t.id) ?? 0) === (t.name === missing ? 0 : 1), `${t.name} deleted ${deleted.get(t.id) ?? 0} times`);
        ensure((await limitsById([...deleted.keys()])).size === 0, 'a deleted limit is still there');
      }),
      0.5,
      BATCH,
    );
  }, timeoutFor(0.5));
});

/** A limit for the slot properties: with decay, it holds no slots (so that the outcome does not depend on time). */
const limitSpec = fc
  .record({ limit: fc.integer({ min: 0, max: 5 }), active: fc.boolean(), held: fc.integer({ min: 0, max: 6 }), decay: fc.constantFrom(0, 0, 0.5, 1000) })
  .map((s) => ({ limit: s.limit, active: s.active, active_slots: s.decay > 0 ? 0 : s.held, slot_decay_per_second: s.decay }));

/** Each case: its own limits, and the names it sends (some of them, maybe repeated, maybe an unknown one). */
const slotCase = <B>(body: fc.Arbitrary<B>) =>
  fc.record({
    specs: fc.array(fc.record({ spec: limitSpec, name: limitNames }), { minLength: 0, maxLength: 3 }),
    picks: fc.array(fc.nat(), { minLength: 1, maxLength: 4 }),
    body,
    missing: missingName,
  });

const namesOf = (made: LimitRow[], picks: number[], missing: string) => picks.map((k) => (k % (made.length + 1) === made.length ? missing : made[k % (made.length + 1)]!.name));

/** The limits a slot request names that exist, as the minimal objects it answers with (in any order). */
function expectMinimal(res: ApiResponse, named: LimitRow[], what: string) {
  const got = conform(v.array(MinimalConcurrencyLimit), res.body, what);
  const key = (l: { id: string; name: string; limit: number }) => `${l.id} ${l.name} ${l.limit}`;
  ensure(sameJson(got.map(key).sort(), named.map(key).sort()), `${what}: answered ${JSON.stringify(got)}`);
}

describe('POST /v2/concurrency_limits/increment and /decrement', () => {
  it('increment: all or nothing: 200 when every active limit has room, 423 with Retry-After when one is full, the documented 422s otherwise', async () => {
    await check(
      'increment valid',
      fc.asyncProperty(batches(slotCase(valid(incrementBody))), async (cases) => {
        const made = await Promise.all(cases.map((k) => insertLimits(k.specs.map((s) => ({ ...s.spec, name: freshNames(s, ['name']).name })))));
        const bodies = cases.map((k, i): Body & { names: string[] } => ({ ...(k.body as Body), names: namesOf(made[i]!, k.picks, k.missing) }));
        const responses = await Promise.all(bodies.map((b) => post('/v2/concurrency_limits/increment', b)));
        const after = await limitsById(made.flat().map((l) => l.id));
        responses.forEach((res, i) => {
          const b = bodies[i]!;
          const what = `increment ${JSON.stringify(b)} on ${JSON.stringify(made[i])}`;
          const slots = laxInt(b.slots);
          const named = made[i]!.filter((l) => b.names.includes(l.name));
          const active = named.filter((l) => l.active);
          const unchanged = () => made[i]!.every((l) => after.get(l.id)!.active_slots === l.active_slots);
          if (active.some((l) => l.limit < slots)) {
            expectDetail(res, 422, what, 'Slots requested is greater than the limit');
            return ensure(unchanged(), `${what}: slots taken on a 422`);
          }
          if (b.mode === 'rate_limit' && active.some((l) => l.slot_decay_per_second === 0)) {
            expectDetail(res, 422, what, /^Only concurrency limits with slot decay can be used for rate limiting/);
            return ensure(unchanged(), `${what}: slots taken on a 422`);
          }
          if (active.every((l) => l.active_slots + slots <= l.limit)) {
            if (res.status !== 200) throw fail(what, res, 'expected 200');
            expectMinimal(res, named, what);
            for (const l of made[i]!) {
              const expected = l.active && named.includes(l) ? l.active_slots + slots : l.active_slots;
              ensure(after.get(l.id)!.active_slots === expected, `${what}: ${l.name} holds ${after.get(l.id)!.active_slots}, expected ${expected}`);
            }
            return;
          }
          expectDetail(res, 423, what, 'Locked');
          const retry = Number(res.headers.get('retry-after'));
          ensure(Number.isFinite(retry) && retry >= 0, `${what}: Retry-After ${res.headers.get('retry-after')}`);
          ensure(unchanged(), `${what}: slots taken on a 423`);
          for (const l of active) ensure(after.get(l.id)!.denied_slots === slots, `${what}: ${l.name} denied ${after.get(l.id)!.denied_slots}`);
        });
      }),
      1,
      BATCH,
    );
  }, timeoutFor());

  it('decrement: 200 naming the limits found; active ones give slots back, never below 0; inactive ones keep theirs', async () => {
    await check(
      'decrement valid',
      fc.asyncProperty(batches(slotCase(valid(decrementBody))), async (cases) => {
        const made = await Promise.all(cases.map((k) => insertLimits(k.specs.map((s) => ({ ...s.spec, name: freshNames(s, ['name']).name })))));
        const bodies = cases.map((k, i): Body & { names: string[] } => ({ ...(k.body as Body), names: namesOf(made[i]!, k.picks, k.missing) }));
        const responses = await Promise.all(bodies.map((b) => post('/v2/concurrency_limits/decrement', b)));
        const after = await limitsById(made.flat().map((l) => l.id));
        responses.forEach((res, i) => {
          const b = bodies[i]!;
          const what = `decrement ${JSON.stringify(b)} on ${JSON.stringify(made[i])}`;
          if (res.status !== 200) throw fail(what, res, 'expected 200');
          const named = made[i]!.filter((l) => b.names.includes(l.name));
          expectMinimal(res, named, what);
          for (const l of made[i]!) {
            const expected = l.active && named.includes(l) ? Math.max(0, l.active_slots - laxInt(b.slots)) : l.active_slots;
            ensure(after.get(l.id)!.active_slots === expected, `${what}: ${l.name} holds ${after.get(l.id)!.active_slots}, expected ${expected}`);
          }
        });
      }),
      1,
      BATCH,
    );
  }, timeoutFor());

  /** Faults the shapes cannot say: an empty `names` (min_items=1). */
  const emptyNames = (shape: typeof incrementBody) =>
    valid(shape).map((b): Fault => ({ value: { ...(b as Body), names: [] }, loc: ['names'], types: ['too_short'] }));

  for (const [path, shape] of [['increment', incrementBody], ['decrement', decrementBody]] as const) {
    it(`${path}, one fault: a 422 at the fault, and no slot moved`, () =>
      faultyBodiesRejected({
        name: `POST /v2/concurrency_limits/${path}`,
        send: (b) => post(`/v2/concurrency_limits/${path}`, b),
        shape,
        expectOk: () => {},
        rowCount: fingerprint('concurrency_limit_v2'),
      }),
    timeoutFor());

    it(`${path}, no names: a 422 too_short, and no slot moved`, () =>
      extraFaultsRejected({
        name: `POST /v2/concurrency_limits/${path} no names`,
        send: (b) => post(`/v2/concurrency_limits/${path}`, b),
        faults: emptyNames(shape),
        rowCount: fingerprint('concurrency_limit_v2'),
        scale: 0.25,
      }),
    timeoutFor(0.25));
  }

  it('8 increments of one slot racing on a limit of n: exactly min(8, n) succeed, the others get 423', async () => {
    await check(
      'increment race',
      fc.asyncProperty(fc.record({ n: fc.integer({ min: 0, max: 10 }), name: limitNames }), async (run) => {
        const { n, name } = freshNames(run, ['name']);
        const [limit] = await insertLimits([{ name, limit: n, active: true, active_slots: 0, slot_decay_per_second: 0 }]);
        const responses = await Promise.all(Array.from({ length: BATCH }, () => post('/v2/concurrency_limits/increment', { names: [name], slots: 1 })));
        const taken = responses.filter((r) => r.status === 200).length;
        const what = `${BATCH} increments on a limit of ${n}`;
        for (const res of responses) {
          if (res.status === 200) continue;
          // A limit of 0 can never hold a slot: that is the 422, not a wait.
          if (n === 0) expectDetail(res, 422, what, 'Slots requested is greater than the limit');
          else expectDetail(res, 423, what, 'Locked');
        }
        ensure(taken === Math.min(BATCH, n), `${what}: ${taken} succeeded`);
        ensure((await limitsById([limit!.id])).get(limit!.id)!.active_slots === taken, `${what}: active_slots differs from the slots granted`);
      }),
      0.25,
    );
  }, timeoutFor(0.25));
});

describe('integers beyond what Postgres stores', () => {
  it('a 4xx that names no SQL, and nothing written', async () => {
    const arb = fc.record({ key: fc.constantFrom('limit', 'active_slots', 'denied_slots'), n: beyondInt4(), name: limitNames, patch: fc.boolean() });
    await check(
      'concurrency limits beyond int4',
      fc.asyncProperty(batches(arb), async (cases) => {
        cases.forEach((k) => freshNames(k, ['name']));
        const before = await fingerprint('concurrency_limit_v2')();
        const responses = await Promise.all(
          cases.map((k) =>
            k.patch
              ? patch(`/v2/concurrency_limits/${seg(target.name)}`, { [k.key]: k.n })
              : post('/v2/concurrency_limits/', { name: k.name, limit: 1, [k.key]: k.n }),
          ),
        );
        responses.forEach((res, i) => expectRejectedByDatabase(res, `${cases[i]!.patch ? 'PATCH' : 'POST'} ${cases[i]!.key}: ${cases[i]!.n}`));
        ensure((await fingerprint('concurrency_limit_v2')()) === before, 'a rejected request changed the limits');
      }),
      0.25,
      BATCH,
    );
  }, timeoutFor(0.25));
});
