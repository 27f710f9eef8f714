/**
 * Properties of the work-pool and work-queue write endpoints: POST/GET/PATCH/DELETE /work_pools/…,
 * the pool queues (/work_pools/{name}/queues/…) and the legacy /work_queues/ routes.
 * - valid bodies get a 2xx and Prefect's objects, and the rows say what the body asked for;
 * - a body with one fault gets a 422 at the fault and changes nothing;
 * - names with spaces, quotes and unicode work as path segments, ids in every accepted spelling;
 *   unknown names and ids get 404 {"detail"}, malformed ids the router's 404;
 * - requests run 8 at a time, several on one pool: priorities stay unique and nothing deadlocks.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import fc from 'fast-check';
import * as v from 'valibot';
import { sql } from 'drizzle-orm';
import { del, get, patch, post, resetDb, type ApiResponse } from '../helpers';
import { batches, BATCH, check, timeoutFor } from './config';
import { expectDetail, expectSuccess } from './errors';
import { faultyBodiesRejected, validBodiesSucceed } from './harness';
import { badBaseJobTemplate, WorkPoolCreate, WorkPoolUpdate, WorkQueueCreate, WorkQueueUpdate } from './request-shapes';
import { conform, WorkPool, WorkQueue } from './response-schemas';
import { name as nameShape, nonEmptyishName, pathSpelling, valid } from './shapes';
import {
  beyondInt4,
  canonicalUuid,
  count,
  ensure,
  expectRejectedByDatabase,
  extraFaultsRejected,
  fingerprint,
  laxBool,
  laxInt,
  rows,
  sameJson,
  seg,
  freshNames,
  unknownName,
} from './pool-limit-support';

type Pool = v.InferOutput<typeof WorkPool>;
type Queue = v.InferOutput<typeof WorkQueue>;
type Body = Record<string, unknown>;

const AGENT_POOL = 'default-agent-pool';
const INTEGRITY = /^Data integrity conflict/;

/**
 * Pool names (never reserved: those are a property of their own) and queue names, as generated:
 * every run makes them unique with freshNames before it creates anything.
 */
const poolNames = (valid(nonEmptyishName()) as fc.Arbitrary<string>).filter((n) => !/^prefect/i.test(n));
const queueNames = valid(nameShape()) as fc.Arbitrary<string>;
const missingPool = unknownName(poolNames);
const missingQueue = unknownName(valid(nameShape()));

/** A body with its name replaced. */
const named = (body: unknown, name: unknown): Body => ({ ...(body as Body), name });

const fail = (what: string, res: ApiResponse, why: string) => new Error(`${what}: ${why} (${res.status} ${JSON.stringify(res.body)?.slice(0, 300)})`);

async function createPool(name: string, body: Body = {}): Promise<Pool> {
  const res = await post('/work_pools/', { ...body, name });
  if (res.status !== 201) throw fail(`setup: create pool ${JSON.stringify(name)}`, res, 'not created');
  return res.body as Pool;
}

/** Queues inserted straight into a pool, at priorities 2, 3, … (after its default queue). */
async function insertQueues(poolId: string, names: string[]): Promise<{ id: string; name: string }[]> {
  return rows(sql`
    INSERT INTO work_queue (name, work_pool_id, priority)
    SELECT n, ${poolId}::uuid, 1 + ord FROM jsonb_array_elements_text(${JSON.stringify(names)}::jsonb) WITH ORDINALITY AS t(n, ord)
    RETURNING id, name`);
}

const poolQueues = (poolId: string) =>
  rows<{ id: string; name: string; priority: number }>(sql`SELECT id, name, priority FROM work_queue WHERE work_pool_id = ${poolId} ORDER BY priority, id`);

/** Prefect keeps priorities unique within a pool (filters spec §1.9), whatever ran concurrently. */
async function expectUniquePriorities(poolId: string, what: string) {
  const queues = await poolQueues(poolId);
  const priorities = queues.map((q) => q.priority);
  ensure(new Set(priorities).size === priorities.length, `${what}: duplicate priorities ${JSON.stringify(queues.map((q) => [q.name, q.priority]))}`);
  ensure(priorities.every((p) => p >= 1), `${what}: a priority below 1`);
}

const readPool = async (name: string) => {
  const res = await get(`/work_pools/${seg(name)}`);
  expectSuccess(res, `GET /work_pools/${name}`);
  return conform(WorkPool, res.body, 'work pool');
};

/** The storage configuration Prefect stores for a body's (every key present, ids canonical). */
const storage = (sc: unknown) => {
  const c = (sc ?? {}) as Body;
  const id = c.default_result_storage_block_id;
  return {
    bundle_upload_step: c.bundle_upload_step ?? null,
    bundle_execution_step: c.bundle_execution_step ?? null,
    default_result_storage_block_id: typeof id === 'string' ? canonicalUuid(id) : null,
  };
};

const queueFilter = (f: unknown) => {
  if (f === null || f === undefined) return null;
  const { tags, deployment_ids: ids } = f as Body;
  return { tags: tags ?? null, deployment_ids: Array.isArray(ids) ? ids.map((u) => canonicalUuid(String(u))) : null };
};

/** Checks a pool against what the create body asked for. */
function expectPoolFromCreate(pool: Pool, b: Body) {
  const type = (b.type as string | undefined) ?? 'prefect-agent';
  const paused = b.is_paused === undefined ? false : laxBool(b.is_paused);
  const limit = b.concurrency_limit == null ? null : laxInt(b.concurrency_limit);
  ensure(pool.name === b.name, `name ${JSON.stringify(pool.name)}`);
  ensure(pool.type === type, `type ${pool.type}`);
  ensure(pool.description === (b.description ?? null), `description ${pool.description}`);
  ensure(pool.is_paused === paused, `is_paused ${pool.is_paused}`);
  ensure(pool.concurrency_limit === limit, `concurrency_limit ${pool.concurrency_limit}`);
  ensure(pool.active_slots === (limit === null ? null : 0), `active_slots ${pool.active_slots}`);
  // Agent pools report no status; others start PAUSED or NOT_READY (§1.8).
  ensure(pool.status === (type === 'prefect-agent' ? null : paused ? 'PAUSED' : 'NOT_READY'), `status ${pool.status}`);
  ensure(sameJson(pool.base_job_template, b.base_job_template ?? {}), `base_job_template ${JSON.stringify(pool.base_job_template)}`);
  ensure(sameJson(pool.storage_configuration, storage(b.storage_configuration)), `storage_configuration ${JSON.stringify(pool.storage_configuration)}`);
  ensure(pool.default_queue_id !== null, 'no default queue');
}

/** Checks a queue against what the create body asked for. */
function expectQueueFromCreate(queue: Queue, b: Body, pool: { id: string; name: string }) {
  const limit = b.concurrency_limit == null ? null : laxInt(b.concurrency_limit);
  ensure(queue.name === b.name, `name ${JSON.stringify(queue.name)}`);
  ensure(queue.description === ((b.description as string | null | undefined) ?? ''), `description ${JSON.stringify(queue.description)}`);
  ensure(queue.is_paused === (b.is_paused === undefined ? false : laxBool(b.is_paused)), `is_paused ${queue.is_paused}`);
  ensure(queue.concurrency_limit === limit, `concurrency_limit ${queue.concurrency_limit}`);
  ensure(queue.active_slots === (limit === null ? null : 0), `active_slots ${queue.active_slots}`);
  ensure(queue.work_pool_id === pool.id && queue.work_pool_name === pool.name, `pool ${queue.work_pool_name}`);
  // A requested priority is taken as asked (the others move); otherwise any free one.
  if (b.priority != null) ensure(queue.priority === laxInt(b.priority), `priority ${queue.priority}, asked ${JSON.stringify(b.priority)}`);
  ensure(sameJson(queue.filter, queueFilter(b.filter)), `filter ${JSON.stringify(queue.filter)}`);
  ensure(queue.last_polled === null, 'last_polled');
}

/** Checks a queue after a PATCH with `b` (it started unpaused, NOT_READY, never polled, described ''). */
function expectQueueAfterPatch(queue: Queue, before: { name: string }, b: Body) {
  const newName = b.name == null ? before.name : b.name;
  ensure(queue.name === newName, `name ${JSON.stringify(queue.name)}, expected ${JSON.stringify(newName)}`);
  if ('description' in b) ensure(queue.description === ((b.description as string | null) ?? ''), `description ${JSON.stringify(queue.description)}`);
  const paused = b.is_paused === undefined ? false : laxBool(b.is_paused);
  ensure(queue.is_paused === paused, `is_paused ${queue.is_paused}`);
  ensure(queue.status === (paused ? 'PAUSED' : 'NOT_READY'), `status ${queue.status}`);
  if ('concurrency_limit' in b) ensure(queue.concurrency_limit === (b.concurrency_limit == null ? null : laxInt(b.concurrency_limit)), `concurrency_limit ${queue.concurrency_limit}`);
  if ('filter' in b) ensure(sameJson(queue.filter, queueFilter(b.filter)), `filter ${JSON.stringify(queue.filter)}`);
  ensure((queue.last_polled !== null) === (b.last_polled != null), `last_polled ${queue.last_polled}`);
}

/** What a PATCH's new name is: absent, null (ignored), or a fresh unique one. */
const renames = fc.oneof(
  { weight: 2, arbitrary: fc.constant<string | null | undefined>(undefined) },
  { weight: 1, arbitrary: fc.constant<string | null | undefined>(null) },
  { weight: 2, arbitrary: valid(nameShape()) as fc.Arbitrary<string | null | undefined> },
);
const withRename = (body: unknown, rename: string | null | undefined): Body => {
  const b = { ...(body as Body) };
  delete b.name;
  if (rename !== undefined) b.name = rename;
  return b;
};

/** A pool and a queue that fault properties aim at (they must stay as they are). */
let target: { pool: Pool; queueName: string; legacyQueueId: string };

beforeAll(async () => {
  await resetDb();
  const pool = await createPool('fault target pool é', { type: 'process' });
  const queueName = 'fault target queue';
  await insertQueues(pool.id, [queueName]);
  target = { pool, queueName, legacyQueueId: '' };
});
// Leave an empty database to the files that run next.
afterAll(resetDb);

describe('POST /work_pools/', () => {
  const bodies = fc.tuple(valid(WorkPoolCreate), poolNames).map(([b, n]) => named(b, n));

  it('valid bodies: 201 and the pool asked for, with its default queue at priority 1', () =>
    validBodiesSucceed({
      name: 'POST /work_pools/',
      send: (b) => post('/work_pools/', freshNames(b as Body, ['name'])),
      shape: WorkPoolCreate,
      validBodies: bodies,
      expectOk: async (res, sent) => {
        ensure(res.status === 201, `status ${res.status}`);
        const pool = conform(WorkPool, res.body, 'work pool');
        expectPoolFromCreate(pool, sent as Body);
        const queue = await get(`/work_pools/${seg(pool.name)}/queues/default`);
        expectSuccess(queue, 'its default queue');
        const q = conform(WorkQueue, queue.body, 'default queue');
        ensure(q.id === pool.default_queue_id && q.priority === 1, `default queue ${JSON.stringify(q)}`);
      },
    }),
  timeoutFor());

  it('one fault: a 422 at the fault, and no pool created', () =>
    faultyBodiesRejected({ name: 'POST /work_pools/', send: (b) => post('/work_pools/', b), shape: WorkPoolCreate, expectOk: () => {}, rowCount: count('work_pool') }),
  timeoutFor());

  it('a base job template Prefect rejects: a 422 at base_job_template, and no pool created', () =>
    extraFaultsRejected({ name: 'POST /work_pools/ base_job_template', send: (b) => post('/work_pools/', freshNames(b as Body, ['name'])), faults: badBaseJobTemplate(bodies), rowCount: count('work_pool') }),
  timeoutFor(0.5));

  it('an existing name is a 409 and a reserved one (Prefect…, any case) a 403; neither writes', async () => {
    const reserved = fc.tuple(fc.constantFrom('prefect', 'Prefect', 'PREFECT', 'pReFeCt'), valid(nonEmptyishName())).map(([p, rest]) => `${p}${String(rest)}`);
    const arb = fc.record({ body: valid(WorkPoolCreate), reserved: fc.boolean(), name: reserved });
    await check(
      'POST /work_pools/ conflicts',
      fc.asyncProperty(batches(arb), async (cases) => {
        const before = await count('work_pool')();
        const bodies = cases.map((k) => named(k.body, k.reserved ? k.name : target.pool.name));
        const responses = await Promise.all(bodies.map((b) => post('/work_pools/', b)));
        responses.forEach((res, i) => {
          const what = `POST /work_pools/ ${JSON.stringify(bodies[i])}`;
          if (cases[i]!.reserved) expectDetail(res, 403, what, "Work pools starting with 'Prefect' are reserved for internal use.");
          else expectDetail(res, 409, what, 'A work pool with this name already exists.');
        });
        ensure((await count('work_pool')()) === before, 'a rejected create wrote a pool');
      }),
      0.25,
      BATCH,
    );
  }, timeoutFor(0.25));
});

describe('GET and DELETE /work_pools/{name}', () => {
  it('GET: 200 and the pool for a name with spaces, quotes or unicode; 404 {"detail"} for an unknown one', async () => {
    const arb = fc.record({ exists: fc.boolean(), name: poolNames, missing: missingPool, type: fc.constantFrom('process', 'prefect-agent') });
    await check(
      'GET /work_pools/{name}',
      fc.asyncProperty(batches(arb), async (cases) => {
        cases.forEach((k) => freshNames(k, ['name']));
        const created = await Promise.all(cases.map((k) => (k.exists ? createPool(k.name, { type: k.type }) : null)));
        const names = cases.map((k) => (k.exists ? k.name : k.missing));
        const responses = await Promise.all(names.map((n) => get(`/work_pools/${seg(n)}`)));
        responses.forEach((res, i) => {
          const what = `GET /work_pools/${seg(names[i]!)}`;
          const pool = created[i];
          if (!pool) return expectDetail(res, 404, what, `Work pool "${names[i]}" not found.`);
          expectSuccess(res, what);
          const got = conform(WorkPool, res.body, what);
          ensure(got.id === pool.id && got.name === names[i], `${what}: got ${got.name} (${got.id})`);
        });
      }),
      0.5,
      BATCH,
    );
  }, timeoutFor(0.5));

  it('DELETE: 204 once per pool (its queues go with it), 404 after and for unknown names, even when deletes race', async () => {
    const arb = fc.record({ pools: fc.array(poolNames, { minLength: 1, maxLength: 4 }), picks: batches(fc.nat()), missing: missingPool });
    await check(
      'DELETE /work_pools/{name}',
      fc.asyncProperty(arb, async (run) => {
        const { pools: names, picks, missing } = freshNames(run, ['pools']);
        const pools = await Promise.all(names.map((n, i) => createPool(n, { type: i % 2 ? 'process' : 'prefect-agent' })));
        await Promise.all(pools.map((p) => insertQueues(p.id, ['a', 'b c'])));
        // One pick in names.length + 1 is a pool nobody created.
        const targets = picks.map((k) => (k % (names.length + 1) === names.length ? missing : names[k % (names.length + 1)]!));
        const responses = await Promise.all(targets.map((n) => del(`/work_pools/${seg(n)}`)));
        const deleted = new Map<string, number>();
        responses.forEach((res, i) => {
          const what = `DELETE /work_pools/${seg(targets[i]!)}`;
          if (res.status === 204) deleted.set(targets[i]!, (deleted.get(targets[i]!) ?? 0) + 1);
          else expectDetail(res, 404, what, `Work pool "${targets[i]}" not found.`);
        });
        for (const n of new Set(targets)) {
          ensure((deleted.get(n) ?? 0) === (n === missing ? 0 : 1), `${JSON.stringify(n)} deleted ${deleted.get(n) ?? 0} times`);
        }
        const left = await rows<{ n: number }>(sql`
          SELECT count(*)::int AS n FROM work_queue WHERE work_pool_id = ANY(${`{${pools.filter((p) => deleted.has(p.name)).map((p) => p.id).join(',')}}`}::uuid[])`);
        ensure(left[0]!.n === 0, 'queues of a deleted pool are left');
        const after = await Promise.all(pools.map((p) => get(`/work_pools/${seg(p.name)}`)));
        after.forEach((res, i) => ensure((res.status === 404) === deleted.has(pools[i]!.name), `GET after DELETE of ${pools[i]!.name}: ${res.status}`));
      }),
      0.5,
      BATCH,
    );
  }, timeoutFor(0.5));
});

describe('PATCH /work_pools/{name}', () => {
  it('valid bodies: 204, and the pool has what the body set and keeps the rest', async () => {
    const arb = fc.record({ body: valid(WorkPoolUpdate), name: poolNames, type: fc.constantFrom('process', 'prefect-agent'), paused: fc.boolean() });
    await check(
      'PATCH /work_pools/{name} valid',
      fc.asyncProperty(batches(arb), async (cases) => {
        cases.forEach((k) => freshNames(k, ['name']));
        const before = await Promise.all(
          cases.map((k) => createPool(k.name, { type: k.type, is_paused: k.paused, description: 'before', concurrency_limit: 4, base_job_template: {} })),
        );
        const responses = await Promise.all(cases.map((k) => patch(`/work_pools/${seg(k.name)}`, k.body)));
        for (const [i, res] of responses.entries()) {
          const k = cases[i]!;
          const b = k.body as Body;
          const what = `PATCH /work_pools/${seg(k.name)} ${JSON.stringify(b)}`;
          if (res.status !== 204) throw fail(what, res, 'expected 204');
          const was = before[i]!;
          const pool = await readPool(k.name);
          const paused = b.is_paused == null ? was.is_paused : laxBool(b.is_paused);
          const limit = 'concurrency_limit' in b ? (b.concurrency_limit == null ? null : laxInt(b.concurrency_limit)) : was.concurrency_limit;
          const status = k.type === 'prefect-agent' ? null : b.is_paused == null ? was.status : paused ? 'PAUSED' : 'NOT_READY';
          const checks: [boolean, string][] = [
            [pool.description === ('description' in b ? b.description : was.description), `description ${pool.description}`],
            [pool.is_paused === paused, `is_paused ${pool.is_paused}`],
            [pool.status === status, `status ${pool.status}, expected ${status}`],
            [pool.concurrency_limit === limit, `concurrency_limit ${pool.concurrency_limit}`],
            [sameJson(pool.base_job_template, b.base_job_template ?? was.base_job_template), `base_job_template ${JSON.stringify(pool.base_job_template)}`],
            [sameJson(pool.storage_configuration, b.storage_configuration == null ? was.storage_configuration : storage(b.storage_configuration)), 'storage_configuration'],
            [pool.type === was.type && pool.default_queue_id === was.default_queue_id, 'type or default queue changed'],
          ];
          for (const [ok, why] of checks) ensure(ok, `${what}: ${why}`);
        }
      }),
      0.5,
      BATCH,
    );
  }, timeoutFor(0.5));

  const send = (b: unknown) => patch(`/work_pools/${seg(target.pool.name)}`, b);
  it('one fault: a 422 at the fault, and no pool changed', () =>
    faultyBodiesRejected({ name: 'PATCH /work_pools/{name}', send, shape: WorkPoolUpdate, expectOk: () => {}, rowCount: fingerprint('work_pool') }),
  timeoutFor());

  it('a base job template Prefect rejects: a 422 at base_job_template, and no pool changed', () =>
    extraFaultsRejected({ name: 'PATCH /work_pools/{name} base_job_template', send, faults: badBaseJobTemplate(valid(WorkPoolUpdate)), rowCount: fingerprint('work_pool') }),
  timeoutFor(0.5));

  it('an unknown pool is a 404 {"detail"}; a reserved one takes only is_paused / concurrency_limit (else 403) and cannot be deleted', async () => {
    const reserved = 'Prefect Managed é';
    await rows(sql`INSERT INTO work_pool (name, type) VALUES (${reserved}, 'prefect:managed') ON CONFLICT DO NOTHING`);
    const arb = fc.record({ body: valid(WorkPoolUpdate), kind: fc.constantFrom('missing', 'reserved', 'delete reserved'), missing: missingPool });
    await check(
      'PATCH /work_pools/{name} unknown and reserved',
      fc.asyncProperty(batches(arb), async (cases) => {
        const responses = await Promise.all(
          cases.map((k) =>
            k.kind === 'missing' ? patch(`/work_pools/${seg(k.missing)}`, k.body) : k.kind === 'reserved' ? patch(`/work_pools/${seg(reserved)}`, k.body) : del(`/work_pools/${seg(reserved)}`),
          ),
        );
        responses.forEach((res, i) => {
          const k = cases[i]!;
          const what = `${k.kind} ${JSON.stringify(k.body)}`;
          if (k.kind === 'missing') return expectDetail(res, 404, what, `Work pool "${k.missing}" not found.`);
          if (k.kind === 'delete reserved') return expectDetail(res, 403, what, "Work pools starting with 'Prefect' are reserved for internal use and can not be deleted.");
          const allowed = Object.keys(k.body as Body).every((key) => key === 'is_paused' || key === 'concurrency_limit');
          if (allowed) ensure(res.status === 204, `${what}: ${res.status}`);
          else expectDetail(res, 403, what, /^Work pools starting with 'Prefect' are reserved for internal use and can only be updated/);
        });
        ensure((await rows(sql`SELECT 1 FROM work_pool WHERE name = ${reserved}`)).length === 1, 'the reserved pool is gone');
      }),
      0.25,
      BATCH,
    );
  }, timeoutFor(0.25));
});

describe('POST /work_pools/{name}/queues', () => {
  it('valid bodies, 8 at once into one pool: 201 and the queue asked for; a taken name is a 409; priorities stay unique', async () => {
    const arb = fc.record({ body: valid(WorkQueueCreate), name: queueNames, taken: fc.integer({ min: 0, max: 9 }) });
    await check(
      'POST /work_pools/{name}/queues valid',
      fc.asyncProperty(fc.record({ pool: poolNames, cases: batches(arb) }), async (run) => {
        const { pool: poolName, cases } = freshNames(run, ['pool']);
        cases.forEach((k) => freshNames(k, ['name']));
        const pool = await createPool(poolName);
        const bodies = cases.map((k) => named(k.body, k.taken === 0 ? 'default' : k.name));
        const responses = await Promise.all(bodies.map((b) => post(`/work_pools/${seg(poolName)}/queues`, b)));
        responses.forEach((res, i) => {
          const b = bodies[i]!;
          const what = `POST /work_pools/${seg(poolName)}/queues ${JSON.stringify(b)}`;
          if (b.name === 'default') return expectDetail(res, 409, what, /^A work queue with this name already exists/);
          if (res.status !== 201) throw fail(what, res, 'expected 201');
          try {
            expectQueueFromCreate(conform(WorkQueue, res.body, 'work queue'), b, pool);
          } catch (e) {
            throw new Error(`${what}: ${(e as Error).message}`);
          }
        });
        const created = responses.filter((r) => r.status === 201).length;
        ensure((await poolQueues(pool.id)).length === created + 1, 'queue count');
        await expectUniquePriorities(pool.id, `POST /work_pools/${poolName}/queues`);
      }),
      1,
      BATCH,
    );
  }, timeoutFor());

  it('one fault: a 422 at the fault, and no queue created', () =>
    faultyBodiesRejected({
      name: 'POST /work_pools/{name}/queues',
      send: (b) => post(`/work_pools/${seg(target.pool.name)}/queues`, b),
      shape: WorkQueueCreate,
      expectOk: () => {},
      rowCount: count('work_queue'),
    }),
  timeoutFor());

  it('an unknown pool is a 404 {"detail"}, and nothing is created', async () => {
    const arb = fc.record({ body: valid(WorkQueueCreate), name: queueNames, pool: missingPool });
    await check(
      'POST /work_pools/{name}/queues unknown pool',
      fc.asyncProperty(batches(arb), async (cases) => {
        const before = await count('work_queue')();
        const responses = await Promise.all(cases.map((k) => post(`/work_pools/${seg(k.pool)}/queues`, named(k.body, k.name))));
        responses.forEach((res, i) => expectDetail(res, 404, `POST /work_pools/${seg(cases[i]!.pool)}/queues`, `Work pool "${cases[i]!.pool}" not found.`));
        ensure((await count('work_queue')()) === before, 'a queue was created');
      }),
      0.25,
      BATCH,
    );
  }, timeoutFor(0.25));
});

describe('GET, PATCH and DELETE /work_pools/{name}/queues/{queue}', () => {
  it('GET: 200 and the queue for names with spaces, quotes or unicode; 404 naming the pool or the queue otherwise', async () => {
    const arb = fc.record({ kind: fc.constantFrom('exists', 'exists', 'no queue', 'no pool'), queue: queueNames, missingQueue, missingPool });
    await check(
      'GET /work_pools/{name}/queues/{queue}',
      fc.asyncProperty(fc.record({ pool: poolNames, cases: batches(arb) }), async (run) => {
        const { pool: poolName, cases } = freshNames(run, ['pool']);
        cases.forEach((k) => freshNames(k, ['queue']));
        const pool = await createPool(poolName);
        const inserted = await insertQueues(pool.id, cases.filter((k) => k.kind === 'exists').map((k) => k.queue));
        const ids = new Map(inserted.map((q) => [q.name, q.id]));
        const paths = cases.map((k) =>
          k.kind === 'exists' ? [poolName, k.queue] : k.kind === 'no queue' ? [poolName, k.missingQueue] : [k.missingPool, 'default'],
        ) as [string, string][];
        const responses = await Promise.all(paths.map(([p, q]) => get(`/work_pools/${seg(p)}/queues/${seg(q)}`)));
        responses.forEach((res, i) => {
          const [p, q] = paths[i]!;
          const what = `GET /work_pools/${seg(p)}/queues/${seg(q)}`;
          const k = cases[i]!;
          if (k.kind === 'no pool') return expectDetail(res, 404, what, `Work pool "${p}" not found.`);
          if (k.kind === 'no queue') return expectDetail(res, 404, what, `Work pool queue '${p}/${q}' not found.`);
          expectSuccess(res, what);
          const got = conform(WorkQueue, res.body, what);
          ensure(got.id === ids.get(q) && got.name === q && got.work_pool_name === p, `${what}: got ${JSON.stringify(got).slice(0, 200)}`);
        });
      }),
      0.5,
      BATCH,
    );
  }, timeoutFor(0.5));

  it('PATCH, 8 queues of one pool at once: 204 and the queue as asked, priorities unique, no deadlock; a taken name is a 409 that changes nothing', async () => {
    const arb = fc.record({ body: valid(WorkQueueUpdate), queue: queueNames, rename: renames, taken: fc.integer({ min: 0, max: 7 }) });
    await check(
      'PATCH /work_pools/{name}/queues/{queue} valid',
      fc.asyncProperty(fc.record({ pool: poolNames, cases: batches(arb) }), async (run) => {
        const { pool: poolName, cases } = freshNames(run, ['pool']);
        cases.forEach((k) => freshNames(k, ['queue', 'rename']));
        const pool = await createPool(poolName);
        await insertQueues(pool.id, cases.map((k) => k.queue));
        const bodies = cases.map((k) => withRename(k.body, k.taken === 0 ? 'default' : k.rename));
        const responses = await Promise.all(cases.map((k, i) => patch(`/work_pools/${seg(poolName)}/queues/${seg(k.queue)}`, bodies[i])));
        const queues = await Promise.all(
          cases.map(async (k, i) => {
            const name = responses[i]!.status === 204 && bodies[i]!.name != null ? (bodies[i]!.name as string) : k.queue;
            return get(`/work_pools/${seg(poolName)}/queues/${seg(name)}`);
          }),
        );
        responses.forEach((res, i) => {
          const k = cases[i]!;
          const b = bodies[i]!;
          const what = `PATCH /work_pools/${seg(poolName)}/queues/${seg(k.queue)} ${JSON.stringify(b)}`;
          expectSuccess(queues[i]!, `${what}: reading it back`);
          const queue = conform(WorkQueue, queues[i]!.body, 'work queue');
          try {
            if (b.name === 'default') {
              expectDetail(res, 409, what, INTEGRITY);
              // Rolled back as a whole: as inserted.
              ensure(queue.name === k.queue && queue.description === '' && !queue.is_paused && queue.filter === null, 'a 409 changed the queue');
              return;
            }
            if (res.status !== 204) throw fail(what, res, 'expected 204');
            expectQueueAfterPatch(queue, { name: k.queue }, b);
          } catch (e) {
            throw new Error(`${what}: ${(e as Error).message}`);
          }
        });
        await expectUniquePriorities(pool.id, `PATCH queues of ${poolName}`);
      }),
      1,
      BATCH,
    );
  }, timeoutFor());

  it('PATCH, one fault: a 422 at the fault, and no queue changed', () =>
    faultyBodiesRejected({
      name: 'PATCH /work_pools/{name}/queues/{queue}',
      send: (b) => patch(`/work_pools/${seg(target.pool.name)}/queues/${seg(target.queueName)}`, b),
      shape: WorkQueueUpdate,
      expectOk: () => {},
      rowCount: fingerprint('work_queue'),
    }),
  timeoutFor());

  it('PATCH: 404 naming the pool or the queue for unknown ones', async () => {
    const arb = fc.record({ body: valid(WorkQueueUpdate), noPool: fc.boolean(), missingPool, missingQueue });
    await check(
      'PATCH /work_pools/{name}/queues/{queue} unknown',
      fc.asyncProperty(batches(arb), async (cases) => {
        const before = await fingerprint('work_queue')();
        const paths = cases.map((k) => (k.noPool ? [k.missingPool, 'default'] : [target.pool.name, k.missingQueue]) as [string, string]);
        const responses = await Promise.all(cases.map((k, i) => patch(`/work_pools/${seg(paths[i]![0])}/queues/${seg(paths[i]![1])}`, k.body)));
        responses.forEach((res, i) => {
          const [p, q] = paths[i]!;
          const what = `PATCH /work_pools/${seg(p)}/queues/${seg(q)}`;
          if (cases[i]!.noPool) expectDetail(res, 404, what, `Work pool "${p}" not found.`);
          else expectDetail(res, 404, what, `Work pool queue '${p}/${q}' not found.`);
        });
        ensure((await fingerprint('work_queue')()) === before, 'a 404 changed a queue');
      }),
      0.25,
      BATCH,
    );
  }, timeoutFor(0.25));

  it('DELETE, 8 at once in one pool: 204 once per queue, 404 after, 409 for the default queue; priorities stay unique', async () => {
    const arb = fc.record({ queues: fc.array(queueNames, { minLength: 1, maxLength: 6 }), picks: batches(fc.nat()) });
    await check(
      'DELETE /work_pools/{name}/queues/{queue}',
      fc.asyncProperty(fc.record({ pool: poolNames, run: arb }), async (r) => {
        const poolName = freshNames(r, ['pool']).pool;
        const { queues: names, picks } = freshNames(r.run, ['queues']);
        const pool = await createPool(poolName);
        await insertQueues(pool.id, names);
        const choices = ['default', ...names];
        const targets = picks.map((k) => choices[k % choices.length]!);
        const responses = await Promise.all(targets.map((q) => del(`/work_pools/${seg(poolName)}/queues/${seg(q)}`)));
        const deleted = new Map<string, number>();
        responses.forEach((res, i) => {
          const q = targets[i]!;
          const what = `DELETE /work_pools/${seg(poolName)}/queues/${seg(q)}`;
          if (q === 'default') return expectDetail(res, 409, what, "Can't delete a pool's default queue.");
          if (res.status === 204) deleted.set(q, (deleted.get(q) ?? 0) + 1);
          else expectDetail(res, 404, what, `Work pool queue '${poolName}/${q}' not found.`);
        });
        for (const q of new Set(targets)) if (q !== 'default') ensure(deleted.get(q) === 1, `${JSON.stringify(q)} deleted ${deleted.get(q) ?? 0} times`);
        const left = (await poolQueues(pool.id)).map((q) => q.name).sort();
        ensure(sameJson(left, choices.filter((q) => !deleted.has(q)).sort()), `left ${JSON.stringify(left)}`);
        await expectUniquePriorities(pool.id, `DELETE queues of ${poolName}`);
      }),
      0.5,
      BATCH,
    );
  }, timeoutFor(0.5));
});

describe(`legacy /work_queues/ while ${AGENT_POOL} does not exist yet`, () => {
  it(`POST, 8 at once: all 201, and one ${AGENT_POOL}`, async () => {
    const arb = fc.record({ body: valid(WorkQueueCreate), name: queueNames });
    await check(
      'POST /work_queues/ first contact',
      fc.asyncProperty(batches(arb), async (cases) => {
        cases.forEach((k) => freshNames(k, ['name']));
        await rows(sql`DELETE FROM work_pool WHERE name = ${AGENT_POOL}`);
        const bodies = cases.map((k) => named(k.body, k.name));
        const responses = await Promise.all(bodies.map((b) => post('/work_queues/', b)));
        responses.forEach((res, i) => {
          if (res.status !== 201) throw fail(`POST /work_queues/ ${JSON.stringify(bodies[i])}`, res, 'expected 201');
        });
        const pools = await rows<{ id: string }>(sql`SELECT id FROM work_pool WHERE name = ${AGENT_POOL}`);
        ensure(pools.length === 1, `${pools.length} ${AGENT_POOL} pools`);
        ensure((await poolQueues(pools[0]!.id)).length === cases.length + 1, 'queue count');
      }),
      0.25,
      BATCH,
    );
  }, timeoutFor(0.25));
});

describe('legacy /work_queues/', () => {
  beforeAll(async () => {
    const legacy = await post('/work_queues/', { name: 'fault target legacy queue' });
    if (legacy.status !== 201) throw fail('setup: legacy queue', legacy, 'not created');
    target.legacyQueueId = (legacy.body as Queue).id;
  });

  it(`POST valid bodies: 201 and the queue asked for, in ${AGENT_POOL}`, () =>
    validBodiesSucceed({
      name: 'POST /work_queues/',
      send: (b) => post('/work_queues/', freshNames(b as Body, ['name'])),
      shape: WorkQueueCreate,
      validBodies: fc.tuple(valid(WorkQueueCreate), queueNames).map(([b, n]) => named(b, n)),
      expectOk: async (res, sent) => {
        ensure(res.status === 201, `status ${res.status}`);
        const queue = conform(WorkQueue, res.body, 'work queue');
        const [pool] = await rows<{ id: string }>(sql`SELECT id FROM work_pool WHERE name = ${AGENT_POOL}`);
        expectQueueFromCreate(queue, sent as Body, { id: pool!.id, name: AGENT_POOL });
      },
      // Every case goes to one pool, whose creates take turns: half the cases.
      scale: 0.5,
    }),
  timeoutFor(0.5));

  it('POST, one fault: a 422 at the fault, and no queue created', () =>
    faultyBodiesRejected({ name: 'POST /work_queues/', send: (b) => post('/work_queues/', b), shape: WorkQueueCreate, expectOk: () => {}, rowCount: count('work_queue') }),
  timeoutFor());

  it('GET by id in every spelling and by name: 200 and the queue; 404 {"detail"} for unknown ones; a malformed id matches no route', async () => {
    const malformed = fc.uuid().chain((u) =>
      fc.constantFrom(`${u.slice(0, -1)}g`, u.slice(0, -1), `${u}0`, u.replace(/-/g, '').replace(/^(.{4})/, '$1-'), `${u}-`, 'not-a-uuid'),
    );
    const arb = fc.record({ kind: fc.constantFrom('id', 'id', 'name', 'unknown id', 'unknown name', 'malformed'), name: queueNames, body: valid(WorkQueueCreate), spelling: fc.nat(), unknownId: fc.uuid(), missingQueue, malformed });
    await check(
      'GET /work_queues/{id} and /name/{name}',
      fc.asyncProperty(batches(arb), async (cases) => {
        cases.forEach((k) => freshNames(k, ['name']));
        const created = await Promise.all(
          cases.map(async (k) => {
            if (k.kind !== 'id' && k.kind !== 'name') return null;
            const res = await post('/work_queues/', named(k.body, k.name));
            if (res.status !== 201) throw fail('setup: legacy queue', res, 'not created');
            return res.body as Queue;
          }),
        );
        const paths = cases.map((k, i) => {
          const q = created[i];
          if (k.kind === 'id') return `/work_queues/${fc.sample(pathSpelling(q!.id), { numRuns: 1, seed: k.spelling })[0]}`;
          if (k.kind === 'name') return `/work_queues/name/${seg(q!.name)}`;
          if (k.kind === 'unknown id') return `/work_queues/${k.unknownId.replace(/-/g, '').toUpperCase()}`;
          if (k.kind === 'unknown name') return `/work_queues/name/${seg(k.missingQueue)}`;
          return `/work_queues/${k.malformed}`;
        });
        const responses = await Promise.all(paths.map((p) => get(p)));
        responses.forEach((res, i) => {
          const what = `GET ${paths[i]}`;
          const k = cases[i]!;
          if (k.kind === 'malformed') return expectDetail(res, 404, what, 'Not Found');
          if (k.kind.startsWith('unknown')) return expectDetail(res, 404, what, 'work queue not found');
          expectSuccess(res, what);
          const got = conform(WorkQueue, res.body, what);
          ensure(got.id === created[i]!.id, `${what}: another queue ${got.id}`);
        });
      }),
      0.5,
      BATCH,
    );
  }, timeoutFor(0.5));

  it('PATCH /work_queues/{id}: 204 and the queue as asked, whatever the id spelling; 404 {"detail"} for an unknown id', async () => {
    const arb = fc.record({ body: valid(WorkQueueUpdate), name: queueNames, rename: renames, spelling: fc.nat(), unknown: fc.option(fc.uuid(), { freq: 5 }) });
    await check(
      'PATCH /work_queues/{id} valid',
      fc.asyncProperty(batches(arb), async (cases) => {
        cases.forEach((k) => freshNames(k, ['name', 'rename']));
        const created = await Promise.all(
          cases.map(async (k) => {
            const res = await post('/work_queues/', { name: k.name });
            if (res.status !== 201) throw fail('setup: legacy queue', res, 'not created');
            return res.body as Queue;
          }),
        );
        const bodies = cases.map((k) => withRename(k.body, k.rename));
        const ids = cases.map((k, i) => k.unknown ?? created[i]!.id);
        const paths = ids.map((id, i) => `/work_queues/${fc.sample(pathSpelling(id), { numRuns: 1, seed: cases[i]!.spelling })[0]}`);
        const responses = await Promise.all(paths.map((p, i) => patch(p, bodies[i])));
        for (const [i, res] of responses.entries()) {
          const k = cases[i]!;
          const what = `PATCH ${paths[i]} ${JSON.stringify(bodies[i])}`;
          if (k.unknown) {
            expectDetail(res, 404, what, `Work Queue ${k.unknown} not found`);
            continue;
          }
          if (res.status !== 204) throw fail(what, res, 'expected 204');
          const read = await get(`/work_queues/${created[i]!.id}`);
          expectSuccess(read, `${what}: reading it back`);
          try {
            expectQueueAfterPatch(conform(WorkQueue, read.body, 'work queue'), { name: k.name }, bodies[i]!);
          } catch (e) {
            throw new Error(`${what}: ${(e as Error).message}`);
          }
        }
      }),
      0.5,
      BATCH,
    );
  }, timeoutFor(0.5));

  it('PATCH /work_queues/{id}, one fault: a 422 at the fault, and no queue changed', () =>
    faultyBodiesRejected({
      name: 'PATCH /work_queues/{id}',
      send: (b) => patch(`/work_queues/${target.legacyQueueId}`, b),
      shape: WorkQueueUpdate,
      expectOk: () => {},
      rowCount: fingerprint('work_queue'),
    }),
  timeoutFor());

  it('DELETE /work_queues/{id}: 204 once, 404 {"detail"} after and for unknown ids, 409 for a pool\'s default queue', async () => {
    const arb = fc.record({ names: fc.array(queueNames, { minLength: 1, maxLength: 4 }), picks: batches(fc.tuple(fc.nat(), fc.nat())), unknown: fc.uuid() });
    await check(
      'DELETE /work_queues/{id}',
      fc.asyncProperty(arb, async (run) => {
        const { names, picks, unknown } = freshNames(run, ['names']);
        const created = await Promise.all(names.map((n) => post('/work_queues/', { name: n })));
        const ids = created.map((r) => (r.body as Queue).id);
        const choices = [...ids, target.pool.default_queue_id!, unknown];
        const targets = picks.map(([k]) => choices[k % choices.length]!);
        const paths = targets.map((id, i) => `/work_queues/${fc.sample(pathSpelling(id), { numRuns: 1, seed: picks[i]![1] })[0]}`);
        const responses = await Promise.all(paths.map((p) => del(p)));
        const deleted = new Map<string, number>();
        responses.forEach((res, i) => {
          const id = targets[i]!;
          const what = `DELETE ${paths[i]}`;
          if (id === target.pool.default_queue_id) return expectDetail(res, 409, what, INTEGRITY);
          if (res.status === 204) deleted.set(id, (deleted.get(id) ?? 0) + 1);
          else expectDetail(res, 404, what, 'work queue not found');
        });
        for (const id of new Set(targets)) {
          if (id === target.pool.default_queue_id) continue;
          ensure((deleted.get(id) ?? 0) === (id === unknown ? 0 : 1), `${id} deleted ${deleted.get(id) ?? 0} times`);
        }
        const left = await rows(sql`SELECT id FROM work_queue WHERE id = ANY(${`{${[...deleted.keys(), target.pool.default_queue_id].join(',')}}`}::uuid[])`);
        ensure(left.length === 1, 'a deleted queue is still there, or the default queue is gone');
      }),
      0.5,
      BATCH,
    );
  }, timeoutFor(0.5));
});

describe('integers beyond what Postgres stores', () => {
  it('a 4xx that names no SQL, and nothing written', async () => {
    const arb = fc.record({
      what: fc.constantFrom('create pool', 'patch pool', 'create queue', 'patch queue', 'create legacy queue'),
      key: fc.constantFrom('concurrency_limit', 'priority'),
      n: beyondInt4(),
      name: queueNames,
    });
    await check(
      'work pools and queues beyond int4',
      fc.asyncProperty(batches(arb), async (cases) => {
        cases.forEach((k) => freshNames(k, ['name']));
        const before = [await fingerprint('work_pool')(), await fingerprint('work_queue')()];
        const pool = seg(target.pool.name);
        const responses = await Promise.all(
          cases.map((k) => {
            // Pools have no priority.
            const body = { [k.what.endsWith('pool') ? 'concurrency_limit' : k.key]: k.n };
            if (k.what === 'create pool') return post('/work_pools/', { ...body, name: k.name });
            if (k.what === 'patch pool') return patch(`/work_pools/${pool}`, body);
            if (k.what === 'create queue') return post(`/work_pools/${pool}/queues`, { ...body, name: k.name });
            if (k.what === 'patch queue') return patch(`/work_pools/${pool}/queues/${seg(target.queueName)}`, body);
            return post('/work_queues/', { ...body, name: k.name });
          }),
        );
        responses.forEach((res, i) => expectRejectedByDatabase(res, `${cases[i]!.what} ${cases[i]!.key}: ${cases[i]!.n}`));
        const after = [await fingerprint('work_pool')(), await fingerprint('work_queue')()];
        ensure(sameJson(after, before), 'a rejected request changed a pool or a queue');
      }),
      0.25,
      BATCH,
    );
  }, timeoutFor(0.25));
});
