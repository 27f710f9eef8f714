/**
 * Concurrent priority-changing writes in one pool (found by the property tests): deleting or
 * re-prioritising queues at the same time used to deadlock (503), each request holding the queue
 * the other needed. They now lock the pool's queues in one order first.
 */
import { describe, expect, it } from 'vitest';
import { call, patch, post, randomName } from '../helpers';

async function poolWithQueues(n: number) {
  const pool = randomName('conc-pool');
  expect((await post('/work_pools/', { name: pool })).status).toBe(201);
  const queues: string[] = [];
  for (let i = 0; i < n; i += 1) {
    const name = `q-${i}`;
    expect((await post(`/work_pools/${pool}/queues`, { name })).status).toBe(201);
    queues.push(name);
  }
  return { pool, queues };
}

describe('a pool’s queues changed concurrently', () => {
  it('12 deletes at once: every one 204, no deadlock', async () => {
    const { pool, queues } = await poolWithQueues(12);
    const responses = await Promise.all(queues.map((q) => call('DELETE', `/work_pools/${pool}/queues/${q}`)));
    expect(responses.map((r) => r.status)).toEqual(Array(12).fill(204));
  });

  it('deletes and priority changes at once: all succeed, priorities stay unique', async () => {
    const { pool, queues } = await poolWithQueues(10);
    const responses = await Promise.all(
      queues.map((q, i) => (i % 2 ? call('DELETE', `/work_pools/${pool}/queues/${q}`) : patch(`/work_pools/${pool}/queues/${q}`, { priority: 1 }))),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(204));
    const left = (await post(`/work_pools/${pool}/queues/filter`, {})).body as { priority: number }[];
    expect(left).toHaveLength(6); // the default queue and five re-prioritised ones
    expect(new Set(left.map((q) => q.priority)).size).toBe(6);
  });
});
