/** Fixtures for the worker-protocol tests: pools and queues through the API, runs straight in SQL. */
import { sql } from 'drizzle-orm';
import { get, post, randomName, withDb } from '../helpers';

export const iso = (msFromNow: number) => new Date(Date.now() + msFromNow).toISOString();
export const MINUTE = 60_000;

export async function createPool(opts: { concurrency_limit?: number; is_paused?: boolean } = {}) {
  const name = randomName('pool');
  const res = await post('/work_pools/', { name, type: 'process', ...opts });
  if (res.status !== 201) throw new Error(`pool create: ${res.status} ${JSON.stringify(res.body)}`);
  return { name, id: res.body.id as string, defaultQueueId: res.body.default_queue_id as string };
}

export async function createQueue(pool: string, body: Record<string, unknown>) {
  const res = await post(`/work_pools/${pool}/queues`, body);
  if (res.status !== 201) throw new Error(`queue create: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}

export async function createDeployment(pool: string, queue?: string) {
  const flowId = (await post('/flows/', { name: randomName('flow') })).body.id as string;
  const res = await post('/deployments/', { name: randomName('dep'), flow_id: flowId, work_pool_name: pool, work_queue_name: queue });
  if (res.status !== 200 && res.status !== 201) throw new Error(`deployment create: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: res.body.id as string, flowId };
}

/** A run of the deployment in the queue, in the given state type, scheduled at `at`. */
export async function createRun(
  dep: { id: string; flowId: string },
  queueId: string,
  at: string,
  stateType = 'SCHEDULED',
  policy: Record<string, unknown> = {},
): Promise<string> {
  const rows = await withDb((db) =>
    db.execute(sql`
      INSERT INTO flow_run (flow_id, name, deployment_id, work_queue_id, state_type, state_name, next_scheduled_start_time, expected_start_time, empirical_policy)
      VALUES (${dep.flowId}, ${randomName('run')}, ${dep.id}, ${queueId}, ${stateType}, ${stateType.toLowerCase()}, ${at}, ${at}, ${JSON.stringify(policy)}::jsonb)
      RETURNING id`),
  );
  return (rows.rows[0] as { id: string }).id;
}

export const poll = (pool: string, body: Record<string, unknown> = {}) => post(`/work_pools/${pool}/get_scheduled_flow_runs`, body);
export const runIds = (res: { body: { flow_run: { id: string } }[] }) => res.body.map((r) => r.flow_run.id);
export const statements = (res: { headers: Headers }) => Number(res.headers.get('x-sql-statements'));
export const readPool = async (name: string) => (await get(`/work_pools/${name}`)).body;
