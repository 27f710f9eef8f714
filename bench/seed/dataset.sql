-- The benchmark dataset, generated set-based inside Postgres.
--
-- The same statements seed OUR schema (drizzle/) and PREFECT's schema (created by its own Alembic
-- migrations): both have these tables with these column names, and every statement lists its
-- columns, so both databases receive identical rows. Nothing here is random: every choice comes from
-- pg_temp.u(salt, i), a hash of the row number, and times are anchored at a fixed instant (T0), not
-- at now(). Ids: md5(kind:key)::uuid where the load generator must name the row too (flow runs;
-- bench/lib/ids.mjs computes the same), cheaper hash-built uuids for the millions of task runs and
-- states (time-ordered for states, like Prefect's uuid7 state ids).
--
-- Placeholders (a NAME in double braces) are integers (or the anchor literal) filled in by bench/lib/seed.mjs.
-- Statements are separated by breakpoint markers like drizzle's migrations.

-- u(salt, i): uniform in [0, 1), a pure function of (salt, i).
CREATE FUNCTION pg_temp.u(salt int, i bigint) RETURNS float8 LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT (hashint8extended(i, salt) & 9007199254740991)::float8 / 9007199254740992 $$;
--> statement-breakpoint
CREATE FUNCTION pg_temp.uid(kind text, k text) RETURNS uuid LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT md5(kind || ':' || k)::uuid $$;
--> statement-breakpoint
-- A random-looking uuid from two 64-bit hashes of (salt, i).
CREATE FUNCTION pg_temp.hid(salt int, i bigint) RETURNS uuid LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT encode(int8send(hashint8extended(i, salt)) || int8send(hashint8extended(i, salt + 1000)), 'hex')::uuid $$;
--> statement-breakpoint
-- A uuid7 (48-bit milliseconds, version 7, variant 10) for time ts, random bits from (salt, i).
-- STABLE, not IMMUTABLE, because date_part on timestamptz is: with a stricter label than its body,
-- Postgres would call the function per row instead of inlining it (5x slower).
CREATE FUNCTION pg_temp.uid7(ts timestamptz, salt int, i bigint) RETURNS uuid LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT encode(int8send((date_part('epoch', ts) * 1000)::bigint << 16 | 28672 | (hashint8extended(i, salt) & 4095))
  || int8send(hashint8extended(i, salt + 1000) & 4611686018427387903 | -9223372036854775808), 'hex')::uuid $$;
--> statement-breakpoint

-- Work pools and queues: a fixed handful; deployments below pick them with a skew towards pool 0.
INSERT INTO work_pool (id, created, updated, name, description, type, base_job_template, is_paused,
  concurrency_limit, default_queue_id, status, storage_configuration)
SELECT pg_temp.uid('work_pool', p::text), {{T0}} - interval '200 days', {{T0}} - interval '1 day',
  (ARRAY[{{WORK_POOLS}}])[p + 1], 'Benchmark work pool ' || p, (ARRAY[{{WORK_POOL_TYPES}}])[p + 1],
  '{}'::jsonb, false, NULL, pg_temp.uid('work_queue', p || ':0'), 'READY', '{}'::jsonb
FROM generate_series(0, {{POOLS}} - 1) p;
--> statement-breakpoint
INSERT INTO work_queue (id, created, updated, name, work_pool_id, description, is_paused, concurrency_limit,
  priority, last_polled, status, filter)
SELECT pg_temp.uid('work_queue', p || ':' || q), {{T0}} - interval '200 days', {{T0}} - interval '1 day',
  (ARRAY[{{WORK_QUEUES}}])[q + 1], pg_temp.uid('work_pool', p::text),
  CASE WHEN q = 0 THEN 'The work pool''s default queue.' ELSE '' END, false, NULL, q + 1,
  {{T0}} - interval '20 seconds', 'READY', NULL
FROM generate_series(0, {{POOLS}} - 1) p, generate_series(0, {{QUEUES}} - 1) q;
--> statement-breakpoint

INSERT INTO flow (id, created, updated, name, tags, labels)
SELECT pg_temp.uid('flow', f::text), {{T0}} - interval '300 days' + f * interval '1 hour',
  {{T0}} - interval '300 days' + f * interval '1 hour',
  (ARRAY['etl', 'ingest', 'report', 'train', 'sync', 'export', 'cleanup', 'score', 'notify', 'backup'])[1 + f % 10] || '-flow-' || f,
  CASE WHEN f % 3 = 0 THEN '["core"]' ELSE '[]' END::jsonb, '{}'::jsonb
FROM generate_series(0, {{FLOWS}} - 1) f;
--> statement-breakpoint

-- Deployments, staged first: flow runs copy their flow, queue and tags.
-- Skew: low-numbered flows own most deployments; pool 0 and queue 0 are the busiest.
CREATE TEMP TABLE bench_deployment AS
SELECT d, pg_temp.uid('deployment', d::text) AS id,
  pg_temp.uid('flow', floor({{FLOWS}} * pg_temp.u(1, d) ^ 2)::int::text) AS flow_id,
  CASE WHEN pg_temp.u(2, d) < 0.85
    THEN pg_temp.uid('work_queue', floor({{POOLS}} * pg_temp.u(3, d) ^ 2)::int || ':' || floor({{QUEUES}} * pg_temp.u(4, d) ^ 2)::int)
  END AS work_queue_id,
  (ARRAY[{{WORK_QUEUES}}])[1 + floor({{QUEUES}} * pg_temp.u(4, d) ^ 2)::int] AS queue_name,
  to_jsonb(array_remove(ARRAY[
    CASE WHEN pg_temp.u(5, d) < 0.6 THEN 'env:prod' WHEN pg_temp.u(5, d) < 0.85 THEN 'env:staging' ELSE 'env:dev' END,
    'team-' || floor(12 * pg_temp.u(6, d) ^ 2)::int,
    CASE WHEN pg_temp.u(7, d) < 0.3 THEN 'etl' END,
    CASE WHEN pg_temp.u(8, d) < 0.1 THEN 'ml' END,
    CASE WHEN pg_temp.u(9, d) < 0.05 THEN 'critical' END
  ], NULL)) AS tags,
  pg_temp.u(11, d) < 0.05 AS limited,
  pg_temp.u(12, d) < 0.7 AS scheduled
FROM generate_series(0, {{DEPLOYMENTS}} - 1) d;
--> statement-breakpoint
UPDATE bench_deployment SET queue_name = NULL WHERE work_queue_id IS NULL;
--> statement-breakpoint
CREATE UNIQUE INDEX ON bench_deployment (d);
--> statement-breakpoint
INSERT INTO concurrency_limit_v2 (id, created, updated, active, name, "limit", active_slots, denied_slots,
  slot_decay_per_second, avg_slot_occupancy_seconds)
SELECT pg_temp.uid('concurrency_limit_v2', d::text), {{T0}} - interval '100 days', {{T0}} - interval '100 days',
  true, 'deployment:' || id, 1 + floor(5 * pg_temp.u(13, d))::int, 0, 0, 0, 2.0
FROM bench_deployment WHERE limited;
--> statement-breakpoint
INSERT INTO deployment (id, created, updated, name, flow_id, version, description, paused, status, last_polled,
  work_queue_name, work_queue_id, infra_overrides, parameters, parameter_openapi_schema, pull_steps,
  enforce_parameter_schema, path, entrypoint, tags, labels, concurrency_limit, concurrency_limit_id,
  concurrency_options, created_by, updated_by)
SELECT id, {{T0}} - interval '150 days' + interval '100 days' * d / {{DEPLOYMENTS}}, {{T0}} - interval '30 days' * pg_temp.u(14, d),
  (ARRAY['daily', 'hourly', 'nightly', 'weekly', 'adhoc', 'prod', 'staging', 'canary'])[1 + d % 8] || '-'
    || (ARRAY['etl', 'sync', 'report', 'train', 'ingest', 'export'])[1 + floor(6 * pg_temp.u(15, d) ^ 2)::int] || '-' || d,
  flow_id, 'v' || (1 + d % 7), 'Benchmark deployment ' || d, pg_temp.u(16, d) < 0.05,
  CASE WHEN pg_temp.u(17, d) < 0.7 THEN 'READY' ELSE 'NOT_READY' END::deployment_status,
  CASE WHEN pg_temp.u(17, d) < 0.7 THEN {{T0}} - interval '1 minute' * pg_temp.u(18, d) * 60 END,
  queue_name, work_queue_id, '{}'::jsonb, '{"batch_size": 1000, "dry_run": false}'::jsonb,
  '{"type": "object", "title": "Parameters", "properties": {"batch_size": {"type": "integer", "title": "batch_size", "default": 1000, "position": 0}, "dry_run": {"type": "boolean", "title": "dry_run", "default": false, "position": 1}}}'::jsonb,
  '[{"prefect.deployments.steps.set_working_directory": {"directory": "/opt/flows"}}]'::jsonb,
  true, '/opt/flows', 'flows/pipeline.py:main', tags, jsonb_build_object('prefect.flow.id', flow_id),
  NULL, CASE WHEN limited THEN pg_temp.uid('concurrency_limit_v2', d::text) END, NULL, NULL, NULL
FROM bench_deployment;
--> statement-breakpoint
INSERT INTO deployment_schedule (id, created, updated, deployment_id, schedule, active, max_scheduled_runs, parameters, slug)
SELECT pg_temp.uid('deployment_schedule', d::text), {{T0}} - interval '150 days', {{T0}} - interval '150 days', id,
  jsonb_build_object('interval', (ARRAY[300, 900, 3600, 86400])[1 + floor(4 * pg_temp.u(19, d))::int],
    'anchor_date', '2026-01-01T00:00:00+00:00', 'timezone', 'UTC'),
  true, NULL, '{}'::jsonb, NULL
FROM bench_deployment WHERE scheduled;
--> statement-breakpoint

-- Flow runs, staged with their state history (types and timestamps as arrays, oldest first).
-- The reserved blocks at the end of the range get the state their bulk scenario needs, and a deployment.
-- MATERIALIZED: otherwise Postgres copies each CTE's expressions into every place that uses them.
CREATE TEMP TABLE bench_run AS
WITH picked AS MATERIALIZED (
  SELECT i,
    CASE
      WHEN i >= {{DELETE_FROM}} AND i < {{DELETE_TO}} THEN 'COMPLETED'
      WHEN i >= {{CANCEL_FROM}} AND i < {{CANCEL_TO}} THEN 'RUNNING'
      WHEN i >= {{RESCHEDULE_FROM}} AND i < {{RESCHEDULE_TO}} THEN 'FAILED'
      WHEN x < 0.70 THEN 'COMPLETED' WHEN x < 0.78 THEN 'FAILED' WHEN x < 0.81 THEN 'CANCELLED'
      WHEN x < 0.82 THEN 'CRASHED' WHEN x < 0.84 THEN 'RUNNING' WHEN x < 0.85 THEN 'PENDING'
      WHEN x < 0.99 THEN 'SCHEDULED' WHEN x < 0.995 THEN 'CANCELLING' ELSE 'PAUSED'
    END AS final
  FROM generate_series(0, {{RUNS}} - 1) i, LATERAL (SELECT pg_temp.u(20, i) AS x) r
), shaped AS MATERIALIZED (
  SELECT i, final,
    i >= {{RESERVED_FROM}} OR final = 'SCHEDULED' OR pg_temp.u(21, i) < 0.92 AS has_deployment,
    final = 'SCHEDULED' OR pg_temp.u(22, i) < 0.35 AS auto_scheduled,
    final NOT IN ('SCHEDULED', 'PENDING') AS ran,
    CASE WHEN final = 'SCHEDULED' THEN {{T0}} + interval '7 days' * pg_temp.u(23, i)
      ELSE {{T0}} - interval '30 days' * pg_temp.u(23, i) END AS expected,
    interval '1 second' * (1 + 60 * pg_temp.u(24, i)) AS lag,
    interval '1 second' * (5 + 3600 * pg_temp.u(25, i) ^ 3) AS duration,
    floor(5.6 * pg_temp.u(26, i))::int AS task_count
  FROM picked
), timed AS (
  SELECT *,
    CASE WHEN final = 'SCHEDULED' THEN {{T0}} - interval '1 day' * pg_temp.u(27, i) ELSE expected - interval '1 hour' END AS scheduled_at,
    expected + lag / 2 AS pending_at,
    expected + lag AS running_at,
    expected + lag + CASE final WHEN 'CANCELLING' THEN duration / 2 WHEN 'PAUSED' THEN duration * 0.3 ELSE duration END AS final_at
  FROM shaped
)
SELECT t.i, pg_temp.uid('flow_run', t.i::text) AS id, t.final, t.auto_scheduled, t.ran, t.expected,
  CASE WHEN t.has_deployment THEN bd.d END AS d,
  COALESCE(bd.flow_id, pg_temp.uid('flow', floor({{FLOWS}} * pg_temp.u(28, t.i) ^ 2)::int::text)) AS flow_id,
  bd.id AS deployment_id, bd.work_queue_id, bd.queue_name,
  CASE WHEN t.has_deployment
    THEN bd.tags || CASE WHEN pg_temp.u(29, t.i) < 0.1 THEN '["backfill"]' ELSE '[]' END::jsonb
    ELSE CASE WHEN pg_temp.u(29, t.i) < 0.5 THEN '["env:dev"]' ELSE '[]' END::jsonb
  END AS tags,
  CASE WHEN t.ran THEN t.running_at END AS start_time,
  CASE WHEN t.final IN ('COMPLETED', 'FAILED', 'CANCELLED', 'CRASHED') THEN t.final_at END AS end_time,
  CASE WHEN t.final IN ('RUNNING', 'PENDING', 'SCHEDULED') THEN interval '0' ELSE t.final_at - t.running_at END AS total_run_time,
  CASE WHEN t.ran THEN t.task_count ELSE 0 END AS task_count,
  -- Tasks share the run's time so far (a running run: half its eventual duration).
  CASE WHEN t.final = 'RUNNING' THEN t.duration / 2 ELSE t.final_at - t.running_at END AS task_span,
  (CASE WHEN t.auto_scheduled THEN ARRAY['SCHEDULED'] ELSE '{}' END)
    || CASE t.final WHEN 'SCHEDULED' THEN '{}'::text[] WHEN 'PENDING' THEN ARRAY['PENDING'] WHEN 'RUNNING' THEN ARRAY['PENDING', 'RUNNING']
       ELSE ARRAY['PENDING', 'RUNNING', t.final] END AS types,
  (CASE WHEN t.auto_scheduled THEN ARRAY[t.scheduled_at] ELSE '{}' END)
    || CASE t.final WHEN 'SCHEDULED' THEN '{}'::timestamptz[] WHEN 'PENDING' THEN ARRAY[t.pending_at]
       WHEN 'RUNNING' THEN ARRAY[t.pending_at, t.running_at] ELSE ARRAY[t.pending_at, t.running_at, t.final_at] END AS times
FROM timed t
LEFT JOIN bench_deployment bd ON t.has_deployment AND bd.d = floor({{DEPLOYMENTS}} * pg_temp.u(30, t.i) ^ 3)::int;
--> statement-breakpoint
INSERT INTO flow_run (id, created, updated, flow_id, name, state_id, state_type, state_name, state_timestamp,
  run_count, expected_start_time, next_scheduled_start_time, start_time, end_time, total_run_time, flow_version,
  deployment_id, deployment_version, work_queue_name, work_queue_id, parameters, idempotency_key, context,
  empirical_policy, tags, labels, parent_task_run_id, auto_scheduled, infrastructure_document_id,
  infrastructure_pid, created_by, job_variables)
SELECT r.id, r.times[1] - interval '1 second', r.times[cardinality(r.times)], r.flow_id,
  (ARRAY['brave', 'calm', 'clever', 'daring', 'eager', 'fancy', 'gentle', 'happy', 'jolly', 'keen', 'lively', 'merry',
    'nimble', 'proud', 'quick', 'rapid', 'shiny', 'swift', 'tidy', 'witty'])[1 + floor(20 * pg_temp.u(31, r.i))::int] || '-'
    || (ARRAY['alligator', 'badger', 'cheetah', 'dingo', 'eagle', 'ferret', 'gecko', 'heron', 'ibis', 'jaguar', 'koala',
    'lemur', 'marmot', 'narwhal', 'ocelot', 'panda', 'quokka', 'raven', 'stork', 'tapir'])[1 + floor(20 * pg_temp.u(32, r.i))::int],
  pg_temp.uid7(r.times[cardinality(r.times)], 100, r.i * 8 + cardinality(r.types)), r.final::state_type, initcap(r.final),
  r.times[cardinality(r.times)], CASE WHEN r.ran THEN 1 ELSE 0 END, r.expected,
  CASE WHEN r.final = 'SCHEDULED' THEN r.expected END, r.start_time, r.end_time, r.total_run_time,
  replace(r.flow_id::text, '-', ''), r.deployment_id, NULL, r.queue_name, r.work_queue_id,
  jsonb_build_object('batch_size', 1000, 'date', to_char(r.expected, 'YYYY-MM-DD')), NULL, '{}'::jsonb,
  '{"max_retries": 0, "retry_delay_seconds": 0.0, "retries": 0, "retry_delay": 0, "pause_keys": [], "resuming": false, "retry_type": null}'::jsonb,
  r.tags, jsonb_strip_nulls(jsonb_build_object('prefect.flow.id', r.flow_id, 'prefect.deployment.id', r.deployment_id)),
  NULL, r.auto_scheduled, NULL, CASE WHEN r.ran THEN 'worker-' || (r.i % 16) || ':' || (1000 + r.i % 30000) END,
  NULL, '{}'::jsonb
FROM bench_run r;
--> statement-breakpoint
INSERT INTO flow_run_state (id, created, updated, flow_run_id, type, "timestamp", name, message, state_details, data,
  result_artifact_id)
SELECT pg_temp.uid7(r.times[k], 100, r.i * 8 + k), r.times[k], r.times[k], r.id, r.types[k]::state_type, r.times[k],
  initcap(r.types[k]),
  CASE r.types[k] WHEN 'FAILED' THEN 'Flow run encountered an exception: RuntimeError(''upstream unavailable'')'
    WHEN 'CRASHED' THEN 'Flow run infrastructure exited with non-zero status code 137.' END,
  jsonb_build_object('flow_run_id', r.id)
    || CASE WHEN r.auto_scheduled AND r.types[k] IN ('SCHEDULED', 'PENDING')
       THEN jsonb_build_object('scheduled_time', r.expected)
       ELSE '{}'::jsonb END,
  NULL, NULL
FROM bench_run r, generate_subscripts(r.types, 1) k;
--> statement-breakpoint

-- Task runs (0-5 per run that started) with their current state; the last task carries the run's outcome.
CREATE TEMP TABLE bench_task AS
SELECT r.i, j, pg_temp.hid(200, r.i * 8 + j) AS id, r.id AS flow_run_id, r.tags,
  (ARRAY['extract', 'transform', 'load', 'validate', 'notify', 'publish'])[j + 1] AS task_name,
  CASE WHEN j < r.task_count - 1 THEN 'COMPLETED'
    ELSE CASE r.final WHEN 'COMPLETED' THEN 'COMPLETED' WHEN 'FAILED' THEN 'FAILED' WHEN 'CRASHED' THEN 'CRASHED'
      WHEN 'CANCELLED' THEN 'CANCELLED' ELSE 'RUNNING' END
  END AS type,
  r.start_time + r.task_span * j / r.task_count AS started,
  r.task_span / r.task_count AS slot
FROM bench_run r, generate_series(0, r.task_count - 1) j
WHERE r.task_count > 0;
--> statement-breakpoint
INSERT INTO task_run (id, created, updated, flow_run_id, name, task_key, dynamic_key, cache_key, cache_expiration,
  task_version, state_id, state_type, state_name, state_timestamp, run_count, flow_run_run_count,
  expected_start_time, next_scheduled_start_time, start_time, end_time, total_run_time, empirical_policy,
  task_inputs, tags, labels)
SELECT id, started, CASE WHEN type = 'RUNNING' THEN started ELSE started + slot END, flow_run_id,
  task_name || '-' || lpad(to_hex(hashint8extended(i * 8 + j, 210) & 4095), 3, '0'),
  task_name || '-' || (ARRAY['3f2a91c0', '8b1d44e7', 'c05e7a12', '5d9f03bb', 'e71c28a4', '0a6b5f9d'])[j + 1], '0', NULL, NULL,
  NULL, pg_temp.uid7(CASE WHEN type = 'RUNNING' THEN started ELSE started + slot END, 300, i * 8 + j), type::state_type, initcap(type),
  CASE WHEN type = 'RUNNING' THEN started ELSE started + slot END, 1, 1, started, NULL, started,
  CASE WHEN type = 'RUNNING' THEN NULL ELSE started + slot END,
  CASE WHEN type = 'RUNNING' THEN interval '0' ELSE slot END,
  '{"max_retries": 0, "retry_delay_seconds": 0.0, "retries": 0, "retry_delay": 0, "retry_jitter_factor": null}'::jsonb,
  CASE WHEN j = 0 THEN '{}' ELSE '{"data": [{"input_type": "task_run", "id": "' || pg_temp.hid(200, i * 8 + j - 1) || '"}]}' END::jsonb,
  '[]'::jsonb, jsonb_build_object('prefect.flow-run.id', flow_run_id)
FROM bench_task;
--> statement-breakpoint
INSERT INTO task_run_state (id, created, updated, task_run_id, type, "timestamp", name, message, state_details, data,
  result_artifact_id)
SELECT pg_temp.uid7(CASE WHEN type = 'RUNNING' THEN started ELSE started + slot END, 300, i * 8 + j), started, started, id, type::state_type,
  CASE WHEN type = 'RUNNING' THEN started ELSE started + slot END, initcap(type), NULL,
  jsonb_build_object('flow_run_id', flow_run_id, 'task_run_id', id), NULL, NULL
FROM bench_task;
--> statement-breakpoint
DROP TABLE bench_task;
--> statement-breakpoint
DROP TABLE bench_run;
--> statement-breakpoint
DROP TABLE bench_deployment;
