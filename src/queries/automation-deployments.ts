/**
 * Prefect's check of a run-deployment action's job variables (api/validation.py
 * validate_job_variables_for_run_deployment_action): the selected deployment must exist, and its work
 * pool's variables schema (with the pool's defaults, required fields enforced) must accept them.
 */
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { detailError } from '../http/errors';
import { schemaValidationMessage } from '../orchestration/json-schema';

export async function jobVariablesProblem(db: DbOrTx, deploymentId: string, jobVariables: Record<string, unknown>): Promise<string | null> {
  const result = await db.execute<{ job_variables: Record<string, unknown> | null; base_job_template: Record<string, unknown> | null }>(sql`
    SELECT d.infra_overrides AS job_variables, wp.base_job_template
    FROM deployment d
    LEFT JOIN work_queue wq ON wq.id = d.work_queue_id
    LEFT JOIN work_pool wp ON wp.id = wq.work_pool_id
    WHERE d.id = ${deploymentId}`);
  const row = result.rows[0];
  if (!row) throw detailError(404, 'Deployment not found.');
  const variables = row.base_job_template?.variables as Record<string, unknown> | undefined;
  if (!variables || typeof variables !== 'object') return null;
  if (Object.keys(row.job_variables ?? {}).length === 0 && Object.keys(jobVariables).length === 0) return null;
  const defaults: Record<string, unknown> = {};
  for (const [key, prop] of Object.entries((variables.properties ?? {}) as Record<string, Record<string, unknown>>)) {
    if (prop && typeof prop === 'object' && 'default' in prop) defaults[key] = prop.default;
  }
  try {
    return schemaValidationMessage(variables as Parameters<typeof schemaValidationMessage>[0], { ...defaults, ...jobVariables });
  } catch {
    return null; // a schema the validator cannot load: Prefect checks schemas with its own rules; do not block the automation
  }
}
