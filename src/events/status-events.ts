/**
 * Server-side events of work pools, work queues and deployments (Prefect's models/events.py
 * work_pool_status_event, work_queue_status_event, deployment_status_event, and the `deleted` events),
 * as SQL pieces that a writing statement adds as CTEs: the events are inserted from the rows its
 * UPDATE or DELETE returned, so they commit (or roll back) with the change and cost no extra statement.
 *
 * Usage: `WITH …, changed AS (UPDATE … RETURNING …), events AS (${insertEvents(rows)})
 * ${insertEventResources} …` (the resources insert may also be a CTE named anything but `events`).
 */
import { sql, type SQL } from 'drizzle-orm';

/** A UUIDv7 minted by Postgres from its clock (a v4 with the time in its first 48 bits and version 7). */
export const sqlUuid7 = sql`encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid())
    placing substring(int8send(floor(extract(epoch from clock_timestamp()) * 1000)::bigint) from 3) from 1 for 6),
    52, 1), 53, 1), 'hex')::uuid`;

/** Prefect's `in_kebab_case()` of a status enum value: NOT_READY → not-ready. */
const kebab = (status: SQL) => sql`lower(replace((${status})::text, '_', '-'))`;

/** Prefect names a pool's previous status event only when it happened within ten minutes. */
export const poolFollows = (lastEventId: SQL, lastTransitionedAt: SQL) =>
  sql`case when ${lastTransitionedAt} > now() - interval '10 minutes' then ${lastEventId} end`;

/**
 * Event rows `(id, occurred, event, resource, related, follows)` for pools whose status just changed.
 * `changed` yields id, name, type, status, event_id (the new last_status_event_id), occurred (the
 * new last_transitioned_status_at) and follows.
 */
export const workPoolStatusEventRows = (changed: SQL) => sql`
  SELECT c.event_id AS id, c.occurred, 'prefect.work-pool.' || ${kebab(sql`c.status`)} AS event,
    jsonb_build_object('prefect.resource.id', 'prefect.work-pool.' || c.id, 'prefect.resource.name', c.name,
      'prefect.work-pool.type', c.type) AS resource,
    '[]'::jsonb AS related, c.follows, '{}'::jsonb AS payload
  FROM ${changed} c`;

/**
 * `prefect.work-pool.<verb>` rows (created, deleted) for the pools in `changed` (id, name, type,
 * default_queue_id): the pool, with a role, and its default queue as related resource, as Prefect has them.
 */
export const workPoolLifecycleEventRows = (changed: SQL, verb: 'created' | 'deleted' | 'updated', payload: SQL = sql`'{}'::jsonb`) => sql`
  SELECT ${sqlUuid7} AS id, clock_timestamp() AS occurred, ${`prefect.work-pool.${verb}`}::text AS event,
    jsonb_build_object('prefect.resource.id', 'prefect.work-pool.' || c.id, 'prefect.resource.name', c.name,
      'prefect.resource.role', 'work-pool', 'prefect.work-pool.type', c.type) AS resource,
    CASE WHEN c.default_queue_id IS NULL THEN '[]'::jsonb ELSE jsonb_build_array(jsonb_build_object(
      'prefect.resource.id', 'prefect.work-queue.' || c.default_queue_id, 'prefect.resource.role', 'default-queue')) END AS related,
    NULL::uuid AS follows, ${payload} AS payload
  FROM ${changed} c`;

/** The `work-pool` related resource of a queue or deployment, from a joined `work_pool wp`. */
const relatedPool = sql`jsonb_build_object('prefect.resource.id', 'prefect.work-pool.' || wp.id,
  'prefect.resource.name', wp.name, 'prefect.work-pool.type', wp.type, 'prefect.resource.role', 'work-pool')`;

/**
 * Event rows for queues whose status just changed. `changed` yields the queue's id, name, status and
 * work_pool_id after the change. The pool (unchanged by the statement) is read from its table.
 */
export const workQueueStatusEventRows = (changed: SQL) => workQueueEventRows(changed, sql`'prefect.work-queue.' || ${kebab(sql`c.status`)}`);

/** Event rows named `eventName` (an SQL expression over `c`) for the queues in `changed`, shaped as status events. */
export const workQueueEventRows = (changed: SQL, eventName: SQL, payload: SQL = sql`'{}'::jsonb`) => sql`
  SELECT ${sqlUuid7} AS id, clock_timestamp() AS occurred, ${eventName} AS event,
    jsonb_build_object('prefect.resource.id', 'prefect.work-queue.' || c.id, 'prefect.resource.name', c.name,
      'prefect.resource.role', 'work-queue') AS resource,
    CASE WHEN wp.id IS NULL THEN '[]'::jsonb ELSE jsonb_build_array(${relatedPool}) END AS related,
    NULL::uuid AS follows, ${payload} AS payload
  FROM ${changed} c LEFT JOIN work_pool wp ON wp.id = c.work_pool_id`;

/**
 * Event rows for deployments whose status just changed. `changed` yields the deployment's id, name,
 * status, flow_id, work_queue_id and concurrency_limit_id after the change. Related resources are
 * Prefect's: flow, work queue, work pool, then the deployment's concurrency limit.
 */
export const deploymentStatusEventRows = (changed: SQL) => deploymentEventRows(changed, sql`'prefect.deployment.' || ${kebab(sql`c.status`)}`);

/** Event rows named `eventName` (an SQL expression over `c`) for the deployments in `changed`, shaped as status events. */
export const deploymentEventRows = (changed: SQL, eventName: SQL, payload: SQL = sql`'{}'::jsonb`) => sql`
  SELECT ${sqlUuid7} AS id, clock_timestamp() AS occurred, ${eventName} AS event,
    jsonb_build_object('prefect.resource.id', 'prefect.deployment.' || c.id, 'prefect.resource.name', c.name) AS resource,
    (SELECT coalesce(jsonb_agg(r.x ORDER BY r.ord), '[]'::jsonb) FROM (
       SELECT 1 AS ord, jsonb_build_object('prefect.resource.id', 'prefect.flow.' || f.id,
         'prefect.resource.name', f.name, 'prefect.resource.role', 'flow') AS x WHERE f.id IS NOT NULL
       UNION ALL SELECT 2, jsonb_build_object('prefect.resource.id', 'prefect.work-queue.' || wq.id,
         'prefect.resource.name', wq.name, 'prefect.resource.role', 'work-queue') WHERE wq.id IS NOT NULL
       UNION ALL SELECT 3, ${relatedPool} WHERE wp.id IS NOT NULL
       UNION ALL SELECT 4, jsonb_build_object('prefect.resource.id', 'prefect.concurrency-limit.' || c.concurrency_limit_id,
         'prefect.resource.role', 'concurrency-limit') WHERE c.concurrency_limit_id IS NOT NULL
     ) r) AS related,
    NULL::uuid AS follows, ${payload} AS payload
  FROM ${changed} c
  LEFT JOIN flow f ON f.id = c.flow_id
  LEFT JOIN work_queue wq ON wq.id = c.work_queue_id
  LEFT JOIN work_pool wp ON wp.id = wq.work_pool_id`;

/**
 * The body of a CTE named `events`: inserts the event rows of `rows` (a UNION of the builders above)
 * and returns what `insertEventResources` needs.
 */
export const insertEvents = (rows: SQL) => sql`
  INSERT INTO event (id, occurred, event, resource_id, resource, related_resource_ids, related, payload, received, recorded, follows)
  SELECT b.id, b.occurred, b.event, b.resource->>'prefect.resource.id', b.resource,
    coalesce((SELECT jsonb_agg(x->>'prefect.resource.id') FROM jsonb_array_elements(b.related) x), '[]'::jsonb),
    b.related, b.payload, clock_timestamp(), clock_timestamp(), b.follows
  FROM (${rows}) b
  ORDER BY b.id
  ON CONFLICT (id) DO NOTHING
  RETURNING id, occurred, resource, related`;

/**
 * One `event_resource` row per resource of each event in CTE `events` (a statement or a CTE body): the
 * primary resource with role '' (even when its labels name a role, as a queue's do), then the related ones.
 */
export const insertEventResources = sql`
  INSERT INTO event_resource (occurred, resource_id, resource_role, resource, event_id)
  SELECT e.occurred, r.x->>'prefect.resource.id', CASE WHEN r.n = 1 THEN '' ELSE coalesce(r.x->>'prefect.resource.role', '') END,
    r.x - 'prefect.resource.id' - 'prefect.resource.role', e.id
  FROM events e CROSS JOIN LATERAL jsonb_array_elements(jsonb_build_array(e.resource) || e.related) WITH ORDINALITY AS r(x, n)`;

/**
 * CTEs `events` and `event_resources` of a poll: `prefect.work-queue.ready` and `prefect.deployment.ready`
 * for the queues and deployments (from the CTEs named, with their `old_status`) the poll turned READY.
 */
export const readyEventsOfPoll = (queues: SQL | null, deployments: SQL) => {
  const queueRows = queues ? sql`${workQueueStatusEventRows(sql`(select * from ${queues} where old_status = 'NOT_READY')`)} union all` : sql``;
  return sql`events as (${insertEvents(sql`${queueRows}
      ${deploymentStatusEventRows(sql`(select * from ${deployments} where old_status is distinct from 'READY')`)}`)}),
    event_resources as (${insertEventResources})`;
};

/**
 * A statement that runs `insert` (an INSERT INTO work_queue without RETURNING), emits
 * `prefect.work-queue.created` for the new queue, and selects its id.
 */
export const insertWorkQueueEmittingCreated = (insert: SQL) => sql`
  with created as (${insert} returning id, name, status, work_pool_id),
  events as (${insertEvents(workQueueEventRows(sql`created`, sql`'prefect.work-queue.created'`))}),
  event_resources as (${insertEventResources})
  select id from created`;

/**
 * Prefect's `updated` payload for the fields sent (in its order), as a jsonb expression over the old and
 * new values: `{updated_fields, updates: {field: {from, to}}}` for those whose value changed, or NULL
 * when none did (then no event is emitted).
 */
export const updatedPayload = (fields: { name: string; from: SQL; to: SQL }[]) => {
  if (fields.length === 0) return sql`NULL::jsonb`;
  const rows = sql.join(
    fields.map((f, i) => sql`(${i}, ${f.name}::text, to_jsonb(${f.from}), to_jsonb(${f.to}))`),
    sql`, `,
  );
  return sql`(SELECT jsonb_build_object('updated_fields', jsonb_agg(f.name ORDER BY f.ord),
      'updates', jsonb_object_agg(f.name, jsonb_build_object('from', coalesce(f.old, 'null'::jsonb), 'to', coalesce(f.new, 'null'::jsonb))))
    FROM (VALUES ${rows}) AS f(ord, name, old, new) WHERE f.old IS DISTINCT FROM f.new HAVING count(*) > 0)`;
};

/**
 * The deployment fields whose change Prefect reports in `prefect.deployment.updated` (its
 * DEPLOYMENT_EVENT_FIELDS; it iterates a set, so its order is arbitrary: ours is this list's).
 */
const DEPLOYMENT_EVENT_FIELDS = [
  'description', 'tags', 'parameters', 'parameter_openapi_schema', 'enforce_parameter_schema', 'entrypoint', 'path',
  'pull_steps', 'work_queue_id', 'infra_overrides', 'paused', 'labels', 'version', 'concurrency_limit_id',
  'concurrency_options',
] as const;

/** A field's value as Prefect reports it: its concurrency options are a model with every key present. */
function snapshotValue(field: (typeof DEPLOYMENT_EVENT_FIELDS)[number]): string {
  if (field === 'concurrency_options') {
    return `CASE WHEN d.concurrency_options IS NULL OR jsonb_typeof(d.concurrency_options) <> 'object' THEN to_jsonb(d.concurrency_options)
      ELSE '{"grace_period_seconds": null}'::jsonb || d.concurrency_options END`;
  }
  return `to_jsonb(d.${field})`;
}

/** A jsonb object of a deployment row's (alias `d`) reported fields, to compare before and after a write. */
export const deploymentSnapshot = sql.raw(
  `jsonb_build_object(${DEPLOYMENT_EVENT_FIELDS.map((f) => `'${f}', ${snapshotValue(f)}`).join(', ')})`,
);

/**
 * A statement that emits `prefect.deployment.updated` for deployment `id` when any reported field
 * differs from `before` (a `deploymentSnapshot` taken before the write), with Prefect's
 * `{updated_fields, updates: {field: {from, to}}}` payload and its related resources as they are now.
 */
export const deploymentUpdatedEvent = (id: string, before: unknown) => {
  const payload = sql`(SELECT jsonb_build_object('updated_fields', jsonb_agg(f.name ORDER BY f.ord),
      'updates', jsonb_object_agg(f.name, jsonb_build_object('from', coalesce(o.v, 'null'::jsonb), 'to', coalesce(n.v, 'null'::jsonb))))
    FROM unnest(${sql.raw(`ARRAY[${DEPLOYMENT_EVENT_FIELDS.map((f) => `'${f}'`).join(', ')}]`)}::text[]) WITH ORDINALITY AS f(name, ord)
    CROSS JOIN LATERAL (SELECT ${JSON.stringify(before)}::jsonb -> f.name AS v) o
    CROSS JOIN LATERAL (SELECT c.snapshot -> f.name AS v) n
    WHERE coalesce(o.v, 'null'::jsonb) IS DISTINCT FROM coalesce(n.v, 'null'::jsonb) HAVING count(*) > 0)`;
  return sql`
    with c as (select d.id, d.name, d.status, d.flow_id, d.work_queue_id, d.concurrency_limit_id, ${deploymentSnapshot} as snapshot
      from deployment d where d.id = ${id}),
    events as (${insertEvents(sql`select * from (${deploymentEventRows(sql`c`, sql`'prefect.deployment.updated'`, payload)}) u where u.payload is not null`)}),
    event_resources as (${insertEventResources})
    select count(*)::int as n from events`;
};
