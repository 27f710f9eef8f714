/** Variables: reads and writes for /variables. */
import { sql, type SQL } from 'drizzle-orm';
import type { PgUpdateSetSource } from 'drizzle-orm/pg-core';
import type { DbOrTx } from '../db/client';
import { variable } from '../db/schema';
import type { VariableCreate, VariableUpdate } from '../schemas/actions/variables';
import { formatTimestamp } from '../time';
import { applyReadQuery, type ReadQuery } from './read/query';

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

/**
 * One INSERT; null when the name is taken. The response carries the value as sent (Prefect answers
 * from its input model; reads then show jsonb's key order).
 */
export async function insertVariable(db: DbOrTx, body: VariableCreate): Promise<VariableResponse | null> {
  const [row] = await db
    .insert(variable)
    .values({ name: body.name, value: sql`${JSON.stringify(body.value ?? null)}::jsonb`, tags: body.tags })
    .onConflictDoNothing({ target: variable.name })
    .returning();
  return row ? { ...toVariableResponse(row), value: body.value ?? null } : null;
}

export async function readVariables(
  db: DbOrTx,
  q: ReadQuery,
): Promise<VariableResponse[]> {
  return (await applyReadQuery(db.select().from(variable).$dynamic(), q)).map(toVariableResponse);
}

/**
 * Writes the keys sent (and `updated`); false when no variable matches. An explicit null name or
 * tags fails on the NOT NULL column (409), a taken name on the unique one (409), as in Prefect.
 */
export async function updateVariable(db: DbOrTx, where: SQL, body: VariableUpdate): Promise<boolean> {
  const set: PgUpdateSetSource<typeof variable> = { updated: sql`now()` };
  if (body.name !== undefined) set.name = body.name as string;
  if (body.value !== undefined) set.value = sql`${JSON.stringify(body.value)}::jsonb`;
  if (body.tags !== undefined) set.tags = body.tags as string[];
  const rows = await db.update(variable).set(set).where(where).returning({ id: variable.id });
  return rows.length > 0;
}

export async function deleteVariable(db: DbOrTx, where: SQL): Promise<boolean> {
  const rows = await db.delete(variable).where(where).returning({ id: variable.id });
  return rows.length > 0;
}
