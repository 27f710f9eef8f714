/** Work-pool and work-queue read endpoints (spec §4.5, §2.6, §2.9.6). */
import { beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { get, post, withDb } from '../helpers';
import { seedCanonical, type Canonical } from '../fixtures/canonical';

let id: Canonical;
const extra = { pool: crypto.randomUUID(), q1: crypto.randomUUID(), q2: crypto.randomUUID(), agent: crypto.randomUUID(), aq: crypto.randomUUID() };

beforeAll(async () => {
  id = await seedCanonical();
  await withDb(async (db) => {
    await db.execute(sql`insert into work_pool (id, name, type, concurrency_limit, status) values (${extra.pool}, 'k8s', 'kubernetes', 10, 'READY')`);
    await db.execute(sql`insert into work_queue (id, name, work_pool_id, priority, concurrency_limit) values
      (${extra.q1}, 'default', ${extra.pool}, 2, 1), (${extra.q2}, 'high', ${extra.pool}, 1, null)`);
    await db.execute(sql`update work_pool set default_queue_id = ${extra.q1} where id = ${extra.pool}`);
    // R4 (RUNNING) and R5 (RUNNING) sit on the k8s default queue.
    await db.execute(sql`update flow_run set work_queue_id = ${extra.q1} where id in (${id.R4}, ${id.R5})`);
  });
});

const names = (body: { name: string }[]) => body.map((x) => x.name);

describe('work pools', () => {
  it('POST /work_pools/filter lists pools by name, with filters, limit and offset', async () => {
    expect(names((await post('/work_pools/filter', {})).body)).toEqual(['Test Pool', 'k8s']);
    expect(names((await post('/work_pools/filter', { work_pools: { type: { any_: ['kubernetes'] } } })).body)).toEqual(['k8s']);
    expect(names((await post('/work_pools/filter', { offset: 1 })).body)).toEqual(['k8s']);
    expect(names((await post('/work_pools/filter', { work_pools: { id: { any_: [id.pool] } } })).body)).toEqual(['Test Pool']);
  });

  it('POST /work_pools/count takes an embedded work_pools key', async () => {
    expect((await post('/work_pools/count', {})).body).toBe(2);
    expect((await post('/work_pools/count', { work_pools: { name: { any_: ['k8s', 'x'] } } })).body).toBe(1);
    expect((await post('/work_pools/count', { work_pools: { operator: 'or_', name: { any_: ['k8s'] }, type: { any_: ['prefect-agent'] } } })).body).toBe(2);
  });

  it('GET /work_pools/{name}: status null for agent pools, active_slots with a limit, 404', async () => {
    const agent = await get('/work_pools/Test%20Pool');
    expect(agent.status).toBe(200);
    expect(agent.body).toMatchObject({ name: 'Test Pool', type: 'prefect-agent', status: null, active_slots: null, default_queue_id: id.WQd });
    const k8s = await get('/work_pools/k8s');
    expect(k8s.body).toMatchObject({ status: 'READY', concurrency_limit: 10, active_slots: 2 });
    expect(await get('/work_pools/nope')).toMatchObject({ status: 404, body: { detail: 'Work pool "nope" not found.' } });
  });

  it('POST /work_pools/{name}/queues/filter: the pool\'s queues by priority; 404 for a missing pool', async () => {
    const res = await post('/work_pools/k8s/queues/filter', {});
    expect(names(res.body)).toEqual(['high', 'default']);
    expect(res.body[1]).toMatchObject({ work_pool_name: 'k8s', active_slots: 2, concurrency_limit: 1 });
    expect(names((await post('/work_pools/k8s/queues/filter', { work_queues: { name: { startswith_: ['H'] } } })).body)).toEqual(['high']);
    expect((await post('/work_pools/k8s/queues/filter', { work_queues: { name: { any_: ['none'] } } })).body).toEqual([]);
    expect(await post('/work_pools/nope/queues/filter', {})).toMatchObject({ status: 404, body: { detail: 'Work pool "nope" not found.' } });
  });

  it('GET /work_pools/{pool}/queues/{name} and its 404s', async () => {
    const q = await get('/work_pools/Test%20Pool/queues/default');
    expect(q.body).toMatchObject({ id: id.WQd, name: 'default', work_pool_id: id.pool, work_pool_name: 'Test Pool', priority: 1 });
    expect(await get('/work_pools/k8s/queues/nope')).toMatchObject({ status: 404, body: { detail: "Work pool queue 'k8s/nope' not found." } });
    expect(await get('/work_pools/nope/queues/default')).toMatchObject({ status: 404, body: { detail: 'Work pool "nope" not found.' } });
  });
});

describe('work queues', () => {
  it('POST /work_queues/filter lists queues of all pools by name', async () => {
    const res = await post('/work_queues/filter', {});
    expect(names(res.body)).toEqual(['default', 'default', 'high']);
    expect(names((await post('/work_queues/filter', { limit: 1, offset: 2 })).body)).toEqual(['high']);
    expect((await post('/work_queues/filter', { work_queues: { id: { any_: [extra.q2] } } })).body[0].id).toBe(extra.q2);
  });

  it('GET /work_queues/{id}: 200, lowercase 404, and non-UUID paths', async () => {
    const q = await get(`/work_queues/${extra.q1.toUpperCase()}`);
    expect(q.body).toMatchObject({ id: extra.q1, name: 'default', active_slots: 2 });
    expect(await get(`/work_queues/${crypto.randomUUID()}`)).toMatchObject({ status: 404, body: { detail: 'work queue not found' } });
    expect(await get('/work_queues/not-a-uuid')).toMatchObject({ status: 404, body: { detail: 'Not Found' } });
  });

  it('GET /work_queues/name/{name} prefers default-agent-pool when it exists', async () => {
    const anyPool = await get('/work_queues/name/high');
    expect(anyPool.body).toMatchObject({ id: extra.q2 });
    await withDb(async (db) => {
      await db.execute(sql`insert into work_pool (id, name, type) values (${extra.agent}, 'default-agent-pool', 'prefect-agent')`);
      await db.execute(sql`insert into work_queue (id, name, work_pool_id) values (${extra.aq}, 'agent-q', ${extra.agent})`);
    });
    expect((await get('/work_queues/name/agent-q')).body).toMatchObject({ id: extra.aq, work_pool_name: 'default-agent-pool' });
    expect(await get('/work_queues/name/high')).toMatchObject({ status: 404, body: { detail: 'work queue not found' } });
  });
});
