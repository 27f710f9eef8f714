/** POST /flow_runs/ (initial state, idempotency, queues, labels), DELETE /flow_runs/{id}, and the cron jobs. */
import { describe, expect, it } from 'vitest';
import { env } from 'cloudflare:workers';
import { sql } from 'drizzle-orm';
import { del, get, post, randomName, withDb } from '../helpers';
import { runMaintenance } from '../../../src/services';
import { createDeployment, createFlow, createRun, createTaskRun, history, iso, leasesOn, limitRow, runIn, runRow, setState } from './fixtures';

async function createPool(): Promise<{ pool: string; queueId: string }> {
  return withDb(async (db) => {
    const pool = randomName('pool');
    const p = await db.execute(sql`INSERT INTO work_pool (name, type) VALUES (${pool}, 'process') RETURNING id`);
    const poolId = (p.rows[0] as any).id;
    const q = await db.execute(sql`INSERT INTO work_queue (name, work_pool_id) VALUES ('default', ${poolId}) RETURNING id`);
    const queueId = (q.rows[0] as any).id;
    await db.execute(sql`UPDATE work_pool SET default_queue_id = ${queueId} WHERE id = ${poolId}`);
    return { pool, queueId };
  });
}

describe('POST /flow_runs/', () => {
  it('creates a PENDING run by default, with its state and bookkeeping', async () => {
    const flowId = await createFlow();
    const res = await post('/flow_runs/', { flow_id: flowId });
    expect(res.status).toBe(201);
    const r = res.body;
    expect(r.name).toMatch(/^[a-z]+-[a-z]+$/);
    expect([r.state_type, r.state_name, r.state.type, r.run_count]).toEqual(['PENDING', 'Pending', 'PENDING', 0]);
    expect(r.state.state_details.flow_run_id).toBe(r.id);
    expect(r.expected_start_time).toBe(r.state.timestamp);
    expect(r.labels).toEqual({ 'prefect.flow.id': flowId });
    expect(r.empirical_policy).toEqual({ max_retries: 0, retry_delay_seconds: 0, retries: null, retry_delay: null, pause_keys: [], resuming: false, retry_type: null });
    // Prefect 3.8.8 stores {} when none are sent (the spec saw null on an older commit).
    expect(r.job_variables).toEqual({});
  });

  it('stores job_variables as null when a work pool is named and none are sent (Prefect 3.8.8)', async () => {
    const flowId = await createFlow();
    const pool = `pool-${crypto.randomUUID().slice(0, 8)}`;
    expect((await post('/work_pools/', { name: pool, type: 'process' })).status).toBe(201);
    const r = (await post('/flow_runs/', { flow_id: flowId, work_pool_name: pool })).body;
    expect([r.work_pool_name, r.work_queue_name, r.job_variables]).toEqual([pool, 'default', null]);
    const given = (await post('/flow_runs/', { flow_id: flowId, work_pool_name: pool, job_variables: { cpu: 1 } })).body;
    expect(given.job_variables).toEqual({ cpu: 1 });
  });

  it('a run created COMPLETED has start = end = expected start = the state timestamp; RUNNING counts the run', async () => {
    const flowId = await createFlow();
    const done = (await post('/flow_runs/', { flow_id: flowId, state: { type: 'COMPLETED' } })).body;
    expect([done.start_time, done.end_time, done.expected_start_time]).toEqual([done.state.timestamp, done.state.timestamp, done.state.timestamp]);
    const running = (await post('/flow_runs/', { flow_id: flowId, state: { type: 'RUNNING' } })).body;
    expect([running.run_count, running.start_time]).toEqual([1, running.state.timestamp]);
    const T = iso(3600_000);
    const scheduled = (await post('/flow_runs/', { flow_id: flowId, state: { type: 'SCHEDULED', state_details: { scheduled_time: T } } })).body;
    expect(Date.parse(scheduled.next_scheduled_start_time)).toBe(Date.parse(T));
    expect(Date.parse(scheduled.expected_start_time)).toBe(Date.parse(T));
  });

  it('takes no deployment slot for a PENDING run; labels come from the deployment', async () => {
    const dep = await createDeployment({ limit: 1 });
    const res = await post('/flow_runs/', { flow_id: dep.flowId, deployment_id: dep.id, labels: { team: 'a' } });
    expect(res.status).toBe(201);
    expect((await limitRow(dep.limitId!)).active_slots).toBe(0);
    expect(res.body.labels).toEqual({ 'prefect.flow.id': dep.flowId, 'prefect.deployment.id': dep.id, team: 'a' });
  });

  it("labels a run of another flow's deployment with the deployment's flow id, as Prefect does", async () => {
    const dep = await createDeployment({});
    const otherFlow = await createFlow();
    const res = await post('/flow_runs/', { flow_id: otherFlow, deployment_id: dep.id });
    expect(res.body.flow_id).toBe(otherFlow);
    expect(res.body.labels).toEqual({ 'prefect.flow.id': dep.flowId, 'prefect.deployment.id': dep.id });
  });

  it('an idempotency key returns the existing run unchanged with 200', async () => {
    const flowId = await createFlow();
    const first = await post('/flow_runs/', { flow_id: flowId, idempotency_key: 'once', name: 'first' });
    const again = await post('/flow_runs/', { flow_id: flowId, idempotency_key: 'once', name: 'second', state: { type: 'RUNNING' } });
    expect([first.status, again.status]).toEqual([201, 200]);
    expect(again.body.id).toBe(first.body.id);
    expect([again.body.name, again.body.state_type]).toEqual(['first', 'PENDING']);
    expect(await history(first.body.id)).toHaveLength(1);
  });

  it('resolves work pools and queues, 404s for unknown ones, 409s for an unknown flow, 422s on bad input', async () => {
    const flowId = await createFlow();
    const { pool, queueId } = await createPool();
    const byPool = await post('/flow_runs/', { flow_id: flowId, work_pool_name: pool });
    expect([byPool.body.work_queue_id, byPool.body.work_queue_name, byPool.body.work_pool_name]).toEqual([queueId, 'default', pool]);
    const byQueue = await post('/flow_runs/', { flow_id: flowId, work_pool_name: pool, work_queue_name: 'default' });
    expect(byQueue.body.work_queue_id).toBe(queueId);
    expect((await post('/flow_runs/', { flow_id: flowId, work_pool_name: 'nope' })).body).toEqual({ detail: 'Work pool "nope" not found.' });
    expect((await post('/flow_runs/', { flow_id: flowId, work_pool_name: pool, work_queue_name: 'x' })).body).toEqual({ detail: `Work pool queue '${pool}/x' not found.` });
    const ghost = await post('/flow_runs/', { flow_id: crypto.randomUUID() });
    expect(ghost.status).toBe(409);
    const extra = await post('/flow_runs/', { flow_id: flowId, bogus: 1 });
    expect([extra.status, extra.body.exception_detail[0].type]).toEqual([422, 'extra_forbidden']);
    expect((await post('/flow_runs/', {})).status).toBe(422);
  });

  it('records automation headers in created_by', async () => {
    const flowId = await createFlow();
    const automation = crypto.randomUUID();
    const res = await post('/flow_runs/', { flow_id: flowId }, { 'prefect-automation-id': automation, 'prefect-automation-name': btoa('my automation') });
    expect(res.body.created_by).toEqual({ id: automation, type: 'AUTOMATION', display_value: 'my automation' });
  });
});

describe('DELETE /flow_runs/{id}', () => {
  it('deletes the run with its states, task runs and inputs; subflows survive', async () => {
    const id = await runIn({ type: 'RUNNING' });
    const task = await createTaskRun(id);
    const sub = await createRun({ parentTaskRunId: task });
    await withDb((db) => db.execute(sql`INSERT INTO flow_run_input (flow_run_id, key, value) VALUES (${id}, 'k', '1')`));
    expect((await del(`/flow_runs/${id}`)).status).toBe(204);
    expect(await history(id)).toEqual([]);
    const left = await withDb((db) =>
      db.execute(sql`SELECT (SELECT count(*)::int FROM task_run WHERE id = ${task}) AS tasks,
                            (SELECT count(*)::int FROM flow_run_input WHERE flow_run_id = ${id}) AS inputs`),
    );
    expect(left.rows[0]).toEqual({ tasks: 0, inputs: 0 });
    expect((await runRow(sub)).id).toBe(sub);
    const subRun = await withDb((db) => db.execute(sql`SELECT parent_task_run_id FROM flow_run WHERE id = ${sub}`));
    expect((subRun.rows[0] as any).parent_task_run_id).toBeNull();
    const again = await del(`/flow_runs/${id}`);
    expect([again.status, again.body]).toEqual([404, { detail: 'Flow run not found' }]);
  });

  it.each([
    ['PENDING', 0],
    ['RUNNING', 0],
    ['CANCELLING', 0],
    ['SCHEDULED', 1],
    ['COMPLETED', 1],
  ] as const)('a deployed %s run gives back its slot (active_slots → %i) and its lease', async (type, slots) => {
    const dep = await createDeployment({ limit: 42, activeSlots: 1 });
    const id = await runIn({ type }, { deploymentId: dep.id, flowId: dep.flowId });
    expect((await del(`/flow_runs/${id}`)).status).toBe(204);
    expect((await limitRow(dep.limitId!)).active_slots).toBe(slots);
  });
});

describe('cron maintenance', () => {
  it('reaps expired leases and gives their slots back', async () => {
    const dep = await createDeployment({ limit: 1 });
    const id = await runIn({ type: 'SCHEDULED', state_details: { scheduled_time: iso(-1000) } }, { deploymentId: dep.id, flowId: dep.flowId });
    await setState(id, { type: 'PENDING' });
    expect((await limitRow(dep.limitId!)).active_slots).toBe(1);
    await withDb((db) => db.execute(sql`UPDATE concurrency_lease SET expiration = now() - interval '1 second' WHERE ${dep.limitId}::uuid = ANY(resource_ids)`));
    const { reaped } = await runMaintenance(env);
    expect(reaped).toBeGreaterThanOrEqual(1);
    expect((await limitRow(dep.limitId!)).active_slots).toBe(0);
    expect(await leasesOn(dep.limitId!)).toHaveLength(0);
    const renew = await post(`/v2/concurrency_limits/leases/${crypto.randomUUID()}/renew`, { lease_duration: 300 });
    expect(renew.status).toBe(410);
  });

  it('marks runs stuck in CANCELLING as CANCELLED', async () => {
    const id = await runIn({ type: 'CANCELLING' });
    await withDb((db) => db.execute(sql`UPDATE flow_run SET state_timestamp = now() - interval '10 minutes' WHERE id = ${id}`));
    await runMaintenance(env);
    const run = (await get(`/flow_run_states/?flow_run_id=${id}`)).body.at(-1);
    expect([run.type, run.message]).toEqual(['CANCELLED', 'Flow run cancellation timed out; marked this flow run as Cancelled.']);
  });
});
