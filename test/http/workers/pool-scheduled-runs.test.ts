/** POST /work_pools/{name}/get_scheduled_flow_runs: what a worker polls, and the poll's bookkeeping. */
import { describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { get, patch, post, withDb } from '../helpers';
import { MINUTE, createDeployment, createPool, createQueue, createRun, iso, poll, runIds, statements } from './fixtures';

describe('which runs a poll returns', () => {
  it('returns SCHEDULED runs with their pool and queue, ordered by queue priority, then scheduled time', async () => {
    const pool = await createPool();
    const high = await createQueue(pool.name, { name: 'high', priority: 1 });
    const dep = await createDeployment(pool.name, 'high');
    // The default queue moved to priority 2 when `high` took priority 1.
    const lowLate = await createRun(dep, pool.defaultQueueId, iso(-3 * MINUTE));
    const highSoon = await createRun(dep, high, iso(-1 * MINUTE));
    const highEarly = await createRun(dep, high, iso(-2 * MINUTE));
    await createRun(dep, high, iso(-5 * MINUTE), 'RUNNING');
    await createRun(dep, high, iso(-5 * MINUTE), 'COMPLETED');
    // An in-process retry belongs to the engine that runs it, not to a worker.
    await createRun(dep, high, iso(-5 * MINUTE), 'SCHEDULED', { retry_type: 'in_process' });
    const res = await poll(pool.name);
    expect(res.status).toBe(200);
    expect(runIds(res)).toEqual([highEarly, highSoon, lowLate]);
    expect(res.body[0]).toMatchObject({ work_pool_id: pool.id, work_queue_id: high });
    expect(res.body[2].work_queue_id).toBe(pool.defaultQueueId);
    const run = res.body[0].flow_run;
    expect(run).toMatchObject({ id: highEarly, deployment_id: dep.id, state_type: 'SCHEDULED', work_queue_id: high });
    // Prefect's core FlowRun: no pool fields, and the run's stored queue name (none for a deployment's run).
    expect(run.work_queue_name).toBeNull();
    expect(run).not.toHaveProperty('work_pool_id');
    expect(run).not.toHaveProperty('work_pool_name');
    expect(Object.keys(res.body[0]).sort()).toEqual(['flow_run', 'work_pool_id', 'work_queue_id']);
  });

  it('honours scheduled_before, scheduled_after, limit and work_queue_names', async () => {
    const pool = await createPool();
    const other = await createQueue(pool.name, { name: 'other' });
    const dep = await createDeployment(pool.name);
    const past = await createRun(dep, pool.defaultQueueId, iso(-10 * MINUTE));
    const now = await createRun(dep, pool.defaultQueueId, iso(0));
    const future = await createRun(dep, pool.defaultQueueId, iso(60 * MINUTE));
    const elsewhere = await createRun(dep, other, iso(-20 * MINUTE));
    // `other` was created after `default`, so it has the lower priority (2). No bound: every scheduled run.
    expect(runIds(await poll(pool.name))).toEqual([past, now, future, elsewhere]);
    expect(runIds(await poll(pool.name, { scheduled_before: iso(MINUTE) }))).toEqual([past, now, elsewhere]);
    expect(runIds(await poll(pool.name, { scheduled_after: iso(-5 * MINUTE) }))).toEqual([now, future]);
    expect(runIds(await poll(pool.name, { scheduled_after: iso(-15 * MINUTE), scheduled_before: iso(MINUTE) }))).toEqual([past, now]);
    expect(runIds(await poll(pool.name, { limit: 2 }))).toEqual([past, now]);
    expect(runIds(await poll(pool.name, { work_queue_names: ['other'] }))).toEqual([elsewhere]);
    expect(runIds(await poll(pool.name, { work_queue_names: ['other', 'default'], limit: 1 }))).toEqual([past]);
    // An empty list means every queue, as in Prefect.
    expect(runIds(await poll(pool.name, { work_queue_names: [] }))).toHaveLength(4);
  });

  it('gives a queue at most its free slots (PENDING and RUNNING runs hold them)', async () => {
    const pool = await createPool();
    const limited = await createQueue(pool.name, { name: 'limited', concurrency_limit: 2, priority: 1 });
    const dep = await createDeployment(pool.name, 'limited');
    await createRun(dep, limited, iso(-MINUTE), 'RUNNING');
    await createRun(dep, limited, iso(-MINUTE), 'CANCELLING');
    const first = await createRun(dep, limited, iso(-3 * MINUTE));
    await createRun(dep, limited, iso(-2 * MINUTE));
    const free = await createRun(dep, pool.defaultQueueId, iso(-MINUTE));
    // limited: 2 - 1 RUNNING = 1 slot (CANCELLING does not count in a pool queue); default: no limit.
    expect(runIds(await poll(pool.name))).toEqual([first, free]);
    await createRun(dep, limited, iso(-MINUTE), 'PENDING');
    expect(runIds(await poll(pool.name))).toEqual([free]);
  });

  it('gives the pool at most its free slots, counting runs of unpaused queues only', async () => {
    const pool = await createPool({ concurrency_limit: 3 });
    const a = await createQueue(pool.name, { name: 'a', priority: 1 });
    const paused = await createQueue(pool.name, { name: 'paused', is_paused: true });
    const dep = await createDeployment(pool.name, 'a');
    await createRun(dep, a, iso(-MINUTE), 'RUNNING');
    await createRun(dep, paused, iso(-MINUTE), 'RUNNING');
    const r1 = await createRun(dep, a, iso(-4 * MINUTE));
    await createRun(dep, pool.defaultQueueId, iso(-3 * MINUTE));
    const r3 = await createRun(dep, a, iso(-2 * MINUTE));
    await createRun(dep, paused, iso(-5 * MINUTE));
    // 3 - 1 (the paused queue's RUNNING run is not counted) = 2, highest priority (queue a) first.
    expect(runIds(await poll(pool.name))).toEqual([r1, r3]);
    await createRun(dep, a, iso(-MINUTE), 'PENDING');
    await createRun(dep, a, iso(-MINUTE), 'PENDING');
    expect(runIds(await poll(pool.name))).toEqual([]);
  });

  it('returns nothing from a paused pool and skips paused queues', async () => {
    const pool = await createPool();
    await createQueue(pool.name, { name: 'stopped', is_paused: true });
    const dep = await createDeployment(pool.name, 'stopped');
    const stoppedQueue = (await get(`/work_pools/${pool.name}/queues/stopped`)).body.id;
    await createRun(dep, stoppedQueue, iso(-MINUTE));
    const running = await createRun(dep, pool.defaultQueueId, iso(-MINUTE));
    expect(runIds(await poll(pool.name))).toEqual([running]);
    expect(runIds(await poll(pool.name, { work_queue_names: ['stopped'] }))).toEqual([]);
    await patch(`/work_pools/${pool.name}`, { is_paused: true });
    expect((await poll(pool.name)).body).toEqual([]);
  });
});

describe('what a poll records', () => {
  it('sets last_polled on the polled queues (NOT_READY ones become READY, PAUSED stay) and READY on their deployments', async () => {
    const pool = await createPool();
    // Paused by an update (PAUSED); a queue created paused is NOT_READY, and a poll makes it READY, as in Prefect.
    await createQueue(pool.name, { name: 'paused' });
    await patch(`/work_pools/${pool.name}/queues/paused`, { is_paused: true });
    await createQueue(pool.name, { name: 'unpolled' });
    const dep = await createDeployment(pool.name, 'default');
    const pausedDep = await createDeployment(pool.name, 'paused');
    const unpolledDep = await createDeployment(pool.name, 'unpolled');
    const before = (await get(`/deployments/${dep.id}`)).body;
    expect(before).toMatchObject({ status: 'NOT_READY', last_polled: null });

    expect((await poll(pool.name, { work_queue_names: ['default', 'paused'] })).status).toBe(200);
    const queue = (name: string) => get(`/work_pools/${pool.name}/queues/${name}`).then((r) => r.body);
    expect(await queue('default')).toMatchObject({ status: 'READY', last_polled: expect.any(String) });
    expect(await queue('paused')).toMatchObject({ status: 'PAUSED', last_polled: expect.any(String) });
    expect(await queue('unpolled')).toMatchObject({ status: 'NOT_READY', last_polled: null });
    const after = (await get(`/deployments/${dep.id}`)).body;
    expect(after).toMatchObject({ status: 'READY', last_polled: expect.any(String) });
    // `updated` is left alone, so the scheduler does not see a changed deployment.
    expect(after.updated).toBe(before.updated);
    expect((await get(`/deployments/${pausedDep.id}`)).body.status).toBe('READY');
    expect((await get(`/deployments/${unpolledDep.id}`)).body).toMatchObject({ status: 'NOT_READY', last_polled: null });

    // Without names every queue of the pool is polled.
    await poll(pool.name);
    expect(await queue('unpolled')).toMatchObject({ status: 'READY', last_polled: expect.any(String) });
    expect((await get(`/deployments/${unpolledDep.id}`)).body.status).toBe('READY');
  });

  it('records the poll of a paused pool too', async () => {
    const pool = await createPool({ is_paused: true });
    const dep = await createDeployment(pool.name);
    expect((await poll(pool.name)).body).toEqual([]);
    expect((await get(`/deployments/${dep.id}`)).body.status).toBe('READY');
  });
});

describe('cost and errors', () => {
  it('sends the same number of statements for 1 queue as for 12 queues with runs', async () => {
    const small = await createPool();
    const smallDep = await createDeployment(small.name);
    await createRun(smallDep, small.defaultQueueId, iso(-MINUTE));
    const big = await createPool({ concurrency_limit: 50 });
    const names: string[] = [];
    for (let i = 0; i < 11; i++) {
      const name = `q${i}`;
      names.push(name);
      const id = await createQueue(big.name, { name, concurrency_limit: 5 });
      const dep = await createDeployment(big.name, name);
      for (let j = 0; j < 3; j++) await createRun(dep, id, iso(-(j + 1) * MINUTE));
    }
    const one = await poll(small.name);
    const many = await poll(big.name);
    expect(one.body).toHaveLength(1);
    expect(many.body).toHaveLength(33);
    expect(statements(many)).toBe(statements(one));
    // resolve the pool, select the runs and record the poll, read the runs
    expect(statements(one)).toBe(3);
    const named = await poll(big.name, { work_queue_names: names });
    expect(named.body).toHaveLength(33);
    expect(statements(named)).toBe(3);
    // Nothing to read: two.
    const empty = await createPool();
    expect(statements(await poll(empty.name))).toBe(2);
  });

  it('404s an unknown pool or queue name, and 422s a bad body', async () => {
    const pool = await createPool();
    expect(await poll('no-such-pool')).toMatchObject({ status: 404, body: { detail: 'Work pool "no-such-pool" not found.' } });
    expect(await poll(pool.name, { work_queue_names: ['default', 'zz', 'yy'] })).toMatchObject({
      status: 404,
      body: { detail: `Work pool queue '${pool.name}/zz' not found.` },
    });
    const badTime = await poll(pool.name, { scheduled_before: 'soon' });
    expect(badTime.status).toBe(422);
    expect(badTime.body.exception_detail[0].loc).toEqual(['body', 'scheduled_before']);
    expect((await poll(pool.name, { work_queue_names: 'default' })).status).toBe(422);
    expect((await poll(pool.name, { work_queue_names: [1] })).status).toBe(422);
    expect(await poll(pool.name, { limit: 500 })).toMatchObject({ status: 422, body: { detail: 'Invalid limit: must be less than or equal to 200.' } });
    // A 404 or 422 records no poll.
    const q = await withDb((db) => db.execute(sql`select last_polled from work_queue where work_pool_id = ${pool.id}`));
    expect(q.rows.every((r) => (r as { last_polled: unknown }).last_polled === null)).toBe(true);
  });
});

describe('concurrent polls', () => {
  it('overlapping polls and heartbeats of one pool, naming its queues in different orders, all succeed', async () => {
    const pool = await createPool({ concurrency_limit: 20 });
    const names = ['default'];
    for (let i = 0; i < 4; i++) {
      const name = `c${i}`;
      names.push(name);
      const id = await createQueue(pool.name, { name });
      const dep = await createDeployment(pool.name, name);
      await createRun(dep, id, iso(-MINUTE));
    }
    const requests = Array.from({ length: 12 }, (_, i) => {
      if (i % 3 === 2) return post(`/work_pools/${pool.name}/workers/heartbeat`, { name: `w${i % 2}` });
      const order = i % 2 === 0 ? names : [...names].reverse();
      return poll(pool.name, { work_queue_names: order });
    });
    const responses = await Promise.all(requests);
    expect(responses.map((r) => r.status).filter((s) => s !== 200 && s !== 204)).toEqual([]);
    expect((await get(`/work_pools/${pool.name}`)).body.status).toBe('READY');
  });

  it('a heartbeat is one statement', async () => {
    const pool = await createPool();
    expect(statements(await post(`/work_pools/${pool.name}/workers/heartbeat`, { name: 'w' }))).toBe(1);
    expect(statements(await post(`/work_pools/${pool.name}/workers/heartbeat`, { name: 'w', heartbeat_interval_seconds: 5 }))).toBe(1);
  });
});
