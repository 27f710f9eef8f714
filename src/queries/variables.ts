/** Variables: reads and writes for /variables. */
import { sql, type SQL } from 'drizzle-orm';
import type { PgUpdateSetSource } from 'drizzle-orm/pg-core';
import type { DbOrTx } from '../db/client';
import { variable } from '../db/schema';
import type { VariableCreate, VariableUpdate } from '../schemas/actions/variables';
import { formatTimestamp } from '../time';
import { applyReadQuery, type ReadQuery } from './read/query';
import { VARIABLE_EVENTS, withLifecycleEvents, type LifecycleVerb } from './lifecycle-events';

type VariableRow = typeof variable.$inferSelect;

export interface VariableResponse {
  id: string;
  created: string;
  updated: string;
  name: string;
  value: unknown;
  tags: string[];
}

export function toVariableResponse(r: VariableRow): VariableResponse {
  return {
    id: r.id,
    created: formatTimestamp(r.created) as string,
    updated: formatTimestamp(r.updated) as string,
    name: r.name,
    value: r.value ?? null,
    tags: r.tags,
  };
}

export const variableById = (id: string): SQL => sql`${variable.id} = ${id}`;
export const variableByName = (name: string): SQL => sql`${variable.name} = ${name}`;

/** `change` with a `prefect.variable.<verb>` per row (a variable's columns are one word each). */
const withVariableEvents = (db: DbOrTx, verb: LifecycleVerb, change: SQL) => withLifecycleEvents<VariableRow>(db, VARIABLE_EVENTS, verb, change);

/**
 * One INSERT, with its `prefect.variable.created`; null (and no event) when the name is taken. The response carries the value as sent (Prefect answers
 * from its input model; reads then show jsonb's key order).
 */
export async function insertVariable(db: DbOrTx, body: VariableCreate): Promise<VariableResponse | null> {
  const insert = db
    .insert(variable)
    .values({ name: body.name, value: sql`${JSON.stringify(body.value ?? null)}::jsonb`, tags: body.tags })
    .onConflictDoNothing({ target: variable.name });
  const [row] = await withVariableEvents(db, 'created', sql`${insert.getSQL()} RETURNING *`);
  return row ? { ...toVariableResponse(row), value: body.value ?? null } : null;
}

export async function readVariables(
  db: DbOrTx,
  q: ReadQuery,
): Promise<VariableResponse[]> {
  return (await applyReadQuery(db.select().from(variable).$dynamic(), q)).map(toVariableResponse);
}

/**
 * Writes the keys sent (and `updated`), with a `prefect.variable.updated` (any PATCH); false when no variable matches. An explicit null name or
 * tags fails on the NOT NULL column (409), a taken name on the unique one (409), as in Prefect.
 */
export async function updateVariable(db: DbOrTx, where: SQL, body: VariableUpdate): Promise<boolean> {
  const set: PgUpdateSetSource<typeof variable> = { updated: sql`now()` };
  if (body.name !== undefined) set.name = body.name as string;
  if (body.value !== undefined) set.value = sql`${JSON.stringify(body.value)}::jsonb`;
  if (body.tags !== undefined) set.tags = body.tags as string[];
  return (await withVariableEvents(db, 'updated', sql`${db.update(variable).set(set).where(where).getSQL()} RETURNING *`)).length > 0;
}

/** Deletes the variable with its `prefect.variable.deleted`; false when none matches. */
export async function deleteVariable(db: DbOrTx, where: SQL): Promise<boolean> {
  return (await withVariableEvents(db, 'deleted', sql`${db.delete(variable).where(where).getSQL()} RETURNING *`)).length > 0;
}
