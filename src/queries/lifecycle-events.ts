/**
 * Prefect 3.9.1's lifecycle events of flows, variables, concurrency limits, artifact collections and
 * automations (its events/schemas/lifecycle.py): `prefect.<kind>.created|updated|deleted`, the object as resource
 * (`prefect.<kind>.<id>`, named), its own payload, and no related resources but an artifact collection's.
 *
 * Each is inserted by CTEs of the statement that makes the change, from the rows that statement
 * returns: it commits or rolls back with the change and costs no extra statement or round trip.
 * Usage: `lifecycleStatement(sql\`insert … returning *\`, lifecycleEventRows(FLOW_EVENTS, 'created', sql\`changed\`), sql\`select * from changed\`)`.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { insertEventResources, insertEvents, sqlUuid7 } from '../events/status-events';
import { isoTimestampSql } from './read/query';

export type LifecycleVerb = 'created' | 'updated' | 'deleted';

/** How one kind of object becomes an event: SQL expressions over a changed row `c`. */
export interface LifecycleKind {
  kind: string;
  name: SQL;
  payload: SQL;
  related?: SQL;
}

export const FLOW_EVENTS: LifecycleKind = {
  kind: 'flow',
  name: sql`c.name`,
  payload: sql`jsonb_build_object('name', c.name, 'tags', c.tags, 'labels', c.labels)`,
};

export const VARIABLE_EVENTS: LifecycleKind = {
  kind: 'variable',
  name: sql`c.name`,
  payload: sql`jsonb_build_object('name', c.name, 'value', c.value, 'tags', c.tags)`,
};

export const CONCURRENCY_LIMIT_EVENTS: LifecycleKind = {
  kind: 'concurrency-limit',
  name: sql`c.name`,
  payload: sql`jsonb_build_object('name', c.name, 'limit', c."limit", 'active', c.active, 'slot_decay_per_second', c.slot_decay_per_second)`,
};

/** The related resources are the collection's latest artifact, then its flow run and task run when it has them. */
export const ARTIFACT_COLLECTION_EVENTS: LifecycleKind = {
  kind: 'artifact-collection',
  name: sql`c.key`,
  payload: sql`jsonb_build_object('key', c.key, 'type', c.type, 'data', c.data, 'description', c.description)`,
  related: sql`jsonb_build_array(jsonb_build_object('prefect.resource.id', 'prefect.artifact.' || c.latest_id, 'prefect.resource.role', 'latest'))
    || CASE WHEN c.flow_run_id IS NULL THEN '[]'::jsonb ELSE jsonb_build_array(jsonb_build_object(
      'prefect.resource.id', 'prefect.flow-run.' || c.flow_run_id, 'prefect.resource.role', 'flow-run')) END
    || CASE WHEN c.task_run_id IS NULL THEN '[]'::jsonb ELSE jsonb_build_array(jsonb_build_object(
      'prefect.resource.id', 'prefect.task-run.' || c.task_run_id, 'prefect.resource.role', 'task-run')) END`,
};

/** The payload is the whole automation, as the API answers it. */
export const AUTOMATION_EVENTS: LifecycleKind = {
  kind: 'automation',
  name: sql`c.name`,
  payload: sql`jsonb_build_object('name', c.name, 'description', c.description, 'enabled', c.enabled, 'tags', c.tags,
    'trigger', c.trigger, 'actions', c.actions, 'actions_on_trigger', c.actions_on_trigger, 'actions_on_resolve', c.actions_on_resolve,
    'id', c.id, 'created', ${sql.raw(isoTimestampSql('c.created'))}, 'updated', ${sql.raw(isoTimestampSql('c.updated'))})`,
};

/**
 * Event rows (the shape `insertEvents` takes) for the rows of `changed`, aliased `c`. `verb` may be an
 * SQL expression over `c` (an upsert's rows are created or updated).
 */
export const lifecycleEventRows = (k: LifecycleKind, verb: LifecycleVerb | SQL, changed: SQL) => sql`
  SELECT ${sqlUuid7} AS id, clock_timestamp() AS occurred,
    ${typeof verb === 'string' ? sql`${`prefect.${k.kind}.${verb}`}::text` : sql`${`prefect.${k.kind}.`}::text || ${verb}`} AS event,
    jsonb_build_object('prefect.resource.id', ${`prefect.${k.kind}.`} || c.id, 'prefect.resource.name', ${k.name}) AS resource,
    ${k.related ?? sql`'[]'::jsonb`} AS related, NULL::uuid AS follows, ${k.payload} AS payload
  FROM ${changed} c`;

/**
 * One statement: `change` (an INSERT, UPDATE or DELETE … RETURNING) as CTE `changed`, the events of
 * `rows` (built over `changed`), and `select` (over `changed`) as its result.
 */
export const lifecycleStatement = (change: SQL, rows: SQL, select: SQL) => sql`
  WITH changed AS (${change}),
  events AS (${insertEvents(rows)}),
  event_resources AS (${insertEventResources})
  ${select}`;

/**
 * Runs `change` (an INSERT, UPDATE or DELETE … RETURNING *) with a `prefect.<kind>.<verb>` event per
 * row it returns, in one statement, and returns those rows as `select` (over `changed`) gives them:
 * by default as stored, which is Drizzle's shape when every column name is one word.
 */
export async function withLifecycleEvents<Row>(db: DbOrTx, k: LifecycleKind, verb: LifecycleVerb, change: SQL, select: SQL = sql`SELECT * FROM changed`): Promise<Row[]> {
  const result = await db.execute(lifecycleStatement(change, lifecycleEventRows(k, verb, sql`changed`), select));
  return result.rows as Row[];
}
