/** Legacy work queues: POST /work_queues/, PATCH / DELETE /work_queues/{id} (in default-agent-pool). */
import { describe, expect, it } from 'vitest';
import { del, patch, post, randomName } from '../helpers';
import { hexUpper, poolByName, queueById } from './support';

describe('legacy work queues', () => {
  it('POST creates the queue in default-agent-pool, creating that pool lazily (201)', async () => {
    const name = randomName('wq');
    const res = await post('/work_queues/', { name, concurrency_limit: 2, filter: { tags: ['a'], extra: 1 } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      name,
      work_pool_name: 'default-agent-pool',
      concurrency_limit: 2,
      active_slots: 0,
      description: '',
      is_paused: false,
      filter: { tags: ['a'], deployment_ids: null },
    });
    const pool = await poolByName('default-agent-pool');
    expect(pool).toMatchObject({ type: 'prefect-agent', status: null, id: res.body.work_pool_id });
    const dup = await post('/work_queues/', { name });
    expect(dup.status).toBe(409);
    expect(dup.body).toEqual({ detail: 'A work queue with this name already exists.' });
    const bad = await post('/work_queues/', { name: 'a/b' });
    expect(bad.status).toBe(422);
    expect(bad.body.exception_detail[0]).toMatchObject({ type: 'string_pattern_mismatch', loc: ['body', 'name'] });
    const extra = await post('/work_queues/', { name: 'x', work_pool_id: crypto.randomUUID() });
    expect(extra.body.exception_detail[0]).toMatchObject({ type: 'extra_forbidden', loc: ['body', 'work_pool_id'] });
  });

  it('PATCH updates the fields sent (204), pausing sets PAUSED; 404 names the id', async () => {
    const q = (await post('/work_queues/', { name: randomName('wq') })).body;
    const res = await patch(`/work_queues/${hexUpper(q.id)}`, { is_paused: true, description: 'd', concurrency_limit: 1 });
    expect(res.status).toBe(204);
    expect(await queueById(q.id)).toMatchObject({ is_paused: true, status: 'PAUSED', description: 'd', concurrency_limit: 1 });
    // Unpausing a queue polled within the last minute makes it READY.
    await patch(`/work_queues/${q.id}`, { is_paused: false, last_polled: new Date().toISOString() });
    expect(await queueById(q.id)).toMatchObject({ is_paused: false, status: 'READY' });
    const id = crypto.randomUUID();
    const missing = await patch(`/work_queues/${id}`, { description: 'x' });
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ detail: `Work Queue ${id} not found` });
    const bad = await patch(`/work_queues/${q.id}`, { priority: 'high' });
    expect(bad.status).toBe(422);
    expect(bad.body.exception_detail[0]).toMatchObject({ type: 'int_parsing', loc: ['body', 'priority'] });
  });

  it('DELETE removes the queue (204), 404 after; a pool default queue is an integrity 409', async () => {
    const q = (await post('/work_queues/', { name: randomName('wq') })).body;
    expect((await del(`/work_queues/${q.id}`)).status).toBe(204);
    const again = await del(`/work_queues/${q.id}`);
    expect(again.status).toBe(404);
    expect(again.body).toEqual({ detail: 'work queue not found' });
    const pool = (await post('/work_pools/', { name: randomName('pool') })).body;
    const def = await del(`/work_queues/${pool.default_queue_id}`);
    expect(def.status).toBe(409);
    expect(def.body.detail).toMatch(/^Data integrity conflict/);
  });
});
