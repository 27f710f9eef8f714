/** Helpers for the background-service tests: deployments inserted directly (no inline scheduling), runs read back. */
import { env } from 'cloudflare:workers';
import { sql } from 'drizzle-orm';
import { randomName, withDb } from '../helpers';
import { createDb } from '../../../src/db/client';
import type { ServiceContext } from '../../../src/services/context';
import { serviceSettings } from '../../../src/services/settings';
import { parseMicros, type Micros } from '../../../src/time';

export const at = (iso: string): Micros => parseMicros(iso)!;

export async function insertDeployment(opts: {
  schedules: { schedule: Record<string, unknown>; active?: boolean; parameters?: Record<string, unknown>; slug?: string }[];
  paused?: boolean;
  parameters?: Record<string, unknown>;
  tags?: string[];
  labels?: Record<string, unknown>;
}): Promise<{ id: string; flowId: string; scheduleIds: string[] }> {
  return withDb(async (db) => {
    const flow = await db.execute(sql`INSERT INTO flow (name) VALUES (${randomName('flow')}) RETURNING id`);
    const flowId = (flow.rows[0] as { id: string }).id;
    const dep = await db.execute(sql`
      INSERT INTO deployment (name, flow_id, paused, parameters, tags, labels)
      VALUES (${randomName('dep')}, ${flowId}, ${opts.paused ?? false}, ${JSON.stringify(opts.parameters ?? {})}::jsonb,
              ${JSON.stringify(opts.tags ?? [])}::jsonb, ${JSON.stringify(opts.labels ?? {})}::jsonb) RETURNING id`);
    const id = (dep.rows[0] as { id: string }).id;
    const scheduleIds: string[] = [];
    for (const s of opts.schedules) {
      const row = await db.execute(sql`
        INSERT INTO deployment_schedule (deployment_id, schedule, active, parameters, slug)
        VALUES (${id}, ${JSON.stringify(s.schedule)}::jsonb, ${s.active ?? true}, ${JSON.stringify(s.parameters ?? {})}::jsonb, ${s.slug ?? null})
        RETURNING id`);
      scheduleIds.push((row.rows[0] as { id: string }).id);
    }
    return { id, flowId, scheduleIds };
  });
}

export interface RunRow {
  id: string;
  name: string;
  idempotency_key: string;
  expected_start_time: string;
  next_scheduled_start_time: string;
  state_type: string;
  state_name: string;
  auto_scheduled: boolean;
  tags: string[];
  labels: Record<string, unknown>;
  parameters: Record<string, unknown>;
  created_by: Record<string, unknown>;
  state_message: string | null;
  state_details: Record<string, unknown>;
}

export async function runsOf(deploymentId: string): Promise<RunRow[]> {
  const rows = await withDb((db) =>
    db.execute(sql`
      SELECT r.id, r.name, r.idempotency_key, r.expected_start_time::text, r.next_scheduled_start_time::text, r.state_type,
             r.state_name, r.auto_scheduled, r.tags, r.labels, r.parameters, r.created_by, s.message AS state_message,
             s.state_details
      FROM flow_run r LEFT JOIN flow_run_state s ON s.id = r.state_id
      WHERE r.deployment_id = ${deploymentId} ORDER BY r.expected_start_time, r.id`),
  );
  return rows.rows as unknown as RunRow[];
}

/** The UTC instants (ISO, Z) of runs, in order. */
export const startTimes = (runs: RunRow[]) => runs.map((r) => new Date(at(r.expected_start_time) / 1000).toISOString().replace('.000Z', 'Z'));

/** A service context on its own connection, at the given time. */
export async function withServiceContext<T>(
  now: Micros,
  fn: (ctx: ServiceContext, statements: () => number) => Promise<T>,
  vars: Record<string, string> = {},
): Promise<T> {
  const e = { ...env, ...vars };
  const handle = createDb(e);
  try {
    return await fn({ db: handle.db, env: e, settings: serviceSettings(e), now }, () => handle.counter.count);
  } finally {
    await handle.close();
  }
}
