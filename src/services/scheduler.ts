/**
 * The scheduler (Prefect's `schedule_deployments` and `schedule_recent_deployments`): creates the
 * SCHEDULED runs of every active schedule of every deployment that is not paused.
 *
 * Per batch of deployments: ONE statement loads them with their active schedules, a pure function
 * (`planScheduledRuns`) computes the runs, and ONE statement per `insert_batch_size` runs inserts
 * runs and their Scheduled states together. Runs carry Prefect's idempotency key
 * `scheduled {deployment_id} {schedule_id} {date}`, inserted with ON CONFLICT DO NOTHING on
 * (flow_id, idempotency_key): overlapping passes never create a duplicate. The insert also checks
 * that the schedule and the deployment are unchanged since they were loaded, so a pass racing an
 * update cannot recreate runs the update just deleted.
 */
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { uuid7 } from '../orchestration/ids';
import { normalizePolicy, STATE_DETAILS_DEFAULTS } from '../orchestration/states';
import { randomRunName } from '../routes/run-names';
import { formatMicros, toPgTimestamp, type Micros } from '../time';
import { scheduleClassName, scheduleDates, scheduleSpec } from './schedule-dates';
import type { SchedulerSettings } from './settings';

export interface LoadedSchedule {
  id: string;
  schedule: Record<string, unknown>;
  parameters: Record<string, unknown>;
  slug: string | null;
  updated: string;
}

export interface LoadedDeployment {
  id: string;
  flow_id: string;
  version: string | null;
  work_queue_name: string | null;
  work_queue_id: string | null;
  parameters: Record<string, unknown>;
  infrastructure_document_id: string | null;
  tags: string[];
  labels: Record<string, unknown> | null;
  updated: string;
  schedules: LoadedSchedule[] | null;
}

export type DeploymentSelection =
  /** Prefect's main loop: deployments with a schedule short of `min_runs` or of `min_scheduled_time`. */
  | { kind: 'due'; minRuns: number; minScheduledTime: number }
  /** These deployments (`includePaused`: paused ones too, as `POST /deployments/{id}/schedule`). */
  | { kind: 'ids'; ids: string[]; includePaused?: boolean };

const NIL_UUID = '00000000-0000-0000-0000-000000000000';
const MAX_UUID = 'ffffffff-ffff-ffff-ffff-ffffffffffff';

/** One statement: up to `limit` deployments (id order, after `after`, up to `upTo`) with their active schedules. */
export async function loadDeploymentsToSchedule(
  db: DbOrTx,
  selection: DeploymentSelection,
  now: Micros,
  page: { after: string; upTo: string; limit: number },
): Promise<LoadedDeployment[]> {
  const at = toPgTimestamp(now);
  let which;
  if (selection.kind === 'due') {
    // Per schedule: its future auto-scheduled runs (created_by->>'id' names the schedule).
    const runsOf = (agg: ReturnType<typeof sql>) => sql`(
      SELECT ${agg} FROM flow_run r
      WHERE r.deployment_id = s.deployment_id AND r.state_type = 'SCHEDULED' AND r.auto_scheduled = true
        AND r.next_scheduled_start_time >= ${at}::timestamptz AND r.created_by->>'id' = s.id::text)`;
    which = sql`EXISTS (
      SELECT 1 FROM deployment_schedule s WHERE s.deployment_id = d.id AND s.active AND (
        ${runsOf(sql`count(*)`)} < ${selection.minRuns}
        OR ${runsOf(sql`max(r.next_scheduled_start_time)`)} < ${at}::timestamptz + ${selection.minScheduledTime} * interval '1 second'))`;
  } else {
    which = sql`d.id = ANY(${`{${selection.ids.join(',')}}`}::uuid[])`;
  }
  const result = await db.execute(sql`
    SELECT d.id, d.flow_id, d.version, d.work_queue_name, d.work_queue_id, d.parameters, d.infrastructure_document_id,
           d.tags, d.labels, d.updated::text AS updated,
           (SELECT json_agg(json_build_object('id', s.id, 'schedule', s.schedule, 'parameters', s.parameters, 'slug', s.slug,
                                              'updated', s.updated::text) ORDER BY s.id)
            FROM deployment_schedule s WHERE s.deployment_id = d.id AND s.active) AS schedules
    FROM deployment d
    WHERE (d.paused IS NOT TRUE OR ${selection.kind === 'ids' && !!selection.includePaused}) AND d.id > ${page.after}::uuid AND d.id <= ${page.upTo}::uuid AND ${which}
    ORDER BY d.id LIMIT ${page.limit}`);
  return result.rows as unknown as LoadedDeployment[];
}

export interface Window {
  /** Runs start on or after this. */
  start: Micros;
  /** No run after this. */
  end: Micros;
  /** Runs are created until at least `start + minTime` (seconds)… */
  minTime: number;
  /** …and at least this many per schedule… */
  minRuns: number;
  /** …but never more than this many per schedule. */
  maxRuns: number;
}

export interface PlannedRun {
  id: string;
  state_id: string;
  flow_id: string;
  name: string;
  deployment_id: string;
  deployment_version: string | null;
  work_queue_name: string | null;
  work_queue_id: string | null;
  parameters: Record<string, unknown>;
  infrastructure_document_id: string | null;
  idempotency_key: string;
  tags: string[];
  labels: Record<string, unknown>;
  auto_scheduled: boolean;
  at: string;
  empirical_policy: unknown;
  created_by: { id: string; display_value: string; type: 'SCHEDULE' };
  state_details: Record<string, unknown>;
  schedule_id: string;
  schedule_updated: string;
  deployment_updated: string;
  /** Skip the run if the deployment is paused by the time it is inserted. */
  check_paused: boolean;
}

/**
 * The runs to create for these deployments (Prefect's `_generate_scheduled_flow_runs`). Pure. A
 * schedule that cannot be read or computed is skipped (Prefect logs and skips its deployment).
 */
export function planScheduledRuns(
  deployments: LoadedDeployment[],
  window: Window,
  opts: { autoScheduled: boolean; now: Micros; includePaused?: boolean },
): PlannedRun[] {
  const runs: PlannedRun[] = [];
  const policy = normalizePolicy({});
  for (const d of deployments) {
    const labels = { ...(d.labels ?? {}), 'prefect.flow.id': d.flow_id, 'prefect.deployment.id': d.id };
    const tags = opts.autoScheduled ? ['auto-scheduled', ...d.tags] : d.tags;
    for (const s of d.schedules ?? []) {
      const spec = scheduleSpec(s.schedule);
      if (!spec) continue;
      const dates: { at: Micros; text: string }[] = [];
      try {
        for (const date of scheduleDates(spec, window.start, window.end, window.maxRuns)) {
          dates.push(date);
          if (dates.length >= window.minRuns && date.at >= window.start + window.minTime * 1_000_000) break;
        }
      } catch (e) {
        console.error(`Error scheduling deployment '${d.id}' (schedule ${s.id}):`, e);
        continue;
      }
      const parameters = { ...d.parameters, ...s.parameters };
      for (const date of dates) {
        const at = formatMicros(date.at);
        runs.push({
          id: uuid7(opts.now),
          state_id: uuid7(opts.now),
          flow_id: d.flow_id,
          name: randomRunName(),
          deployment_id: d.id,
          deployment_version: d.version,
          work_queue_name: d.work_queue_name,
          work_queue_id: d.work_queue_id,
          parameters,
          infrastructure_document_id: d.infrastructure_document_id,
          idempotency_key: `scheduled ${d.id} ${s.id} ${date.text}`,
          tags,
          labels,
          auto_scheduled: opts.autoScheduled,
          at,
          empirical_policy: policy,
          created_by: { id: s.id, display_value: s.slug || scheduleClassName(spec), type: 'SCHEDULE' },
          // Prefect stores the scheduled time in the schedule's zone.
          state_details: scheduledStateDetails(date.text.replace(' ', 'T')),
          schedule_id: s.id,
          schedule_updated: s.updated,
          deployment_updated: d.updated,
          check_paused: !opts.includePaused,
        });
      }
    }
  }
  return runs;
}

/** StateDetails of `Scheduled(scheduled_time=…)`, every field present as Prefect stores them. */
function scheduledStateDetails(scheduledTime: string): Record<string, unknown> {
  return { ...STATE_DETAILS_DEFAULTS, scheduled_time: scheduledTime };
}

/**
 * One statement: inserts runs whose schedule and deployment are unchanged since they were loaded,
 * skipping idempotency-key conflicts, with their Scheduled states. Returns the ids inserted.
 */
export async function insertScheduledRuns(db: DbOrTx, runs: PlannedRun[], now: Micros): Promise<string[]> {
  if (runs.length === 0) return [];
  const result = await db.execute(sql`
    WITH v AS (
      SELECT * FROM jsonb_to_recordset(${JSON.stringify(runs)}::jsonb) AS v(
        id uuid, state_id uuid, flow_id uuid, name text, deployment_id uuid, deployment_version text, work_queue_name text,
        work_queue_id uuid, parameters jsonb, infrastructure_document_id uuid, idempotency_key text, tags jsonb, labels jsonb,
        auto_scheduled boolean, at timestamptz, empirical_policy jsonb, created_by jsonb, state_details jsonb,
        schedule_id uuid, schedule_updated timestamptz, deployment_updated timestamptz, check_paused boolean)),
    current AS (
      SELECT v.* FROM v
      JOIN deployment_schedule s ON s.id = v.schedule_id AND s.updated = v.schedule_updated AND s.active
      JOIN deployment d ON d.id = v.deployment_id AND d.updated = v.deployment_updated
        AND (d.paused IS NOT TRUE OR NOT v.check_paused)),
    runs AS (
      INSERT INTO flow_run (id, flow_id, name, state_id, state_type, state_name, state_timestamp, deployment_id,
        deployment_version, work_queue_name, work_queue_id, parameters, infrastructure_document_id, idempotency_key, tags,
        labels, auto_scheduled, expected_start_time, next_scheduled_start_time, empirical_policy, created_by)
      SELECT id, flow_id, name, state_id, 'SCHEDULED', 'Scheduled', ${toPgTimestamp(now)}::timestamptz, deployment_id,
        deployment_version, work_queue_name, work_queue_id, parameters, infrastructure_document_id, idempotency_key, tags,
        labels, auto_scheduled, at, at, empirical_policy, created_by
      FROM current
      ON CONFLICT (flow_id, idempotency_key) DO NOTHING
      RETURNING id, state_id),
    states AS (
      INSERT INTO flow_run_state (id, flow_run_id, type, timestamp, name, message, state_details)
      SELECT runs.state_id, runs.id, 'SCHEDULED', ${toPgTimestamp(now)}::timestamptz, 'Scheduled', 'Flow run scheduled', v.state_details
      FROM runs JOIN v ON v.id = runs.id
      RETURNING flow_run_id)
    SELECT flow_run_id AS id FROM states`);
  return (result.rows as { id: string }[]).map((r) => r.id);
}

/** Creates runs for the loaded deployments over `window`: the plan, then ≤ insert_batch_size runs per statement. */
export async function scheduleLoaded(
  db: DbOrTx,
  deployments: LoadedDeployment[],
  window: Window,
  opts: { autoScheduled: boolean; now: Micros; insertBatchSize: number; includePaused?: boolean },
): Promise<string[]> {
  const planned = planScheduledRuns(deployments, window, opts);
  const inserted: string[] = [];
  for (let i = 0; i < planned.length; i += opts.insertBatchSize) {
    inserted.push(...(await insertScheduledRuns(db, planned.slice(i, i + opts.insertBatchSize), opts.now)));
  }
  return inserted;
}

export interface SchedulerPassResult {
  deployments: number;
  inserted: number;
}

/** The window the scheduler fills from `now`, from its settings. */
export const defaultWindow = (settings: SchedulerSettings, now: Micros): Window => ({
  start: now,
  end: now + settings.maxScheduledTime * 1_000_000,
  minTime: settings.minScheduledTime,
  minRuns: settings.minRuns,
  maxRuns: settings.maxRuns,
});

/**
 * One scheduler pass. It looks at no more than `maxDeploymentsPerPass` deployments, in batches of
 * `deployment_batch_size`, in id order starting after `startAfter` (random by default, wrapping
 * around), so deployments whose schedules never produce runs cannot starve the others across
 * passes; the rest wait for the next tick.
 */
export async function runSchedulerPass(
  db: DbOrTx,
  settings: SchedulerSettings,
  opts: { now: Micros; selection?: DeploymentSelection; startAfter?: string },
): Promise<SchedulerPassResult> {
  const selection = opts.selection ?? { kind: 'due', minRuns: settings.minRuns, minScheduledTime: settings.minScheduledTime };
  const startAfter = opts.startAfter ?? crypto.randomUUID();
  const ranges: [string, string][] = startAfter === NIL_UUID ? [[NIL_UUID, MAX_UUID]] : [[startAfter, MAX_UUID], [NIL_UUID, startAfter]];
  const window = defaultWindow(settings, opts.now);
  let deployments = 0;
  let inserted = 0;
  for (const [from, upTo] of ranges) {
    let after = from;
    while (deployments < settings.maxDeploymentsPerPass) {
      const limit = Math.min(settings.deploymentBatchSize, settings.maxDeploymentsPerPass - deployments);
      const batch = await loadDeploymentsToSchedule(db, selection, opts.now, { after, upTo, limit });
      deployments += batch.length;
      inserted += (await scheduleLoaded(db, batch, window, { autoScheduled: true, now: opts.now, insertBatchSize: settings.insertBatchSize })).length;
      if (batch.length < limit) break;
      after = batch[batch.length - 1]!.id;
    }
  }
  return { deployments, inserted };
}

