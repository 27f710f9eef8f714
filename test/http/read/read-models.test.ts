/**
 * The read models' response shapes: exact keys in Prefect's order, nulls present, timestamps in
 * Prefect's format, derived fields, and a constant statement count.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { eq, sql, inArray, asc } from 'drizzle-orm';
import { withDb, randomName } from '../helpers';
import { flow, flowRun, taskRun, deployment, workPool, workQueue } from '../../../src/db/schema';
import {
  readDeployments,
  readFlowRuns,
  readFlows,
  readTaskRuns,
  readWorkPools,
  readWorkQueues,
} from '../../../src/queries/read-models';
import { createDb, type Db } from '../../../src/db/client';
import { env } from 'cloudflare:workers';

const FLOW_RUN_KEYS = [
  'id', 'created', 'updated', 'name', 'flow_id', 'state_id', 'deployment_id', 'deployment_version', 'work_queue_id',
  'work_queue_name', 'flow_version', 'parameters', 'idempotency_key', 'context', 'empirical_policy', 'tags', 'labels',
  'parent_task_run_id', 'state_type', 'state_name', 'run_count', 'expected_start_time', 'next_scheduled_start_time',
  'start_time', 'end_time', 'total_run_time', 'estimated_run_time', 'estimated_start_time_delta', 'auto_scheduled',
  'infrastructure_document_id', 'infrastructure_pid', 'created_by', 'work_pool_id', 'work_pool_name', 'state', 'job_variables',
];
const TASK_RUN_KEYS = [
  'id', 'created', 'updated', 'name', 'flow_run_id', 'task_key', 'dynamic_key', 'cache_key', 'cache_expiration',
  'task_version', 'empirical_policy', 'tags', 'labels', 'state_id', 'task_inputs', 'state_type', 'state_name', 'run_count',
  'flow_run_run_count', 'expected_start_time', 'next_scheduled_start_time', 'start_time', 'end_time', 'total_run_time',
  'estimated_run_time', 'estimated_start_time_delta', 'state',
];
const REDUCED_TASK_RUN_KEYS = [
  'id', 'created', 'updated', 'name', 'flow_run_id', 'task_key', 'state_id', 'state', 'task_version', 'task_inputs',
  'empirical_policy', 'tags', 'start_time', 'end_time', 'total_run_time', 'estimated_run_time', 'estimated_start_time_delta',
];
const DEPLOYMENT_KEYS = [
  'id', 'created', 'updated', 'name', 'version', 'description', 'flow_id', 'paused', 'schedules', 'concurrency_limit',
  'global_concurrency_limit', 'concurrency_options', 'job_variables', 'parameters', 'tags', 'labels', 'work_queue_name',
  'work_queue_id', 'last_polled', 'parameter_openapi_schema', 'path', 'pull_steps', 'entrypoint', 'storage_document_id',
  'infrastructure_document_id', 'created_by', 'updated_by', 'work_pool_name', 'status', 'enforce_parameter_schema',
];
const STATE_KEYS = ['id', 'type', 'name', 'timestamp', 'message', 'data', 'state_details'];
const STATE_DETAILS_KEYS = [
  'flow_run_id', 'task_run_id', 'child_flow_run_id', 'scheduled_time', 'cache_key', 'cache_expiration', 'deferred',
  'untrackable_result', 'pause_timeout', 'pause_reschedule', 'pause_key', 'run_input_keyset', 'refresh_cache', 'retriable',
  'transition_id', 'task_parameters_id', 'traceparent', 'deployment_concurrency_lease_id',
];
const WORK_POOL_KEYS = [
  'id', 'created', 'updated', 'name', 'description', 'type', 'base_job_template', 'is_paused', 'concurrency_limit',
  'status', 'default_queue_id', 'storage_configuration', 'active_slots',
];
const WORK_QUEUE_KEYS = [
  'id', 'created', 'updated', 'name', 'description', 'is_paused', 'concurrency_limit', 'priority', 'work_pool_id', 'filter',
  'last_polled', 'work_pool_name', 'status', 'active_slots',
];

const ids = {
  flow: crypto.randomUUID(),
  flowNullLabels: crypto.randomUUID(),
  pool: crypto.randomUUID(),
  agentPool: crypto.randomUUID(),
  queue: crypto.randomUUID(),
  queue2: crypto.randomUUID(),
  legacyQueue: crypto.randomUUID(),
  run: crypto.randomUUID(),
  run2: crypto.randomUUID(),
  runState: crypto.randomUUID(),
  task: crypto.randomUUID(),
  taskState: crypto.randomUUID(),
  deployment: crypto.randomUUID(),
  bareDeployment: crypto.randomUUID(),
  limit: crypto.randomUUID(),
  scheduleOld: crypto.randomUUID(),
  scheduleNew: crypto.randomUUID(),
};
const names = { flow: randomName('rm-flow'), pool: randomName('rm-pool'), agentPool: randomName('rm-agent') };

/** Runs fn with a db handle whose statement counter the test can read. */
async function counted<T>(fn: (db: Db) => Promise<T>): Promise<{ result: T; statements: number }> {
  const handle = createDb(env);
  try {
    const result = await fn(handle.db);
    return { result, statements: handle.counter.count };
  } finally {
    await handle.close();
  }
}

beforeAll(async () => {
  await withDb(async (db) => {
    await db.execute(sql`
      insert into flow (id, created, updated, name, tags, labels) values
        (${ids.flow}, '2020-01-01T00:00:00Z', '2020-01-01T00:00:00.123Z', ${names.flow}, '["a","b"]', '{"k":"v"}'),
        (${ids.flowNullLabels}, now(), now(), ${names.flow + '-nl'}, '[]', null)`);
    await db.execute(sql`
      insert into work_pool (id, name, type, concurrency_limit, status) values
        (${ids.pool}, ${names.pool}, 'process', 5, 'READY'),
        (${ids.agentPool}, ${names.agentPool}, 'prefect-agent', null, 'READY')`);
    await db.execute(sql`
      insert into work_queue (id, name, work_pool_id, priority, concurrency_limit, filter) values
        (${ids.queue}, 'default', ${ids.pool}, 1, 10, null),
        (${ids.queue2}, 'second', ${ids.pool}, 2, null, null),
        (${ids.legacyQueue}, 'legacy', ${ids.agentPool}, 1, 3, ${JSON.stringify({ tags: [names.flow], deployment_ids: null })})`);
    await db.execute(sql`update work_pool set default_queue_id = ${ids.queue} where id = ${ids.pool}`);
    await db.execute(sql`
      insert into concurrency_limit_v2 (id, name, "limit", active_slots) values (${ids.limit}, ${'deployment:' + ids.deployment}, 3, 1)`);
    await db.execute(sql`
      insert into deployment (id, name, flow_id, work_queue_id, concurrency_limit_id, concurrency_options, infra_overrides,
        enforce_parameter_schema, pull_steps, parameter_openapi_schema, created_by)
      values (${ids.deployment}, 'dep', ${ids.flow}, ${ids.queue}, ${ids.limit}, '{"collision_strategy":"ENQUEUE"}',
        '{"image":"x"}', true, '[]', '{}', '{"id":null,"type":"AUTOMATION"}'),
        (${ids.bareDeployment}, 'bare', ${ids.flow}, null, null, null, '{}', false, null, null, null)`);
    await db.execute(sql`update deployment set work_queue_name = 'stored-name' where id = ${ids.bareDeployment}`);
    await db.execute(sql`
      insert into deployment_schedule (id, updated, deployment_id, schedule, active, parameters) values
        (${ids.scheduleOld}, '2021-01-01T00:00:00Z', ${ids.deployment}, '{"interval":60.0}', true, '{}'),
        (${ids.scheduleNew}, '2022-01-01T00:00:00Z', ${ids.deployment}, '{"cron":"* * * * *"}', false, '{"x":1}')`);
    // A RUNNING run on the pool's default queue, with a stored queue name that differs.
    await db.execute(sql`
      insert into flow_run (id, flow_id, name, deployment_id, work_queue_id, work_queue_name, state_type, state_name,
        state_timestamp, start_time, expected_start_time, total_run_time, tags, labels, empirical_policy, created_by, job_variables)
      values (${ids.run}, ${ids.flow}, 'rm-run', ${ids.deployment}, ${ids.queue}, 'stale-name', 'RUNNING', 'Running',
        now() - interval '10 seconds', now() - interval '10 seconds', now() - interval '70 seconds', interval '1.5 seconds',
        ${JSON.stringify([names.flow])}, null, '{"max_retries":2,"retry_delay_seconds":3}', '{"id":"x","type":"SCHEDULE","display_value":"s"}', null)`);
    await db.execute(sql`
      insert into flow_run_state (id, flow_run_id, type, name, timestamp, state_details, data) values
        (${ids.runState}, ${ids.run}, 'RUNNING', 'Running', '2024-05-06T07:08:09.000001Z', ${JSON.stringify({ flow_run_id: ids.run, extra: 1, scheduled_time: '2024-05-06T07:00:00+00:00' })}, null)`);
    await db.execute(sql`update flow_run set state_id = ${ids.runState} where id = ${ids.run}`);
    // A bare run: no state, no queue, stored queue name only.
    await db.execute(sql`
      insert into flow_run (id, flow_id, name, work_queue_name) values (${ids.run2}, ${ids.flow}, 'rm-run-2', 'only-stored')`);
    await db.execute(sql`
      insert into task_run (id, flow_run_id, name, task_key, dynamic_key, state_type, state_name, state_id, end_time, task_inputs, labels)
      values (${ids.task}, ${ids.run}, 'rm-task', 'k', '0', 'COMPLETED', 'Completed', ${ids.taskState}, '2024-01-01T00:00:00Z',
        '{"x":[{"input_type":"parameter","name":"x"}]}', null)`);
    await db.execute(sql`
      insert into task_run_state (id, task_run_id, type, name, timestamp, data) values
        (${ids.taskState}, ${ids.task}, 'COMPLETED', 'Completed', '2024-01-01T00:00:00Z', '{"value":42}')`);
  });
});

describe('read models', () => {
  it('readFlows: keys, timestamp format, labels null kept', async () => {
    const flows = await withDb((db) => readFlows(db, { where: inArray(flow.id, [ids.flow, ids.flowNullLabels]), orderBy: [asc(flow.name)] }));
    expect(flows.map((f) => Object.keys(f))).toEqual([
      ['id', 'created', 'updated', 'name', 'tags', 'labels'],
      ['id', 'created', 'updated', 'name', 'tags', 'labels'],
    ]);
    expect(flows[0]).toEqual({
      id: ids.flow,
      created: '2020-01-01T00:00:00Z',
      updated: '2020-01-01T00:00:00.123000Z',
      name: names.flow,
      tags: ['a', 'b'],
      labels: { k: 'v' },
    });
    expect(flows[1]!.labels).toBeNull();
  });

  it('readFlowRuns: keys, state, derived queue/pool names, policy defaults, computed times', async () => {
    const { result, statements } = await counted((db) =>
      readFlowRuns(db, { where: inArray(flowRun.id, [ids.run, ids.run2]), orderBy: [asc(flowRun.name)] }),
    );
    expect(statements).toBe(1);
    const [run, bare] = result;
    expect(Object.keys(run!)).toEqual(FLOW_RUN_KEYS);
    expect(Object.keys(bare!)).toEqual(FLOW_RUN_KEYS);
    expect(run!.work_queue_id).toBe(ids.queue);
    expect(run!.work_queue_name).toBe('default');
    expect(run!.work_pool_id).toBe(ids.pool);
    expect(run!.work_pool_name).toBe(names.pool);
    expect(run!.labels).toEqual({});
    expect(run!.job_variables).toBeNull();
    expect(run!.empirical_policy).toEqual({
      max_retries: 2, retry_delay_seconds: 3, retries: 2, retry_delay: 3, pause_keys: [], resuming: false, retry_type: null,
    });
    expect(Object.keys(run!.empirical_policy)).toEqual(['max_retries', 'retry_delay_seconds', 'retries', 'retry_delay', 'pause_keys', 'resuming', 'retry_type']);
    expect(run!.created_by).toEqual({ id: 'x', type: 'SCHEDULE', display_value: 's' });
    expect(run!.total_run_time).toBe(1.5);
    // RUNNING for ~10 s: 1.5 + ~10; started ~60 s after expected.
    expect(run!.estimated_run_time).toBeGreaterThan(11);
    expect(run!.estimated_run_time).toBeLessThan(40);
    expect(run!.estimated_start_time_delta).toBeCloseTo(60, 0);
    expect(Object.keys(run!.state!)).toEqual(STATE_KEYS);
    expect(Object.keys(run!.state!.state_details)).toEqual(STATE_DETAILS_KEYS);
    expect(run!.state).toMatchObject({
      id: ids.runState,
      type: 'RUNNING',
      name: 'Running',
      timestamp: '2024-05-06T07:08:09.000001Z',
      message: null,
      data: null,
    });
    expect(run!.state!.state_details).toMatchObject({
      flow_run_id: ids.run,
      scheduled_time: '2024-05-06T07:00:00Z',
      deferred: false,
      untrackable_result: false,
      pause_reschedule: false,
      deployment_concurrency_lease_id: null,
    });
    expect(bare).toMatchObject({
      state: null,
      state_id: null,
      state_type: null,
      work_queue_id: null,
      work_queue_name: 'only-stored',
      work_pool_id: null,
      work_pool_name: null,
      labels: {},
      job_variables: {},
      created_by: null,
      total_run_time: 0,
      estimated_run_time: 0,
      estimated_start_time_delta: 0,
    });
  });

  it('readTaskRuns: full and reduced keys, state with data', async () => {
    const [full] = await withDb((db) => readTaskRuns(db, { where: eq(taskRun.id, ids.task) }));
    expect(Object.keys(full!)).toEqual(TASK_RUN_KEYS);
    expect(full!.labels).toBeNull();
    expect(full!.end_time).toBe('2024-01-01T00:00:00Z');
    expect(full!.empirical_policy).toEqual({ max_retries: 0, retry_delay_seconds: 0, retries: null, retry_delay: null, retry_jitter_factor: null });
    expect(full!.state).toMatchObject({ id: ids.taskState, type: 'COMPLETED', data: { value: 42 } });
    expect(Object.keys(full!.state!.state_details)).toEqual(STATE_DETAILS_KEYS);
    const [reduced] = await withDb((db) => readTaskRuns(db, { where: eq(taskRun.id, ids.task) }, { reduced: true }));
    expect(Object.keys(reduced!)).toEqual(REDUCED_TASK_RUN_KEYS);
  });

  it('readDeployments: keys, schedules newest-updated first, concurrency limit, derived queue names', async () => {
    const { result, statements } = await counted((db) =>
      readDeployments(db, { where: inArray(deployment.id, [ids.deployment, ids.bareDeployment]), orderBy: [asc(deployment.name)] }),
    );
    expect(statements).toBe(1);
    const [bare, dep] = result;
    expect(Object.keys(dep!)).toEqual(DEPLOYMENT_KEYS);
    expect(dep!.schedules.map((s) => s.id)).toEqual([ids.scheduleNew, ids.scheduleOld]);
    expect(dep!.schedules[0]).toEqual({
      id: ids.scheduleNew,
      created: expect.stringMatching(/Z$/),
      updated: '2022-01-01T00:00:00Z',
      deployment_id: ids.deployment,
      schedule: { cron: '* * * * *' },
      active: false,
      max_scheduled_runs: null,
      parameters: { x: 1 },
      slug: null,
    });
    expect(dep!.concurrency_limit).toBeNull();
    expect(dep!.global_concurrency_limit).toEqual({
      id: ids.limit,
      created: expect.any(String),
      updated: expect.any(String),
      active: true,
      name: `deployment:${ids.deployment}`,
      limit: 3,
      active_slots: 1,
      slot_decay_per_second: 0,
    });
    expect(dep!.concurrency_options).toEqual({ collision_strategy: 'ENQUEUE', grace_period_seconds: null });
    expect(dep!).toMatchObject({
      job_variables: { image: 'x' },
      labels: {},
      work_queue_name: 'default',
      work_queue_id: ids.queue,
      work_pool_name: names.pool,
      status: 'NOT_READY',
      enforce_parameter_schema: true,
      pull_steps: [],
      parameter_openapi_schema: {},
      created_by: { id: null, type: 'AUTOMATION', display_value: null },
      updated_by: null,
    });
    expect(bare).toMatchObject({
      schedules: [],
      global_concurrency_limit: null,
      concurrency_options: null,
      work_queue_name: 'stored-name',
      work_queue_id: null,
      work_pool_name: null,
      pull_steps: null,
      parameter_openapi_schema: null,
    });
  });

  it('readWorkPools: keys, null status for agent pools, active_slots only with a limit', async () => {
    const pools = await withDb((db) =>
      readWorkPools(db, { where: inArray(workPool.id, [ids.pool, ids.agentPool]), orderBy: [asc(workPool.type)] }),
    );
    const [process, agent] = [pools.find((p) => p.id === ids.pool)!, pools.find((p) => p.id === ids.agentPool)!];
    expect(Object.keys(process)).toEqual(WORK_POOL_KEYS);
    expect(process).toMatchObject({ status: 'READY', concurrency_limit: 5, active_slots: 1, default_queue_id: ids.queue });
    expect(process.storage_configuration).toEqual({
      bundle_upload_step: null, bundle_execution_step: null, default_result_storage_block_id: null,
    });
    expect(agent).toMatchObject({ status: null, active_slots: null });
  });

  it('readWorkQueues: keys, pool name, active_slots per mode and for legacy filter queues', async () => {
    const q = { where: inArray(workQueue.id, [ids.queue, ids.queue2, ids.legacyQueue]), orderBy: [asc(workQueue.name)] };
    const queues = await withDb((db) => readWorkQueues(db, q, { activeSlots: 'work_queues' }));
    expect(queues.map((x) => x.name)).toEqual(['default', 'legacy', 'second']);
    expect(Object.keys(queues[0]!)).toEqual(WORK_QUEUE_KEYS);
    expect(queues[0]).toMatchObject({ work_pool_name: names.pool, active_slots: 1, filter: null, status: 'NOT_READY', description: '' });
    // The legacy queue counts PENDING/RUNNING runs tagged like its filter, wherever they are queued.
    expect(queues[1]).toMatchObject({ active_slots: 1, filter: { tags: [names.flow], deployment_ids: null } });
    expect(queues[2]!.active_slots).toBeNull();
    await withDb((db) => db.update(flowRun).set({ stateType: 'CANCELLING' }).where(eq(flowRun.id, ids.run)));
    const [wq] = await withDb((db) => readWorkQueues(db, { where: eq(workQueue.id, ids.queue) }, { activeSlots: 'work_queues' }));
    const [pq] = await withDb((db) => readWorkQueues(db, { where: eq(workQueue.id, ids.queue) }, { activeSlots: 'pool_queues' }));
    expect(wq!.active_slots).toBe(1);
    expect(pq!.active_slots).toBe(0);
    await withDb((db) => db.update(flowRun).set({ stateType: 'RUNNING' }).where(eq(flowRun.id, ids.run)));
  });

  it('uses one statement whatever the number of rows', async () => {
    const { result, statements } = await counted((db) => readFlowRuns(db, { where: eq(flowRun.flowId, ids.flow), limit: 50 }));
    expect(result.length).toBe(2);
    expect(statements).toBe(1);
    const deps = await counted((db) => readDeployments(db, {}));
    expect(deps.statements).toBe(1);
    expect(flow).toBeDefined();
  });
});
