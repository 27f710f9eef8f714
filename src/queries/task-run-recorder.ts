/**
 * The task-run recorder's writes (see ../events/task-run-recorder.ts): one statement per batch, whatever
 * its size, that upserts the task runs and inserts every event's state into their history.
 *
 * As Prefect's recorder:
 * - a run is matched to a stored one by (flow_run_id, task_key, dynamic_key) first, then by id; a match
 *   by natural key keeps the stored id, and the event's states go to that run;
 * - within a batch, the event with the latest state timestamp per run is the one applied;
 * - a stored run is updated only when the event's state is newer than its current one
 *   (`state_timestamp <`), so late and repeated events never move a run back;
 * - every event's state joins the history (the state id is the event id: a repeated event adds nothing).
 * Events of a flow run that does not exist (any more) are not recorded: a foreign-key failure would
 * otherwise roll back the whole batch, events included.
 */
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import type { TaskRunRecord } from '../events/task-run-recorder';

/** `CASE WHEN the event carried <col> THEN the new value ELSE the stored one END`, for the update. */
const carried = (col: string) => sql.raw(`CASE WHEN jsonb_exists(w.present, '${col}') THEN excluded.${col} ELSE task_run.${col} END`);

export async function recordTaskRuns(db: DbOrTx, records: readonly TaskRunRecord[]): Promise<void> {
  if (records.length === 0) return;
  const columns = [
    'name', 'task_key', 'dynamic_key', 'cache_key', 'cache_expiration', 'task_version', 'empirical_policy', 'tags', 'labels',
    'task_inputs', 'run_count', 'flow_run_run_count', 'expected_start_time', 'next_scheduled_start_time', 'start_time',
    'end_time', 'total_run_time',
  ];
  await db.execute(sql`
    WITH v AS (
      SELECT v.* FROM jsonb_to_recordset(${JSON.stringify(records)}::jsonb) AS v(
        ord int, id uuid, flow_run_id uuid, state_id uuid, state_ts timestamptz, state_type state_type, state_name varchar,
        state_message varchar, state_details jsonb, state_data jsonb, present jsonb,
        name varchar, task_key varchar, dynamic_key varchar, cache_key varchar, cache_expiration timestamptz,
        task_version varchar, empirical_policy jsonb, tags jsonb, labels jsonb, task_inputs jsonb, run_count int,
        flow_run_run_count int, expected_start_time timestamptz, next_scheduled_start_time timestamptz,
        start_time timestamptz, end_time timestamptz, total_run_time float8)
      WHERE v.flow_run_id IS NULL OR EXISTS (SELECT 1 FROM flow_run fr WHERE fr.id = v.flow_run_id)
    ), matched AS (
      SELECT v.*, coalesce(
        (SELECT t.id FROM task_run t
          WHERE v.flow_run_id IS NOT NULL AND t.flow_run_id = v.flow_run_id AND t.task_key = v.task_key AND t.dynamic_key = v.dynamic_key),
        (SELECT t.id FROM task_run t WHERE t.id = v.id)) AS existing_id
      FROM v
    ), grouped AS (
      -- One group per run: the stored run it matched, else its natural key (or id without a flow run).
      SELECT m.*, first_value(coalesce(m.existing_id, m.id)) OVER (
        PARTITION BY coalesce(m.existing_id::text,
          CASE WHEN m.flow_run_id IS NULL THEN m.id::text ELSE concat_ws('/', m.flow_run_id, m.task_key, m.dynamic_key) END)
        ORDER BY m.state_ts DESC, m.ord DESC) AS canonical_id
      FROM matched m
    ), w AS (
      SELECT DISTINCT ON (canonical_id) * FROM grouped ORDER BY canonical_id, state_ts DESC, ord DESC
    ), upserted AS (
      INSERT INTO task_run AS task_run (id, flow_run_id, ${sql.raw(columns.join(', '))},
        state_id, state_type, state_name, state_timestamp)
      SELECT canonical_id, flow_run_id, name, task_key, dynamic_key, cache_key, cache_expiration, task_version,
        empirical_policy, tags, labels, task_inputs, run_count, flow_run_run_count, expected_start_time,
        next_scheduled_start_time, start_time, end_time, make_interval(secs => total_run_time),
        state_id, state_type, state_name, state_ts
      FROM w ORDER BY canonical_id
      ON CONFLICT (id) DO UPDATE SET
        updated = now(),
        flow_run_id = excluded.flow_run_id,
        state_id = excluded.state_id,
        state_type = excluded.state_type,
        state_name = excluded.state_name,
        state_timestamp = excluded.state_timestamp,
        (${sql.raw(columns.join(', '))}) = (
          SELECT ${sql.join(columns.map(carried), sql`, `)} FROM w WHERE w.canonical_id = excluded.id)
      WHERE task_run.state_timestamp < excluded.state_timestamp
      RETURNING task_run.id
    )
    INSERT INTO task_run_state (id, task_run_id, type, timestamp, name, message, state_details, data)
    SELECT state_id, canonical_id, state_type, state_ts, state_name, state_message,
      state_details || jsonb_build_object('task_run_id', canonical_id), state_data
    FROM grouped ORDER BY canonical_id, state_ts
    ON CONFLICT DO NOTHING`);
}
