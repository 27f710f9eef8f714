/** Global concurrency limits: /v2/concurrency_limits create, read, filter, update, delete. */
import { describe, expect, it } from 'vitest';
import { del, get, patch, post, randomName } from '../helpers';

describe('/v2/concurrency_limits', () => {
  it('POST creates (201) with defaults; a duplicate name is a 409', async () => {
    const name = randomName('gcl');
    const res = await post('/v2/concurrency_limits/', { name, limit: 5 });
    expect(res.status).toBe(201);
    expect(Object.keys(res.body)).toEqual([
      'id', 'created', 'updated', 'active', 'name', 'limit', 'active_slots', 'denied_slots', 'slot_decay_per_second', 'avg_slot_occupancy_seconds',
    ]);
    expect(res.body).toMatchObject({ name, limit: 5, active: true, active_slots: 0, denied_slots: 0, slot_decay_per_second: 0, avg_slot_occupancy_seconds: 2 });
    const dup = await post('/v2/concurrency_limits/', { name, limit: 1 });
    expect(dup.status).toBe(409);
  });

  it('POST 422s: missing limit, negative values, bad names, unknown keys', async () => {
    expect((await post('/v2/concurrency_limits/', { name: 'x' })).body.exception_detail[0]).toMatchObject({ type: 'missing', loc: ['body', 'limit'] });
    expect((await post('/v2/concurrency_limits/', { name: 'x', limit: -1 })).body.exception_detail[0]).toMatchObject({ type: 'greater_than_equal', loc: ['body', 'limit'] });
    expect((await post('/v2/concurrency_limits/', { name: 'a/b', limit: 1 })).body.exception_detail[0]).toMatchObject({ type: 'string_pattern_mismatch' });
    expect((await post('/v2/concurrency_limits/', { name: 'x', limit: 1, slot_decay_per_second: -0.5 })).status).toBe(422);
    expect((await post('/v2/concurrency_limits/', { name: 'x', limit: 1, foo: 1 })).body.exception_detail[0]).toMatchObject({ type: 'extra_forbidden', loc: ['body', 'foo'] });
  });

  it('GET by id or by name; 404 otherwise', async () => {
    const name = randomName('gcl limit');
    const created = (await post('/v2/concurrency_limits/', { name, limit: 3, active_slots: 2 })).body;
    const byId = await get(`/v2/concurrency_limits/${created.id}`);
    expect(byId.status).toBe(200);
    expect(Object.keys(byId.body)).toEqual(['id', 'created', 'updated', 'active', 'name', 'limit', 'active_slots', 'slot_decay_per_second']);
    expect(byId.body).toMatchObject({ id: created.id, name, limit: 3, active_slots: 2 });
    expect((await get(`/v2/concurrency_limits/${encodeURIComponent(name)}`)).body.id).toBe(created.id);
    const missing = await get(`/v2/concurrency_limits/${crypto.randomUUID()}`);
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ detail: 'Concurrency Limit not found' });
    expect((await get('/v2/concurrency_limits/no-such-limit')).status).toBe(404);
  });

  it('active slots decay for rate limits', async () => {
    const created = (await post('/v2/concurrency_limits/', { name: randomName('rate'), limit: 10, active_slots: 5, slot_decay_per_second: 1000 })).body;
    await new Promise((r) => setTimeout(r, 20));
    expect((await get(`/v2/concurrency_limits/${created.id}`)).body.active_slots).toBe(0);
  });

  it('POST /filter pages by name; limit over 200 is the detail 422', async () => {
    const prefix = randomName('page');
    for (const n of ['b', 'a', 'c']) await post('/v2/concurrency_limits/', { name: `${prefix}-${n}`, limit: 1 });
    const all = (await post('/v2/concurrency_limits/filter', {})).body as any[];
    const mine = all.filter((l) => l.name.startsWith(prefix)).map((l) => l.name);
    expect(mine).toEqual([`${prefix}-a`, `${prefix}-b`, `${prefix}-c`]);
    expect((await post('/v2/concurrency_limits/filter', { limit: 1, offset: 1 })).body).toHaveLength(1);
    const tooMany = await post('/v2/concurrency_limits/filter', { limit: 201 });
    expect(tooMany.status).toBe(422);
    expect(tooMany.body).toEqual({ detail: 'Invalid limit: must be less than or equal to 200.' });
    expect((await post('/v2/concurrency_limits/filter', { offset: -1 })).status).toBe(422);
  });

  it('PATCH by id or name updates the fields sent (204); 404 otherwise', async () => {
    const name = randomName('gcl');
    const created = (await post('/v2/concurrency_limits/', { name, limit: 3 })).body;
    expect((await patch(`/v2/concurrency_limits/${created.id}`, { limit: 8, active: false })).status).toBe(204);
    expect((await get(`/v2/concurrency_limits/${name}`)).body).toMatchObject({ limit: 8, active: false });
    const renamed = `${name}-2`;
    expect((await patch(`/v2/concurrency_limits/${name}`, { name: renamed })).status).toBe(204);
    expect((await get(`/v2/concurrency_limits/${created.id}`)).body.name).toBe(renamed);
    const missing = await patch(`/v2/concurrency_limits/${name}`, { limit: 1 });
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ detail: 'Concurrency Limit not found' });
    expect((await patch(`/v2/concurrency_limits/${renamed}`, { limit: -2 })).status).toBe(422);
  });

  it('DELETE by id or name (204); 404 after', async () => {
    const a = (await post('/v2/concurrency_limits/', { name: randomName('gcl'), limit: 1 })).body;
    const b = (await post('/v2/concurrency_limits/', { name: randomName('gcl'), limit: 1 })).body;
    expect((await del(`/v2/concurrency_limits/${a.id}`)).status).toBe(204);
    expect((await del(`/v2/concurrency_limits/${b.name}`)).status).toBe(204);
    const again = await del(`/v2/concurrency_limits/${a.id}`);
    expect(again.status).toBe(404);
    expect(again.body).toEqual({ detail: 'Concurrency Limit not found' });
  });
});

describe('/v2/concurrency_limits/increment and /decrement', () => {
  const create = async (extra: Record<string, unknown> = {}) =>
    (await post('/v2/concurrency_limits/', { name: randomName('slots'), limit: 2, ...extra })).body;

  it('takes slots on every named limit, all or nothing; a full limit is 423 with Retry-After', async () => {
    const a = await create();
    const b = await create({ limit: 1 });
    const ok = await post('/v2/concurrency_limits/increment', { names: [a.name, b.name], slots: 1 });
    expect(ok.status).toBe(200);
    expect(ok.body).toHaveLength(2);
    expect(ok.body.map((x: any) => Object.keys(x))).toEqual([['id', 'name', 'limit'], ['id', 'name', 'limit']]);
    const full = await post('/v2/concurrency_limits/increment', { names: [a.name, b.name], slots: 1 });
    expect(full.status).toBe(423);
    expect(full.body).toEqual({ detail: 'Locked' });
    expect(Number(full.headers.get('retry-after'))).toBeGreaterThan(0);
    // Nothing was taken on `a`; the denial was recorded.
    expect((await get(`/v2/concurrency_limits/${a.id}`)).body.active_slots).toBe(1);
  });

  it('releases slots, never below zero; inactive limits are skipped', async () => {
    const a = await create({ active_slots: 2 });
    const inactive = await create({ active: false, active_slots: 1 });
    const res = await post('/v2/concurrency_limits/decrement', { names: [a.name, inactive.name], slots: 3, occupancy_seconds: 4 });
    expect(res.status).toBe(200);
    expect(res.body).toHaveLength(2);
    expect((await get(`/v2/concurrency_limits/${a.id}`)).body.active_slots).toBe(0);
    expect((await get(`/v2/concurrency_limits/${inactive.id}`)).body.active_slots).toBe(1);
    expect((await post('/v2/concurrency_limits/decrement', { names: ['no-such-limit'], slots: 1 })).body).toEqual([]);
  });

  it('422s: more slots than the limit, rate limiting without decay, bad bodies', async () => {
    const a = await create();
    const tooMany = await post('/v2/concurrency_limits/increment', { names: [a.name], slots: 3 });
    expect(tooMany.status).toBe(422);
    expect(tooMany.body).toEqual({ detail: 'Slots requested is greater than the limit' });
    const rate = await post('/v2/concurrency_limits/increment', { names: [a.name], slots: 1, mode: 'rate_limit' });
    expect(rate.status).toBe(422);
    expect(rate.body.detail).toMatch(/^Only concurrency limits with slot decay can be used for rate limiting/);
    const decaying = await create({ slot_decay_per_second: 1 });
    expect((await post('/v2/concurrency_limits/increment', { names: [decaying.name], slots: 1, mode: 'rate_limit' })).status).toBe(200);
    const noSlots = await post('/v2/concurrency_limits/increment', { names: [a.name] });
    expect(noSlots.body.exception_detail[0]).toMatchObject({ type: 'missing', loc: ['body', 'slots'] });
    const zero = await post('/v2/concurrency_limits/increment', { names: [a.name], slots: 0 });
    expect(zero.body.exception_detail[0]).toMatchObject({ type: 'greater_than', loc: ['body', 'slots'] });
    // `mode` is a Literal in Prefect: the error type is literal_error, not enum.
    const badMode = await post('/v2/concurrency_limits/increment', { names: [a.name], slots: 1, mode: 'x' });
    expect(badMode.body.exception_detail[0]).toMatchObject({ type: 'literal_error', loc: ['body', 'mode'], ctx: { expected: "'concurrency' or 'rate_limit'" } });
    const empty = await post('/v2/concurrency_limits/decrement', { names: [], slots: 1 });
    expect(empty.body.exception_detail[0]).toMatchObject({ type: 'too_short', loc: ['body', 'names'] });
  });
});
