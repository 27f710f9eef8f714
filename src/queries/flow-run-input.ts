/** Flow run inputs (/flow_runs/{id}/input): keyed values a paused or receiving run reads. */
import { and, asc, eq, like, notInArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { flowRunInput } from '../db/schema';
import { formatTimestamp } from '../time';

export interface FlowRunInputResponse {
  id: string;
  created: string;
  updated: string;
  flow_run_id: string;
  key: string;
  value: string;
  sender: string | null;
}

/** LIKE's wildcards and escape character taken literally: a prefix is text, not a pattern. */
export const likePrefix = (prefix: string) => `${prefix.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;

/** One INSERT; the unique (flow_run_id, key) index and the foreign key decide 409 / 404 (see the route). */
export async function insertFlowRunInput(db: DbOrTx, row: { flowRunId: string; key: string; value: string; sender: string | null }) {
  await db.insert(flowRunInput).values(row);
}

/** Oldest first, as Prefect orders them (receive_input reads them in arrival order). */
export async function filterFlowRunInputs(
  db: DbOrTx,
  q: { flowRunId: string; prefix: string; limit: number; excludeKeys: string[] },
): Promise<FlowRunInputResponse[]> {
  const conditions = [eq(flowRunInput.flowRunId, q.flowRunId), like(flowRunInput.key, likePrefix(q.prefix))];
  if (q.excludeKeys.length) conditions.push(notInArray(flowRunInput.key, q.excludeKeys));
  const rows = await db
    .select()
    .from(flowRunInput)
    .where(and(...conditions))
    .orderBy(asc(flowRunInput.created), asc(flowRunInput.id))
    .limit(q.limit);
  return rows.map((r) => ({
    id: r.id,
    created: formatTimestamp(r.created) as string,
    updated: formatTimestamp(r.updated) as string,
    flow_run_id: r.flowRunId,
    key: r.key,
    value: r.value,
    sender: r.sender ?? null,
  }));
}

export async function flowRunInputValue(db: DbOrTx, flowRunId: string, key: string): Promise<string | null> {
  const [row] = await db
    .select({ value: flowRunInput.value })
    .from(flowRunInput)
    .where(and(eq(flowRunInput.flowRunId, flowRunId), eq(flowRunInput.key, key)));
  return row ? row.value : null;
}

export async function deleteFlowRunInput(db: DbOrTx, flowRunId: string, key: string): Promise<boolean> {
  const rows = await db
    .delete(flowRunInput)
    .where(and(eq(flowRunInput.flowRunId, flowRunId), sql`${flowRunInput.key} = ${key}`))
    .returning({ id: flowRunInput.id });
  return rows.length > 0;
}
