/**
 * GET /flow_runs/{id}/graph (the legacy graph): each task run of the flow run with its inputs as upstream
 * dependencies. Two statements: the run's existence, then its task runs.
 */
import { desc, eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { taskRun } from '../db/schema';
import { readTaskRuns } from './read-models';
import type { TaskRunResponse } from './read/types';

export interface DependencyResult {
  id: string;
  name: string;
  upstream_dependencies: unknown[];
  state: TaskRunResponse['state'];
  expected_start_time: string | null;
  start_time: string | null;
  end_time: string | null;
  total_run_time: number;
  estimated_run_time: number;
  untrackable_result: boolean;
}

/** Every input of every argument (`__parents__` included), each once, as Prefect's set() of them. */
function upstream(taskInputs: unknown): unknown[] {
  if (!taskInputs || typeof taskInputs !== 'object') return [];
  const seen = new Map<string, unknown>();
  for (const inputs of Object.values(taskInputs as Record<string, unknown>)) {
    if (!Array.isArray(inputs)) continue;
    for (const input of inputs) seen.set(JSON.stringify(input), input);
  }
  return [...seen.values()];
}

/** Null when the flow run does not exist. */
export async function readTaskRunDependencies(db: DbOrTx, flowRunId: string): Promise<DependencyResult[] | null> {
  const found = await db.execute(sql`SELECT 1 FROM flow_run WHERE id = ${flowRunId}`);
  if (found.rows.length === 0) return null;
  const runs = await readTaskRuns(db, { where: eq(taskRun.flowRunId, flowRunId), orderBy: [desc(taskRun.id)] });
  return runs.map((t) => {
    const details = t.state?.state_details as { untrackable_result?: boolean } | undefined;
    return {
      id: t.id,
      name: t.name,
      upstream_dependencies: upstream(t.task_inputs),
      state: t.state,
      expected_start_time: t.expected_start_time,
      start_time: t.start_time,
      end_time: t.end_time,
      total_run_time: t.total_run_time,
      estimated_run_time: t.estimated_run_time,
      untrackable_result: details?.untrackable_result ?? false,
    };
  });
}
