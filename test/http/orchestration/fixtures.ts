/**
 * Direct-SQL fixtures for orchestration tests: flows, deployments (with a concurrency limit), runs
 * in a given state, task runs. The deployment and flow routes live on other branches.
 */
import { sql } from 'drizzle-orm';
import { get, post, randomName, withDb } from '../helpers';

export const HOUR = 3600_000;
export const iso = (msFromNow: number) => new Date(Date.now() + msFromNow).toISOString();

export async function createFlow(): Promise<string> {
  const rows = await withDb((db) => db.execute(sql`INSERT INTO flow (name) VALUES (${randomName('flow')}) RETURNING id`));
  return (rows.rows[0] as { id: string }).id;
}

export interface DeploymentFixture {
  id: string;
  flowId: string;
  limitId: string | null;
}

export async function createDeployment(
  opts: { limit?: number; options?: Record<string, unknown> | null; activeSlots?: number; flowId?: string } = {},
): Promise<DeploymentFixture> {
  const flowId = opts.flowId ?? (await createFlow());
  return withDb(async (db) => {
    const dep = await db.execute(sql`
      INSERT INTO deployment (name, flow_id, concurrency_options)
      VALUES (${randomName('dep')}, ${flowId}, ${opts.options ? JSON.stringify(opts.options) : null}::jsonb) RETURNING id`);
    const id = (dep.rows[0] as { id: string }).id;
    let limitId: string | null = null;
    if (opts.limit !== undefined) {
      const lim = await db.execute(sql`
        INSERT INTO concurrency_limit_v2 (name, "limit", active_slots) VALUES (${`deployment:${id}`}, ${opts.limit}, ${opts.activeSlots ?? 0}) RETURNING id`);
      limitId = (lim.rows[0] as { id: string }).id;
      await db.execute(sql`UPDATE deployment SET concurrency_limit = ${opts.limit}, concurrency_limit_id = ${limitId} WHERE id = ${id}`);
    }
    return { id, flowId, limitId };
  });
}

export interface RunFixture {
  flowId?: string;
  deploymentId?: string | null;
  runCount?: number;
  policy?: Record<string, unknown>;
  parentTaskRunId?: string | null;
  infrastructurePid?: string | null;
}

/** A run with no state. */
export async function createRun(opts: RunFixture = {}): Promise<string> {
  const flowId = opts.flowId ?? (await createFlow());
  const rows = await withDb((db) =>
    db.execute(sql`
      INSERT INTO flow_run (flow_id, name, deployment_id, run_count, empirical_policy, parent_task_run_id, infrastructure_pid)
      VALUES (${flowId}, ${randomName('run')}, ${opts.deploymentId ?? null}, ${opts.runCount ?? 0},
              ${JSON.stringify(opts.policy ?? {})}::jsonb, ${opts.parentTaskRunId ?? null}, ${opts.infrastructurePid ?? null})
      RETURNING id`),
  );
  return (rows.rows[0] as { id: string }).id;
}

/** Forces a run into a state through the API (so all global transforms apply). */
export async function force(runId: string, state: Record<string, unknown>) {
  const res = await post(`/flow_runs/${runId}/set_state`, { state, force: true });
  if (res.status !== 201) throw new Error(`forcing ${JSON.stringify(state)} gave ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** A run already in the given state. */
export async function runIn(state: Record<string, unknown>, opts: RunFixture = {}): Promise<string> {
  const id = await createRun(opts);
  await force(id, state);
  if (opts.runCount !== undefined || opts.policy !== undefined) {
    await withDb((db) =>
      db.execute(sql`UPDATE flow_run SET run_count = ${opts.runCount ?? 0}, empirical_policy = ${JSON.stringify(opts.policy ?? {})}::jsonb WHERE id = ${id}`),
    );
  }
  return id;
}

export const setState = (runId: string, state: Record<string, unknown>, headers?: Record<string, string>, forced = false) =>
  post(`/flow_runs/${runId}/set_state`, { state, force: forced }, headers);

export async function runRow(runId: string): Promise<any> {
  const rows = await withDb((db) =>
    db.execute(sql`
      SELECT id, state_id, state_type, state_name, run_count, empirical_policy,
             to_char(start_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS start_time,
             to_char(end_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS end_time,
             to_char(expected_start_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS expected_start_time,
             to_char(next_scheduled_start_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS next_scheduled_start_time,
             extract(epoch FROM total_run_time)::float8 AS total_run_time
      FROM flow_run WHERE id = ${runId}`),
  );
  return rows.rows[0];
}

/** Prefect's `…Z` timestamp (fraction only when non-zero) → the `YYYY-MM-DDTHH:MM:SS.ffffff` form runRow uses. */
export const asRowTime = (t: string) => {
  const m = /^(.{19})(?:\.(\d+))?Z$/.exec(t)!;
  return `${m[1]}.${(m[2] ?? '').padEnd(6, '0')}`;
};

export async function limitRow(limitId: string): Promise<{ active_slots: number }> {
  const rows = await withDb((db) => db.execute(sql`SELECT active_slots FROM concurrency_limit_v2 WHERE id = ${limitId}`));
  return rows.rows[0] as { active_slots: number };
}

export async function leasesOn(limitId: string): Promise<any[]> {
  const rows = await withDb((db) =>
    db.execute(sql`
      SELECT id, resource_ids, metadata, extract(epoch FROM expiration - now())::float8 AS ttl
      FROM concurrency_lease WHERE ${limitId}::uuid = ANY(resource_ids)`),
  );
  return rows.rows as any[];
}

export async function createTaskRun(flowRunId: string): Promise<string> {
  const rows = await withDb((db) =>
    db.execute(sql`
      INSERT INTO task_run (flow_run_id, name, task_key, dynamic_key) VALUES (${flowRunId}, ${randomName('task')}, 'k', ${randomName('d')})
      RETURNING id`),
  );
  return (rows.rows[0] as { id: string }).id;
}

export const history = async (runId: string) => (await get(`/flow_run_states/?flow_run_id=${runId}`)).body as any[];
