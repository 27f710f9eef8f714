/** Worker heartbeats, the worker list of a pool, worker deletion, and the refused worker channel. */
import { describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { call, del, get, patch, post, withDb } from '../helpers';
import { createPool, readPool } from './fixtures';

const heartbeat = (pool: string, body: unknown) => post(`/work_pools/${pool}/workers/heartbeat`, body);
const workers = (pool: string, body: unknown = {}) => post(`/work_pools/${pool}/workers/filter`, body);

describe('POST /work_pools/{name}/workers/heartbeat', () => {
  it('creates the worker ONLINE with its interval and makes a NOT_READY pool READY', async () => {
    const pool = await createPool();
    expect((await readPool(pool.name)).status).toBe('NOT_READY');
    // 3.9.1 workers also send return_id (and metadata to Cloud): ignored.
    const res = await heartbeat(pool.name, { name: 'w1', heartbeat_interval_seconds: 15, return_id: true });
    expect(res.status).toBe(204);
    expect(res.body).toBeNull();
    const after = await readPool(pool.name);
    expect(after.status).toBe('READY');
    const [w] = (await workers(pool.name)).body;
    expect(w).toMatchObject({ name: 'w1', work_pool_id: pool.id, heartbeat_interval_seconds: 15, status: 'ONLINE' });
    expect(Object.keys(w).sort()).toEqual(
      ['created', 'heartbeat_interval_seconds', 'id', 'last_heartbeat_time', 'name', 'status', 'updated', 'work_pool_id'].sort(),
    );
    const transitioned = await withDb((db) => db.execute(sql`select last_transitioned_status_at, last_status_event_id from work_pool where id = ${pool.id}`));
    expect(transitioned.rows[0]).toMatchObject({ last_transitioned_status_at: expect.any(String), last_status_event_id: expect.any(String) });
  });

  it('updates the same row on the next beat, keeping the interval when none is sent', async () => {
    const pool = await createPool();
    await heartbeat(pool.name, { name: 'w1', heartbeat_interval_seconds: 20 });
    const [first] = (await workers(pool.name)).body;
    await heartbeat(pool.name, { name: 'w1' });
    const list = (await workers(pool.name)).body;
    expect(list).toHaveLength(1);
    expect(list[0].id).toBe(first.id);
    expect(list[0].heartbeat_interval_seconds).toBe(20);
    expect(list[0].last_heartbeat_time >= first.last_heartbeat_time).toBe(true);
    // A heartbeat is not an update of the worker, as in Prefect.
    expect(list[0].updated).toBe(first.updated);
  });

  it('leaves a paused pool PAUSED, and unpausing it with an online worker makes it READY', async () => {
    const pool = await createPool({ is_paused: true });
    expect((await heartbeat(pool.name, { name: 'w1' })).status).toBe(204);
    expect((await readPool(pool.name)).status).toBe('PAUSED');
    expect((await patch(`/work_pools/${pool.name}`, { is_paused: false })).status).toBe(204);
    expect((await readPool(pool.name)).status).toBe('READY');
    const lonely = await createPool({ is_paused: true });
    await patch(`/work_pools/${lonely.name}`, { is_paused: false });
    expect((await readPool(lonely.name)).status).toBe('NOT_READY');
  });

  it('404s an unknown pool and 422s a bad body', async () => {
    const pool = await createPool();
    expect(await heartbeat('no-such-pool', { name: 'w' })).toMatchObject({ status: 404, body: { detail: 'Work pool "no-such-pool" not found.' } });
    const missing = await heartbeat(pool.name, { heartbeat_interval_seconds: 5 });
    expect(missing.status).toBe(422);
    expect(missing.body.exception_detail).toEqual([{ type: 'missing', loc: ['body', 'name'], msg: 'Field required', input: null }]);
    const bad = await heartbeat(pool.name, { name: 'w', heartbeat_interval_seconds: 'abc' });
    expect(bad.status).toBe(422);
    expect(bad.body.exception_detail[0]).toMatchObject({ type: 'int_parsing', loc: ['body', 'heartbeat_interval_seconds'] });
    expect((await heartbeat(pool.name, { name: 5 })).status).toBe(422);
    expect((await workers(pool.name)).body).toEqual([]);
  });
});

describe('POST /work_pools/{name}/workers/filter', () => {
  it('lists the latest heartbeat first, filters, pages, and derives OFFLINE from a stale heartbeat', async () => {
    const pool = await createPool();
    for (const name of ['a', 'b', 'c']) await heartbeat(pool.name, { name, heartbeat_interval_seconds: 10 });
    // b last beat 31 s ago: more than 3 intervals of 10 s.
    await withDb((db) =>
      db.execute(sql`update worker set last_heartbeat_time = now() - interval '31 seconds' where name = 'b' and work_pool_id = ${pool.id}`),
    );
    const all = (await workers(pool.name)).body;
    expect(all.map((w: { name: string }) => w.name)).toEqual(['c', 'a', 'b']);
    expect(all.map((w: { status: string }) => w.status)).toEqual(['ONLINE', 'ONLINE', 'OFFLINE']);
    const paged = (await workers(pool.name, { limit: 1, offset: 1 })).body;
    expect(paged.map((w: { name: string }) => w.name)).toEqual(['a']);
    const cutoff = new Date(Date.now() - 20_000).toISOString();
    const stale = (await workers(pool.name, { workers: { last_heartbeat_time: { before_: cutoff } } })).body;
    expect(stale.map((w: { name: string }) => w.name)).toEqual(['b']);
    // The status filter reads the stored column, which heartbeats set ONLINE.
    expect((await workers(pool.name, { workers: { status: { any_: ['ONLINE'] } } })).body).toHaveLength(3);
    expect((await workers(pool.name, { workers: { status: { not_any_: ['ONLINE'] } } })).body).toHaveLength(0);
  });

  it('404s an unknown pool and 422s a bad filter', async () => {
    const pool = await createPool();
    expect(await workers('no-such-pool')).toMatchObject({ status: 404, body: { detail: 'Work pool "no-such-pool" not found.' } });
    const extra = await workers(pool.name, { workers: { nope: 1 } });
    expect(extra.status).toBe(422);
    expect(extra.body.exception_detail[0]).toMatchObject({ type: 'extra_forbidden', loc: ['body', 'workers', 'nope'] });
    expect((await workers(pool.name, { workers: { status: { any_: ['AWAY'] } } })).status).toBe(422);
    expect(await workers(pool.name, { limit: 201 })).toMatchObject({ status: 422, body: { detail: 'Invalid limit: must be less than or equal to 200.' } });
  });
});

describe('DELETE /work_pools/{name}/workers/{worker}', () => {
  it('deletes the worker (204), then 404s it; 404s an unknown pool', async () => {
    const pool = await createPool();
    await heartbeat(pool.name, { name: 'gone' });
    expect((await del(`/work_pools/${pool.name}/workers/gone`)).status).toBe(204);
    expect((await workers(pool.name)).body).toEqual([]);
    expect(await del(`/work_pools/${pool.name}/workers/gone`)).toMatchObject({ status: 404, body: { detail: 'Worker not found.' } });
    expect(await del('/work_pools/no-such-pool/workers/gone')).toMatchObject({ status: 404, body: { detail: 'Work pool "no-such-pool" not found.' } });
  });
});

describe('GET /work_pools/{name}/workers/connect', () => {
  it('refuses the WebSocket upgrade with 405 (workers fall back to REST); a plain GET is a 404', async () => {
    const pool = await createPool();
    const upgrade = await call('GET', `/work_pools/${pool.name}/workers/connect`, undefined, { upgrade: 'websocket', connection: 'Upgrade' });
    expect(upgrade.status).toBe(405);
    expect((await get(`/work_pools/${pool.name}/workers/connect`)).status).toBe(404);
  });
});
