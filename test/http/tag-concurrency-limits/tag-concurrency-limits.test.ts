/**
 * The v1 tag concurrency limit API (/concurrency_limits), backed by v2 limits named `tag:<tag>` as in
 * Prefect 3.9.1. The increment / decrement sequence was run against Prefect's server too, with the same
 * answers.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { call, del, get, post, resetDb, withDb } from '../helpers';

const NOT_FOUND = { detail: 'Concurrency limit not found' };
const create = (tag: string, concurrency_limit: number) => post('/concurrency_limits/', { tag, concurrency_limit });
const increment = (names: string[], task_run_id: string) => post('/concurrency_limits/increment', { names, task_run_id });
const decrement = (names: string[], task_run_id: string) => post('/concurrency_limits/decrement', { names, task_run_id });
const v2 = async (tag: string) => (await get(`/v2/concurrency_limits/tag:${tag}`)).body;
const leaseCount = async () => (await withDb((db) => db.execute(sql`SELECT count(*)::int AS n FROM concurrency_lease`))).rows[0];

beforeEach(async () => {
  await resetDb();
});

describe('create, read, filter, delete', () => {
  it('creates a v2 limit named tag:<tag> (201), and sets its limit when the tag exists (200)', async () => {
    const res = await create('db', 1);
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.any(String),
      created: expect.stringMatching(/Z$/),
      updated: expect.stringMatching(/Z$/),
      tag: 'db',
      concurrency_limit: 1,
      active_slots: [],
    });
    expect(await v2('db')).toMatchObject({ id: res.body.id, name: 'tag:db', limit: 1, active: true, active_slots: 0 });
    const again = await create('db', 5);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: res.body.id, created: res.body.created, concurrency_limit: 5 });
    expect(again.body.updated > res.body.updated).toBe(true);
    expect((await get(`/concurrency_limits/${res.body.id}`)).body).toEqual(again.body);
    expect((await get('/concurrency_limits/tag/db')).body).toEqual(again.body);
  });

  it('filter lists only tag limits, by tag, with limit and offset', async () => {
    await create('b', 1);
    await create('a', 2);
    await post('/v2/concurrency_limits/', { name: 'global', limit: 1 });
    const all = await post('/concurrency_limits/filter', {});
    expect(all.body.map((x: any) => x.tag)).toEqual(['a', 'b']);
    expect((await post('/concurrency_limits/filter', { limit: 1, offset: 1 })).body.map((x: any) => x.tag)).toEqual(['b']);
    // A v2 limit not named tag:… is not a tag limit.
    const global = (await get('/v2/concurrency_limits/global')).body;
    expect(await get(`/concurrency_limits/${global.id}`)).toMatchObject({ status: 404, body: NOT_FOUND });
    expect((await post('/concurrency_limits/filter', { limit: 201 })).status).toBe(422);
  });

  it('DELETE by id and by tag answer 200 with null, as Prefect; 404 after', async () => {
    const a = (await create('a', 1)).body;
    await create('b', 1);
    expect(await del(`/concurrency_limits/${a.id}`)).toMatchObject({ status: 200, body: null });
    expect(await del('/concurrency_limits/tag/b')).toMatchObject({ status: 200, body: null });
    expect(await del('/concurrency_limits/tag/b')).toMatchObject({ status: 404, body: NOT_FOUND });
    expect(await get('/v2/concurrency_limits/tag:a')).toMatchObject({ status: 404 });
  });

  it('404, 405 and 422 in Prefect\'s shapes', async () => {
    const nil = '00000000-0000-0000-0000-000000000000';
    for (const [method, path] of [
      ['GET', '/concurrency_limits/tag/nope'],
      ['GET', `/concurrency_limits/${nil}`],
      ['DELETE', '/concurrency_limits/tag/nope'],
      ['DELETE', `/concurrency_limits/${nil}`],
      ['POST', '/concurrency_limits/tag/nope/reset'],
    ] as const) {
      expect(await call(method, path, method === 'POST' ? {} : undefined), `${method} ${path}`).toMatchObject({ status: 404, body: NOT_FOUND });
    }
    for (const [method, path] of [
      ['GET', '/concurrency_limits/'],
      ['GET', '/concurrency_limits/filter'],
      ['GET', '/concurrency_limits/increment'],
      ['GET', '/concurrency_limits/tag/x/reset'],
      ['PATCH', '/concurrency_limits/tag/x'],
      ['PATCH', `/concurrency_limits/${nil}`],
    ] as const) {
      expect(await call(method, path), `${method} ${path}`).toMatchObject({ status: 405, body: { detail: 'Method Not Allowed' } });
    }
    const missing = await post('/concurrency_limits/', { tag: 'x' });
    expect(missing.body.exception_detail).toEqual([{ type: 'missing', loc: ['body', 'concurrency_limit'], msg: 'Field required', input: { tag: 'x' } }]);
    expect((await post('/concurrency_limits/', { tag: 'x', concurrency_limit: 1, z: 1 })).body.exception_detail[0]).toMatchObject({
      type: 'extra_forbidden',
      loc: ['body', 'z'],
    });
    // Prefect answers 500 here (the tag cannot be part of a v2 limit name).
    expect((await post('/concurrency_limits/', { tag: 'a/b', concurrency_limit: 1 })).body.exception_detail[0]).toMatchObject({
      type: 'string_pattern_mismatch',
      loc: ['body', 'tag'],
    });
    expect((await post('/concurrency_limits/', { tag: 'neg', concurrency_limit: -1 })).status).toBe(201);
    expect((await post('/concurrency_limits/increment', { names: ['x'] })).body.exception_detail[0]).toMatchObject({
      type: 'missing',
      loc: ['body', 'task_run_id'],
    });
  });
});

describe('increment and decrement (what v1 clients call for a task run)', () => {
  it('takes one slot per tag on one lease, all or nothing, and gives them back', async () => {
    const [tr1, tr2] = [crypto.randomUUID(), crypto.randomUUID()];
    const a = (await create('a', 2)).body;
    const b = (await create('b', 1)).body;
    const inc = await increment(['a', 'b', 'no-limit'], tr1);
    expect(inc).toMatchObject({ status: 200, body: [{ id: a.id, name: 'a', limit: 2 }, { id: b.id, name: 'b', limit: 1 }] });
    expect((await get('/concurrency_limits/tag/a')).body.active_slots).toEqual([tr1]);
    expect(await v2('a')).toMatchObject({ active_slots: 1 });
    expect(await leaseCount()).toEqual({ n: 1 });

    // b is full: nothing is taken, and Prefect names the first tag it tried.
    const full = await increment(['a', 'b'], tr2);
    expect(full.status).toBe(423);
    expect(full.body).toEqual({ detail: 'Concurrency limit for the a tag has been reached' });
    expect(full.headers.get('retry-after')).toBe('10.0');
    expect(await v2('a')).toMatchObject({ active_slots: 1 });

    expect((await increment(['a'], tr2)).body).toEqual([{ id: a.id, name: 'a', limit: 2 }]);
    expect((await get('/concurrency_limits/tag/a')).body.active_slots).toEqual([tr1, tr2]);

    // Decrement answers the limits found under their v2 names, and releases the whole lease of tr1 (a and b).
    const dec = await decrement(['a', 'nope'], tr1);
    expect(dec).toMatchObject({ status: 200, body: [{ id: a.id, name: 'tag:a', limit: 2 }] });
    expect((await get('/concurrency_limits/tag/a')).body.active_slots).toEqual([tr2]);
    expect(await v2('a')).toMatchObject({ active_slots: 1 });
    expect(await v2('b')).toMatchObject({ active_slots: 0 });
    expect((await decrement(['a'], tr1)).body).toEqual([{ id: a.id, name: 'tag:a', limit: 2 }]);
    expect(await v2('a')).toMatchObject({ active_slots: 1 });
    expect((await increment([], tr1)).body).toEqual([]);
    expect((await decrement(['nope'], tr1)).body).toEqual([]);
  });

  it('task runs racing for a limit of 2: exactly two get a slot', async () => {
    await create('race', 2);
    const results = await Promise.all(Array.from({ length: 6 }, () => increment(['race'], crypto.randomUUID())));
    expect(results.map((r) => r.status).sort()).toEqual([200, 200, 423, 423, 423, 423]);
    expect(await v2('race')).toMatchObject({ active_slots: 2 });
    expect((await get('/concurrency_limits/tag/race')).body.active_slots).toHaveLength(2);
    expect(await leaseCount()).toEqual({ n: 2 });
  });

  it('a zero limit is refused up front (it would deadlock); inactive limits are skipped', async () => {
    await create('zero', 0);
    await create('off', 1);
    await post('/v2/concurrency_limits/', { name: 'ignored', limit: 0 });
    await call('PATCH', '/v2/concurrency_limits/tag:off', { active: false });
    const zero = await increment(['off', 'zero'], crypto.randomUUID());
    expect(zero.status).toBe(423);
    expect(zero.body).toEqual({ detail: 'The concurrency limit on tag "zero" is 0 and will deadlock if the task tries to run again.' });
    expect(zero.headers.get('retry-after')).toBeNull();
    expect((await increment(['off'], crypto.randomUUID())).body).toEqual([]);
    expect(await leaseCount()).toEqual({ n: 0 });
  });
});

describe('reset and delete release the slots', () => {
  it('reset gives every slot back, then takes one per slot_override task run', async () => {
    const [tr1, tr2, tr3] = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];
    await create('a', 2);
    await create('b', 2);
    await increment(['a', 'b'], tr1);
    await increment(['a'], tr2);
    expect(await post('/concurrency_limits/tag/a/reset', {})).toMatchObject({ status: 200, body: null });
    expect((await get('/concurrency_limits/tag/a')).body.active_slots).toEqual([]);
    expect(await v2('a')).toMatchObject({ active_slots: 0 });
    // tr1's lease keeps its slot on b.
    expect((await get('/concurrency_limits/tag/b')).body.active_slots).toEqual([tr1]);
    expect(await v2('b')).toMatchObject({ active_slots: 1 });

    expect((await post('/concurrency_limits/tag/a/reset', { slot_override: [tr3, tr2] })).status).toBe(200);
    expect((await get('/concurrency_limits/tag/a')).body.active_slots.sort()).toEqual([tr2, tr3].sort());
    expect(await v2('a')).toMatchObject({ active_slots: 2 });
    expect((await decrement(['a'], tr3)).status).toBe(200);
    expect(await v2('a')).toMatchObject({ active_slots: 1 });
  });

  it('deleting a limit drops it from its leases; the leases\' other limits keep their slots', async () => {
    const tr = crypto.randomUUID();
    await create('a', 1);
    await create('b', 1);
    await increment(['a', 'b'], tr);
    expect((await del('/concurrency_limits/tag/a')).status).toBe(200);
    expect(await v2('b')).toMatchObject({ active_slots: 1 });
    expect((await decrement(['b'], tr)).body).toHaveLength(1);
    expect(await v2('b')).toMatchObject({ active_slots: 0 });
    expect(await leaseCount()).toEqual({ n: 0 });
  });
});
