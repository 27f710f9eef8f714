/**
 * A small, varied set of rows for the endpoint properties (unique names: nothing is truncated), so
 * that generated requests have something to return: a work pool with two queues, flows, a deployment
 * with a schedule, a concurrency limit and a queue, runs in several states (written through set_state,
 * so every global transform applied), task runs and a subflow.
 */
import { sql } from 'drizzle-orm';
import { post, randomName, resetDb, withDb } from '../helpers';
import { createDeployment, createFlow, createTaskRun, runIn } from '../orchestration/fixtures';

export interface PropertyFixtures {
  poolName: string;
  poolId: string;
  queueIds: string[];
  flowIds: string[];
  deploymentIds: string[];
  runIds: string[];
  taskRunIds: string[];
}

async function createPool(): Promise<{ name: string; id: string; queueIds: string[] }> {
  const name = randomName('prop-pool');
  return withDb(async (db) => {
    const pool = await db.execute(sql`INSERT INTO work_pool (name, type, concurrency_limit) VALUES (${name}, 'process', 5) RETURNING id`);
    const id = (pool.rows[0] as { id: string }).id;
    const queues = await db.execute(sql`
      INSERT INTO work_queue (name, work_pool_id, priority, concurrency_limit) VALUES ('default', ${id}, 1, NULL), ('fast', ${id}, 2, 3)
      RETURNING id`);
    const queueIds = (queues.rows as { id: string }[]).map((r) => r.id);
    await db.execute(sql`UPDATE work_pool SET default_queue_id = ${queueIds[0]} WHERE id = ${id}`);
    return { name, id, queueIds };
  });
}

export async function seedPropertyFixtures(): Promise<PropertyFixtures> {
  // Read properties check every row they get back: start from an empty database, not from rows other
  // test files seeded by SQL without the fields a real Prefect client always sends.
  await resetDb();
  const pool = await createPool();
  const dep = await createDeployment({ limit: 10, options: { collision_strategy: 'ENQUEUE', grace_period_seconds: 120 } });
  const plain = await createDeployment({ flowId: dep.flowId });
  await withDb(async (db) => {
    await db.execute(sql`
      UPDATE deployment SET work_queue_id = ${pool.queueIds[0]}, tags = '["prop"]', labels = '{"team": "x"}',
        created_by = '{"id": null, "type": "USER", "display_value": "me"}' WHERE id = ${dep.id}`);
    await db.execute(sql`
      INSERT INTO deployment_schedule (deployment_id, schedule, active, max_scheduled_runs, slug)
      VALUES (${dep.id}, '{"interval": 3600.0, "anchor_date": "2024-01-01T00:00:00Z", "timezone": "UTC"}', true, 5, 'hourly')`);
  });
  const otherFlow = await createFlow();
  const opts = { deploymentId: dep.id, flowId: dep.flowId };
  const runIds = [
    await runIn({ type: 'SCHEDULED', state_details: { scheduled_time: '2024-01-01T00:00:00.000001Z' } }, opts),
    await runIn({ type: 'PENDING' }, opts),
    await runIn({ type: 'RUNNING', name: 'Running' }, { flowId: otherFlow }),
    await runIn({ type: 'COMPLETED', data: { storage_key: 'k' } }, { flowId: otherFlow }),
    await runIn({ type: 'PAUSED', state_details: { pause_key: 'k1', pause_timeout: '2090-01-01T00:00:00Z' } }, opts),
  ];
  const taskRunIds = [await createTaskRun(runIds[2]!), await createTaskRun(runIds[3]!)];
  // A subflow of the running run's task, and a run in the pool's fast queue.
  const subflow = await post('/flow_runs/', { flow_id: otherFlow, parent_task_run_id: taskRunIds[0], tags: ['sub'] });
  const queued = await post('/flow_runs/', { flow_id: otherFlow, work_pool_name: pool.name, work_queue_name: 'fast', state: { type: 'RUNNING' } });
  for (const res of [subflow, queued]) if (res.status !== 201) throw new Error(`fixture run: ${res.status} ${JSON.stringify(res.body)}`);
  runIds.push(subflow.body.id, queued.body.id);
  return {
    poolName: pool.name,
    poolId: pool.id,
    queueIds: pool.queueIds,
    flowIds: [dep.flowId, otherFlow],
    deploymentIds: [dep.id, plain.id],
    runIds,
    taskRunIds,
  };
}
