/** Writes of flows, each with its `prefect.flow.*` lifecycle event in the same statement. */
import { eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { deployment, flow } from '../db/schema';
import type { FlowCreate } from '../schemas/actions/flows';
import { FLOW_EVENTS, withLifecycleEvents, type LifecycleVerb } from './lifecycle-events';

export type FlowRow = typeof flow.$inferSelect;

/** `change` with a `prefect.flow.<verb>` per row (a flow's columns are one word each). */
const withFlowEvents = (db: DbOrTx, verb: LifecycleVerb, change: SQL) => withLifecycleEvents<FlowRow>(db, FLOW_EVENTS, verb, change);

/**
 * Creates a flow unless one of that name exists, in which case the existing one is returned
 * unchanged (no tag merge). `created` says which happened.
 */
export async function insertFlow(db: DbOrTx, body: FlowCreate): Promise<{ row: FlowRow; created: boolean }> {
  const insert = db.insert(flow).values({ name: body.name, tags: body.tags, labels: body.labels }).onConflictDoNothing({ target: flow.name });
  // Only a flow that is new gets `prefect.flow.created`, as in Prefect.
  const [inserted] = await withFlowEvents(db, 'created', sql`${insert.getSQL()} RETURNING *`);
  if (inserted) return { row: inserted, created: true };
  const [existing] = await db.select().from(flow).where(eq(flow.name, body.name));
  if (!existing) throw new Error(`flow ${body.name} neither inserted nor found`);
  return { row: existing, created: false };
}

/** Replaces a flow's tags when given (any PATCH is a `prefect.flow.updated`); false when there is no such flow. */
export async function updateFlowTags(db: DbOrTx, id: string, tags: string[] | undefined): Promise<boolean> {
  const update = db
    .update(flow)
    .set(tags === undefined ? { updated: sql`now()` } : { tags, updated: sql`now()` })
    .where(eq(flow.id, id));
  return (await withFlowEvents(db, 'updated', sql`${update.getSQL()} RETURNING *`)).length > 0;
}

/** Deletes a flow; its runs and deployments cascade (deployment-owned limits stay, as in Prefect). */
export async function deleteFlow(db: DbOrTx, id: string): Promise<boolean> {
  return (await withFlowEvents(db, 'deleted', sql`${db.delete(flow).where(eq(flow.id, id)).getSQL()} RETURNING *`)).length > 0;
}

/** Deletes flows and, explicitly first, their deployments (what bulk delete does). */
export async function deleteFlows(tx: DbOrTx, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  await tx.delete(deployment).where(inArray(deployment.flowId, ids));
  const rows = await withFlowEvents(tx, 'deleted', sql`${tx.delete(flow).where(inArray(flow.id, ids)).getSQL()} RETURNING *`);
  return rows.map((r) => r.id);
}
