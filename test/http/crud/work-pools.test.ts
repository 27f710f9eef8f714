/** Work pools and their queues: POST / PATCH / DELETE (filters spec §1.8, §1.9). */
import { describe, expect, it } from 'vitest';
import { del, patch, post, randomName, withDb } from '../helpers';
import { sql } from 'drizzle-orm';
import { deploymentById, poolByName, queuesOfPool } from './support';

const POOL_KEYS = [
  'id', 'created', 'updated', 'name', 'description', 'type', 'base_job_template', 'is_paused', 'concurrency_limit',
  'status', 'default_queue_id', 'storage_configuration', 'active_slots',
];

const priorities = async (poolId: string) => Object.fromEntries((await queuesOfPool(poolId)).map((q) => [q.name, q.priority]));

describe('POST /work_pools/', () => {
  it('creates a pool with its default queue (201)', async () => {
    const name = randomName('pool');
    const template = { job_configuration: { command: '{{ command }}' }, variables: { properties: { command: { type: 'string' } } } };
    const res = await post('/work_pools/', { name, type: 'process', base_job_template: template, concurrency_limit: 3 });
    expect(res.status).toBe(201);
    expect(Object.keys(res.body)).toEqual(POOL_KEYS);
    expect(res.body).toMatchObject({
      name,
      type: 'process',
      status: 'NOT_READY',
      is_paused: false,
      concurrency_limit: 3,
      active_slots: 0,
      description: null,
      storage_configuration: { bundle_upload_step: null, bundle_execution_step: null, default_result_storage_block_id: null },
    });
    const queues = await queuesOfPool(res.body.id);
    expect(queues).toHaveLength(1);
    expect(queues[0]).toMatchObject({ id: res.body.default_queue_id, name: 'default', priority: 1, description: "The work pool's default queue." });
  });

  it('agent pools report no status; paused pools of other types are PAUSED', async () => {
    const agent = await post('/work_pools/', { name: randomName('pool') });
    expect(agent.body).toMatchObject({ type: 'prefect-agent', status: null, active_slots: null });
    const paused = await post('/work_pools/', { name: randomName('pool'), type: 'docker', is_paused: true });
    expect(paused.body).toMatchObject({ status: 'PAUSED', is_paused: true });
  });

  it('409 for a duplicate name, 403 for reserved names, 422 for bad bodies', async () => {
    const name = randomName('pool');
    await post('/work_pools/', { name });
    const dup = await post('/work_pools/', { name });
    expect(dup.status).toBe(409);
    expect(dup.body).toEqual({ detail: 'A work pool with this name already exists.' });
    const reserved = await post('/work_pools/', { name: 'Prefect-Managed-x' });
    expect(reserved.status).toBe(403);
    expect(reserved.body).toEqual({ detail: "Work pools starting with 'Prefect' are reserved for internal use." });
    const blank = await post('/work_pools/', { name: '  ' });
    expect(blank.status).toBe(422);
    expect(blank.body.exception_detail[0]).toMatchObject({ type: 'value_error', loc: ['body', 'name'] });
    const slash = await post('/work_pools/', { name: 'a/b' });
    expect(slash.body.exception_detail[0]).toMatchObject({ type: 'string_pattern_mismatch', loc: ['body', 'name'] });
    const negative = await post('/work_pools/', { name: 'x', concurrency_limit: -1 });
    expect(negative.body.exception_detail[0]).toMatchObject({ type: 'greater_than_equal', loc: ['body', 'concurrency_limit'] });
    const storage = await post('/work_pools/', { name: 'x', storage_configuration: { nope: 1 } });
    expect(storage.body.exception_detail[0]).toMatchObject({ type: 'extra_forbidden', loc: ['body', 'storage_configuration', 'nope'] });
  });
});

describe('PATCH /work_pools/{name}', () => {
  it('updates the fields sent (204); pausing a typed pool sets PAUSED, unpausing NOT_READY', async () => {
    const name = randomName('pool with spaces');
    const created = (await post('/work_pools/', { name, type: 'docker' })).body;
    const res = await patch(`/work_pools/${encodeURIComponent(name)}`, { description: 'hello', is_paused: true, concurrency_limit: 2 });
    expect(res.status).toBe(204);
    let pool = await poolByName(name);
    expect(pool).toMatchObject({ description: 'hello', is_paused: true, status: 'PAUSED', concurrency_limit: 2, base_job_template: {} });
    expect(pool!.updated > created.updated).toBe(true);
    await patch(`/work_pools/${encodeURIComponent(name)}`, { is_paused: false });
    pool = await poolByName(name);
    expect(pool).toMatchObject({ is_paused: false, status: 'NOT_READY', description: 'hello' });
  });

  it('404 for an unknown pool; 403 for reserved pools except pause / limit; 422 for unknown keys', async () => {
    const missing = await patch('/work_pools/no-such-pool', { description: 'x' });
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ detail: 'Work pool "no-such-pool" not found.' });
    const reserved = await patch('/work_pools/prefect-thing', { description: 'x' });
    expect(reserved.status).toBe(403);
    // Allowed fields pass the reservation check (and then 404: no such pool here).
    expect((await patch('/work_pools/prefect-thing', { is_paused: true })).status).toBe(404);
    const extra = await patch(`/work_pools/${randomName('p')}`, { name: 'renamed' });
    expect(extra.status).toBe(422);
    expect(extra.body.exception_detail[0]).toMatchObject({ type: 'extra_forbidden', loc: ['body', 'name'] });
  });
});

describe('DELETE /work_pools/{name}', () => {
  it('deletes the pool and its queues; deployments lose their queue (204)', async () => {
    const name = randomName('pool');
    const pool = (await post('/work_pools/', { name })).body;
    await post(`/work_pools/${name}/queues`, { name: 'extra' });
    const flowId = (await post('/flows/', { name: randomName('flow') })).body.id;
    const dep = (await post('/deployments/', { name: 'd', flow_id: flowId, work_pool_name: name })).body;
    expect((await del(`/work_pools/${name}`)).status).toBe(204);
    expect(await poolByName(name)).toBeUndefined();
    const left = await withDb((db) => db.execute(sql`select count(*)::int as n from work_queue where work_pool_id = ${pool.id}`));
    expect(left.rows[0]).toEqual({ n: 0 });
    expect((await deploymentById(dep.id))).toMatchObject({ work_queue_id: null, work_pool_name: null });
    const again = await del(`/work_pools/${name}`);
    expect(again.status).toBe(404);
    expect(again.body).toEqual({ detail: `Work pool "${name}" not found.` });
    const reserved = await del('/work_pools/PREFECT-x');
    expect(reserved.status).toBe(403);
    expect(reserved.body).toEqual({ detail: "Work pools starting with 'Prefect' are reserved for internal use and can not be deleted." });
  });
});

describe('pool queues', () => {
  it('POST: first free priority, or the given one with the others shifted up (201)', async () => {
    const name = randomName('pool');
    const pool = (await post('/work_pools/', { name })).body;
    const a = await post(`/work_pools/${name}/queues`, { name: 'a', description: 'A', concurrency_limit: 4 });
    expect(a.status).toBe(201);
    expect(a.body).toMatchObject({ name: 'a', priority: 2, description: 'A', work_pool_id: pool.id, work_pool_name: name, active_slots: 0, status: 'NOT_READY' });
    await post(`/work_pools/${name}/queues`, { name: 'b', priority: 1 });
    expect(await priorities(pool.id)).toEqual({ b: 1, default: 2, a: 3 });
    await post(`/work_pools/${name}/queues`, { name: 'c', priority: 10 });
    expect(await priorities(pool.id)).toEqual({ b: 1, default: 2, a: 3, c: 10 });
    await post(`/work_pools/${name}/queues`, { name: 'd' });
    expect((await priorities(pool.id)).d).toBe(4);
  });

  it('POST: 404 for an unknown pool, 409 for a duplicate, 422 for bad bodies', async () => {
    const name = randomName('pool');
    await post('/work_pools/', { name });
    const missing = await post('/work_pools/nope-pool/queues', { name: 'q' });
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ detail: 'Work pool "nope-pool" not found.' });
    const dup = await post(`/work_pools/${name}/queues`, { name: 'default' });
    expect(dup.status).toBe(409);
    expect(dup.body.detail).toMatch(/^A work queue with this name already exists in work pool/);
    const zero = await post(`/work_pools/${name}/queues`, { name: 'q', priority: 0 });
    expect(zero.status).toBe(422);
    expect(zero.body.exception_detail[0]).toMatchObject({ type: 'greater_than', loc: ['body', 'priority'] });
  });

  it('PATCH updates a queue and re-balances priorities (204); 404s name the pool and queue', async () => {
    const name = randomName('pool');
    const pool = (await post('/work_pools/', { name })).body;
    await post(`/work_pools/${name}/queues`, { name: 'a' });
    await post(`/work_pools/${name}/queues`, { name: 'b' });
    const res = await patch(`/work_pools/${name}/queues/b`, { priority: 1, is_paused: true, description: 'bee' });
    expect(res.status).toBe(204);
    expect(await priorities(pool.id)).toEqual({ b: 1, default: 2, a: 3 });
    const b = (await queuesOfPool(pool.id)).find((q) => q.name === 'b');
    expect(b).toMatchObject({ is_paused: true, status: 'PAUSED', description: 'bee' });
    await patch(`/work_pools/${name}/queues/b`, { is_paused: false });
    expect((await queuesOfPool(pool.id)).find((q) => q.name === 'b')).toMatchObject({ is_paused: false, status: 'NOT_READY' });
    const noQueue = await patch(`/work_pools/${name}/queues/zzz`, { description: 'x' });
    expect(noQueue.status).toBe(404);
    expect(noQueue.body).toEqual({ detail: `Work pool queue '${name}/zzz' not found.` });
    const noPool = await patch('/work_pools/nope-pool/queues/default', { description: 'x' });
    expect(noPool.body).toEqual({ detail: 'Work pool "nope-pool" not found.' });
    const dupName = await patch(`/work_pools/${name}/queues/a`, { name: 'b' });
    expect(dupName.status).toBe(409);
  });

  it('DELETE removes a queue (204); the default queue cannot be deleted', async () => {
    const name = randomName('pool');
    const pool = (await post('/work_pools/', { name })).body;
    await post(`/work_pools/${name}/queues`, { name: 'a' });
    expect((await del(`/work_pools/${name}/queues/a`)).status).toBe(204);
    expect(Object.keys(await priorities(pool.id))).toEqual(['default']);
    const def = await del(`/work_pools/${name}/queues/default`);
    expect(def.status).toBe(409);
    expect(def.body).toEqual({ detail: "Can't delete a pool's default queue." });
    expect((await del(`/work_pools/${name}/queues/a`)).status).toBe(404);
  });
});
