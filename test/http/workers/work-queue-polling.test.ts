/** The queue protocol by id: get_runs, status, and the concurrency views of a queue and a pool. */
import { describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { get, patch, post, withDb } from '../helpers';
import { MINUTE, createDeployment, createPool, createQueue, createRun, iso, statements } from './fixtures';

const getRuns = (id: string, body: unknown = {}, headers?: Record<string, string>) => post(`/work_queues/${id}/get_runs`, body, headers);
const ids = (res: { body: { id: string }[] }) => res.body.map((r) => r.id);
const setQueueName = (runId: string, name: string | null) =>
  withDb((db) => db.execute(sql`update flow_run set work_queue_name = ${name} where id = ${runId}`));

describe('POST /work_queues/{id}/get_runs', () => {
  it("matches runs by their stored queue name, within the queue's free slots, and records the poll", async () => {
    const pool = await createPool();
    // Runs are matched by name across pools: a name of this test's own.
    const name = `named-${crypto.randomUUID().slice(0, 8)}`;
    const queueId = await createQueue(pool.name, { name, concurrency_limit: 3 });
    const dep = await createDeployment(pool.name, name);
    const r1 = await createRun(dep, queueId, iso(-3 * MINUTE));
    const r2 = await createRun(dep, queueId, iso(-2 * MINUTE));
    const r3 = await createRun(dep, queueId, iso(30 * MINUTE));
    const unnamed = await createRun(dep, queueId, iso(-9 * MINUTE));
    const cancelling = await createRun(dep, queueId, iso(-MINUTE), 'CANCELLING');
    for (const id of [r1, r2, r3, cancelling]) await setQueueName(id, name);
    // Runs created from a deployment carry no stored queue name: Prefect's legacy scheduler skips them.
    expect(ids(await getRuns(queueId, {}, { 'x-prefect-ui': 'true' }))).toEqual([r1, r2]);
    expect(unnamed).toBeTruthy();
    // The UI's read records nothing.
    expect((await get(`/work_queues/${queueId}`)).body).toMatchObject({ status: 'NOT_READY', last_polled: null });

    expect(ids(await getRuns(queueId, { limit: 1 }))).toEqual([r1]);
    expect((await get(`/work_queues/${queueId}`)).body).toMatchObject({ status: 'READY', last_polled: expect.any(String) });
    expect((await get(`/deployments/${dep.id}`)).body.status).toBe('READY');
    // Without the CANCELLING run there are three free slots; the bound leaves out the future run.
    await withDb((db) => db.execute(sql`update flow_run set state_type = 'COMPLETED' where id = ${cancelling}`));
    expect(ids(await getRuns(queueId))).toEqual([r1, r2, r3]);
    expect(ids(await getRuns(queueId, { scheduled_before: iso(0) }))).toEqual([r1, r2]);
    await patch(`/work_pools/${pool.name}/queues/${name}`, { is_paused: true });
    expect((await getRuns(queueId)).body).toEqual([]);
  });

  it('matches a legacy tag queue by its filter and limit', async () => {
    const pool = await createPool();
    const dep = await createDeployment(pool.name);
    // A tag queue sees every run with its tags: a tag of this test's own.
    const tag = `etl-${crypto.randomUUID().slice(0, 8)}`;
    const queue = await post('/work_queues/', { name: `legacy-${crypto.randomUUID().slice(0, 6)}`, filter: { tags: [tag] }, concurrency_limit: 2 });
    expect(queue.status).toBe(201);
    const tagged = async (tags: string[], at: string, state = 'SCHEDULED') => {
      const id = await createRun(dep, pool.defaultQueueId, at, state);
      await withDb((db) => db.execute(sql`update flow_run set tags = ${JSON.stringify(tags)}::jsonb where id = ${id}`));
      return id;
    };
    await tagged([tag], iso(-MINUTE), 'RUNNING');
    const a = await tagged([tag, 'x'], iso(-3 * MINUTE));
    await tagged([tag], iso(-2 * MINUTE));
    await tagged(['other'], iso(-4 * MINUTE));
    // 2 - 1 RUNNING = 1 slot.
    expect(ids(await getRuns(queue.body.id))).toEqual([a]);
  });

  it('runs three statements whatever it returns, and 404s / 422s', async () => {
    const pool = await createPool();
    const name = `q-${crypto.randomUUID().slice(0, 8)}`;
    const queueId = await createQueue(pool.name, { name });
    const dep = await createDeployment(pool.name, name);
    for (let i = 0; i < 5; i++) await setQueueName(await createRun(dep, queueId, iso(-(i + 1) * MINUTE)), name);
    const res = await getRuns(queueId);
    expect(res.body).toHaveLength(5);
    expect(statements(res)).toBe(3);
    const missing = crypto.randomUUID();
    expect(await getRuns(missing)).toMatchObject({ status: 404, body: { exception_message: `Work queue with id ${missing} not found.` } });
    expect((await getRuns(queueId, { scheduled_before: 'x' })).status).toBe(422);
    expect((await getRuns('not-a-uuid')).status).toBe(404);
  });
});

describe('GET /work_queues/{id}/status', () => {
  it('is healthy when polled within a minute with no late runs', async () => {
    const pool = await createPool();
    const queueId = await createQueue(pool.name, { name: 'watched' });
    const policy = { maximum_late_runs: 0, maximum_seconds_since_last_polled: 60 };
    expect((await get(`/work_queues/${queueId}/status`)).body).toEqual({ healthy: false, late_runs_count: 0, last_polled: null, health_check_policy: policy });
    await getRuns(queueId);
    const polled = (await get(`/work_queues/${queueId}/status`)).body;
    expect(polled).toMatchObject({ healthy: true, late_runs_count: 0, last_polled: expect.any(String) });
    const dep = await createDeployment(pool.name, 'watched');
    const late = await createRun(dep, queueId, iso(-MINUTE));
    await withDb((db) => db.execute(sql`update flow_run set state_name = 'Late' where id = ${late}`));
    expect((await get(`/work_queues/${queueId}/status`)).body).toMatchObject({ healthy: false, late_runs_count: 1 });
    const missing = crypto.randomUUID();
    expect(await get(`/work_queues/${missing}/status`)).toMatchObject({ status: 404, body: { exception_message: `Work queue with id ${missing} not found` } });
  });
});

describe('concurrency_status', () => {
  it('lists the slot holders of a queue, paged by run id', async () => {
    const pool = await createPool();
    const queueId = await createQueue(pool.name, { name: 'busy', concurrency_limit: 5 });
    const dep = await createDeployment(pool.name, 'busy');
    const holders = [
      await createRun(dep, queueId, iso(-MINUTE), 'RUNNING'),
      await createRun(dep, queueId, iso(-MINUTE), 'PENDING'),
      await createRun(dep, queueId, iso(-MINUTE), 'CANCELLING'),
    ].sort();
    await createRun(dep, queueId, iso(-MINUTE), 'SCHEDULED');
    const res = await post(`/work_queues/${queueId}/concurrency_status`, { limit: 2, page: 2 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ active_slots: 3, concurrency_limit: 5, count: 3, limit: 2, pages: 2, page: 2 });
    expect(res.body.flow_runs).toHaveLength(1);
    expect(res.body.flow_runs[0]).toMatchObject({ id: holders[2], state_type: expect.any(String), time_in_current_state: null });
    expect(Object.keys(res.body.flow_runs[0]).sort()).toEqual(
      ['id', 'name', 'start_time', 'state_name', 'state_timestamp', 'state_type', 'time_in_current_state'].sort(),
    );
    expect(await post(`/work_queues/${crypto.randomUUID()}/concurrency_status`, {})).toMatchObject({ status: 404, body: { detail: 'Work queue not found.' } });
    expect((await post(`/work_queues/${queueId}/concurrency_status`, { page: 0 })).status).toBe(422);
  });

  it('lists the slot holders of a pool per queue, at most flow_run_limit each', async () => {
    const pool = await createPool({ concurrency_limit: 10 });
    const a = await createQueue(pool.name, { name: 'a', priority: 1 });
    const dep = await createDeployment(pool.name, 'a');
    const running = [await createRun(dep, a, iso(-MINUTE), 'RUNNING'), await createRun(dep, a, iso(-MINUTE), 'PENDING')].sort();
    await createRun(dep, a, iso(-MINUTE), 'CANCELLING');
    await createRun(dep, pool.defaultQueueId, iso(-MINUTE), 'RUNNING');
    const res = await post(`/work_pools/${pool.name}/concurrency_status`, { flow_run_limit: 1 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ active_slots: 3, concurrency_limit: 10, count: 2, limit: 200, pages: 1, page: 1 });
    expect(res.body.queues.map((q: { queue_name: string }) => q.queue_name)).toEqual(['a', 'default']);
    expect(res.body.queues[0]).toMatchObject({ queue_id: a, active_slots: 2, flow_run_count: 2, concurrency_limit: null });
    expect(res.body.queues[0].flow_runs.map((r: { id: string }) => r.id)).toEqual([running[0]]);
    const page2 = await post(`/work_pools/${pool.name}/concurrency_status`, { limit: 1, page: 2 });
    expect(page2.body.queues.map((q: { queue_name: string }) => q.queue_name)).toEqual(['default']);
    expect(statements(res)).toBe(1);
    expect(await post('/work_pools/no-such-pool/concurrency_status', {})).toMatchObject({ status: 404, body: { detail: "Work pool 'no-such-pool' not found." } });
    const bad = await post(`/work_pools/${pool.name}/concurrency_status`, { flow_run_limit: 500, page: 0 });
    expect(bad.body.exception_detail.map((i: { loc: unknown[] }) => i.loc)).toEqual([
      ['body', 'page'],
      ['body', 'flow_run_limit'],
    ]);
  });
});

describe('GET /deployments/{id}/work_queue_check', () => {
  it('lists the legacy tag queues that would pick the deployment up', async () => {
    const pool = await createPool();
    const dep = await createDeployment(pool.name);
    await withDb((db) => db.execute(sql`update deployment set tags = '["etl","nightly"]'::jsonb where id = ${dep.id}`));
    const legacy = async (filter: Record<string, unknown>) => {
      const res = await post('/work_queues/', { name: `check-${crypto.randomUUID().slice(0, 8)}`, filter });
      expect(res.status).toBe(201);
      return res.body.id as string;
    };
    const all = await legacy({ tags: [] });
    const subset = await legacy({ tags: ['etl'] });
    const superset = await legacy({ tags: ['etl', 'other'] });
    const mine = await legacy({ deployment_ids: [dep.id] });
    const another = await legacy({ deployment_ids: [crypto.randomUUID()] });
    const res = await get(`/deployments/${dep.id}/work_queue_check`);
    expect(res.status).toBe(200);
    // Other tests' legacy queues may match too: look at this test's own.
    const ours = new Set([all, subset, superset, mine, another]);
    expect(res.body.map((q: { id: string }) => q.id).filter((id: string) => ours.has(id)).sort()).toEqual([all, subset, mine].sort());
    expect(Object.keys(res.body[0]).sort()).toEqual(
      ['concurrency_limit', 'created', 'description', 'filter', 'id', 'is_paused', 'last_polled', 'name', 'priority', 'updated', 'work_pool_id'].sort(),
    );
    expect(await get(`/deployments/${crypto.randomUUID()}/work_queue_check`)).toMatchObject({ status: 404, body: { detail: 'Deployment not found' } });
  });
});
