/** A request that waits for a run's lock orchestrates against the state committed meanwhile. */
import { describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { get, isPglite, post, randomName, withDb, type ApiResponse } from '../helpers';
import { createDeployment, leasesOn, limitRow, runIn, runRow, setState } from './fixtures';

describe('row locks', () => {
  it.skipIf(isPglite())('set_state blocked on a run sees the state another transaction committed', async () => {
    const id = await runIn({ type: 'PENDING' });
    let pending: Promise<any> | undefined;
    await withDb((db) =>
      db.transaction(async (tx) => {
        await tx.execute(sql`SELECT id FROM flow_run WHERE id = ${id} FOR UPDATE`);
        pending = setState(id, { type: 'RUNNING' });
        await new Promise((r) => setTimeout(r, 400));
        // Meanwhile this transaction moves the run to CANCELLING.
        const s = await tx.execute(sql`
          INSERT INTO flow_run_state (flow_run_id, type, name, timestamp, state_details)
          VALUES (${id}, 'CANCELLING', 'Cancelling', clock_timestamp(), ${JSON.stringify({ flow_run_id: id })}::jsonb) RETURNING id`);
        const stateId = (s.rows[0] as any).id;
        await tx.execute(sql`UPDATE flow_run SET state_id = ${stateId}, state_type = 'CANCELLING', state_name = 'Cancelling' WHERE id = ${id}`);
      }),
    );
    const res = await pending!;
    expect([res.status, res.body.status, res.body.state.type]).toEqual([200, 'REJECT', 'CANCELLING']);
    expect((await runRow(id)).state_type).toBe('CANCELLING');
  });
});

describe('deletion row locks', () => {
  // bulk_delete locks, loads and deletes in one statement, whose snapshot predates a state committed
  // while it waited: it must not delete then, but load again and give back the slot that state took.
  it.skipIf(isPglite())('bulk_delete blocked on a run gives back the slot and lease of the state committed meanwhile', async () => {
    const dep = await createDeployment({ limit: 5 });
    const id = await runIn({ type: 'SCHEDULED' }, { deploymentId: dep.id, flowId: dep.flowId });
    let pending: Promise<any> | undefined;
    await withDb((db) =>
      db.transaction(async (tx) => {
        await tx.execute(sql`SELECT id FROM flow_run WHERE id = ${id} FOR UPDATE`);
        pending = post('/flow_runs/bulk_delete', { flow_runs: { id: { any_: [id] } } });
        await lockWaiters(1);
        // Meanwhile this transaction moves the run to PENDING, taking a slot under a lease.
        const lease = await tx.execute(sql`
          INSERT INTO concurrency_lease (resource_ids, expiration, metadata)
          VALUES (ARRAY[${dep.limitId}]::uuid[], now() + interval '1 hour', '{"slots": 1}'::jsonb) RETURNING id`);
        const leaseId = (lease.rows[0] as { id: string }).id;
        await tx.execute(sql`UPDATE concurrency_limit_v2 SET active_slots = 1 WHERE id = ${dep.limitId}`);
        const details = { flow_run_id: id, deployment_concurrency_lease_id: leaseId };
        const s = await tx.execute(sql`
          INSERT INTO flow_run_state (flow_run_id, type, name, timestamp, state_details)
          VALUES (${id}, 'PENDING', 'Pending', clock_timestamp(), ${JSON.stringify(details)}::jsonb) RETURNING id`);
        const stateId = (s.rows[0] as any).id;
        await tx.execute(sql`UPDATE flow_run SET state_id = ${stateId}, state_type = 'PENDING', state_name = 'Pending' WHERE id = ${id}`);
      }),
    );
    const res = await pending!;
    expect([res.status, res.body]).toEqual([200, { deleted: [id] }]);
    expect((await get(`/flow_runs/${id}`)).status).toBe(404);
    expect((await limitRow(dep.limitId!)).active_slots).toBe(0);
    expect(await leasesOn(dep.limitId!)).toEqual([]);
  });
});

/** Waits until `n` sessions are blocked on a row lock (the requests queued behind the test's lock). */
async function lockWaiters(n: number): Promise<void> {
  for (;;) {
    const rows = await withDb((db) => db.execute(sql`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock'`));
    if ((rows.rows[0] as { n: number }).n >= n) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A task run's states, oldest first, with their timestamps in microseconds. */
const taskStates = async (taskRunId: string) =>
  (
    await withDb((db) =>
      db.execute(sql`
        SELECT id, type, (extract(epoch FROM timestamp) * 1000000)::bigint::text AS us
        FROM task_run_state WHERE task_run_id = ${taskRunId} ORDER BY timestamp`),
    )
  ).rows.map((r) => ({ ...(r as { id: string; type: string }), us: BigInt((r as { us: string }).us) }));

describe('task run row locks', () => {
  it.skipIf(isPglite())('set_state requests queued on a task run each see the state committed before them, and stamp theirs after it', async () => {
    const created = await post('/task_runs/', { task_key: randomName('locked'), dynamic_key: '0' });
    const id = created.body.id as string;
    const queued = 4;
    let pending: Promise<ApiResponse<any>[]> | undefined;
    await withDb((db) =>
      db.transaction(async (tx) => {
        await tx.execute(sql`SELECT id FROM task_run WHERE id = ${id} FOR UPDATE`);
        // Overlapping requests for the same run, as the SDK's task-run recorder and the property tests send.
        pending = Promise.all(Array.from({ length: queued }, () => post(`/task_runs/${id}/set_state`, { state: { type: 'SCHEDULED' } })));
        await lockWaiters(queued);
        // Meanwhile this transaction moves the run to RUNNING, stamped after the requests read the clock.
        const s = await tx.execute(sql`
          INSERT INTO task_run_state (task_run_id, type, name, timestamp, state_details)
          VALUES (${id}, 'RUNNING', 'Running', clock_timestamp(), ${JSON.stringify({ task_run_id: id })}::jsonb) RETURNING id, timestamp`);
        const { id: stateId, timestamp } = s.rows[0] as { id: string; timestamp: string };
        await tx.execute(sql`
          UPDATE task_run SET state_id = ${stateId}, state_type = 'RUNNING', state_name = 'Running', state_timestamp = ${timestamp},
            start_time = ${timestamp}, run_count = 1 WHERE id = ${id}`);
      }),
    );
    const responses = await pending!;
    // Every request is written (no integrity 409 from two states of one run at one timestamp)...
    expect(responses.map((r) => [r.status, r.body.status])).toEqual(Array.from({ length: queued }, () => [201, 'ACCEPT']));
    // ...after the state committed while it waited: time never goes backwards within a run.
    const states = await taskStates(id);
    expect(states.map((s) => s.type)).toEqual(['PENDING', 'RUNNING', ...Array.from({ length: queued }, () => 'SCHEDULED')]);
    const run = (await get(`/task_runs/${id}`)).body;
    expect(run.state_id).toBe(states.at(-1)!.id);
    // The first request left RUNNING, so the time spent RUNNING was counted: it orchestrated from there.
    expect(run.run_count).toBe(1);
    expect(run.total_run_time).toBeGreaterThan(0);
  });

  it.skipIf(isPglite())("a legacy retry queued on a FAILED task run stamps AwaitingRetry after the state committed while it waited", async () => {
    const flowRunId = await runIn({ type: 'RUNNING' }, { runCount: 1, policy: { retries: 1 } });
    const created = await post('/task_runs/', { task_key: randomName('retried'), dynamic_key: '0', flow_run_id: flowRunId, state: { type: 'FAILED' } });
    const id = created.body.id as string;
    let pending: Promise<ApiResponse<any>> | undefined;
    await withDb((db) =>
      db.transaction(async (tx) => {
        await tx.execute(sql`SELECT id FROM task_run WHERE id = ${id} FOR UPDATE`);
        pending = setState(flowRunId, { type: 'FAILED' }, { 'x-prefect-api-version': '0.8.2' });
        await lockWaiters(1);
        // Meanwhile the task run reports its failure again.
        const s = await tx.execute(sql`
          INSERT INTO task_run_state (task_run_id, type, name, timestamp, state_details)
          VALUES (${id}, 'FAILED', 'Failed', clock_timestamp(), ${JSON.stringify({ task_run_id: id, flow_run_id: flowRunId })}::jsonb) RETURNING id, timestamp`);
        const { id: stateId, timestamp } = s.rows[0] as { id: string; timestamp: string };
        await tx.execute(sql`UPDATE task_run SET state_id = ${stateId}, state_timestamp = ${timestamp} WHERE id = ${id}`);
      }),
    );
    const res = await pending!;
    expect([res.body.status, res.body.state.name]).toEqual(['REJECT', 'AwaitingRetry']);
    const states = await taskStates(id);
    expect(states.map((s) => s.type)).toEqual(['FAILED', 'FAILED', 'SCHEDULED']);
    expect((await get(`/task_runs/${id}`)).body).toMatchObject({ state_id: states.at(-1)!.id, state_name: 'AwaitingRetry' });
  });

  it.skipIf(isPglite())('overlapping set_state requests to one task run: all written, in timestamp order, the run in the latest', async () => {
    const created = await post('/task_runs/', { task_key: randomName('overlap'), dynamic_key: '0' });
    const id = created.body.id as string;
    for (let round = 0; round < 5; round += 1) {
      const types = ['SCHEDULED', 'PENDING', 'RUNNING', 'SCHEDULED', 'PENDING', 'SCHEDULED', 'RUNNING', 'SCHEDULED'];
      const responses = await Promise.all(types.map((type) => post(`/task_runs/${id}/set_state`, { state: { type } })));
      expect(responses.map((r) => r.status)).toEqual(types.map(() => 201));
      const states = await taskStates(id);
      expect(states).toHaveLength(1 + (round + 1) * types.length);
      expect((await get(`/task_runs/${id}`)).body.state_id).toBe(states.at(-1)!.id);
    }
  });
});
