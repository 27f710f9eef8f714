/** Writes of flows. */
import { eq, inArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { deployment, flow } from '../db/schema';
import type { FlowCreate } from '../schemas/actions/flows';

export type FlowRow = typeof flow.$inferSelect;

/**
 * Creates a flow unless one of that name exists, in which case the existing one is returned
 * unchanged (no tag merge). `created` says which happened.
 */
export async function insertFlow(db: DbOrTx, body: FlowCreate): Promise<{ row: FlowRow; created: boolean }> {
  const [inserted] = await db
    .insert(flow)
    .values({ name: body.name, tags: body.tags, labels: body.labels })
    .onConflictDoNothing({ target: flow.name })
    .returning();
  if (inserted) return { row: inserted, created: true };
  const [existing] = await db.select().from(flow).where(eq(flow.name, body.name));
  if (!existing) throw new Error(`flow ${body.name} neither inserted nor found`);
  return { row: existing, created: false };
}

/** Replaces a flow's tags when given; false when there is no such flow. */
export async function updateFlowTags(db: DbOrTx, id: string, tags: string[] | undefined): Promise<boolean> {
  const rows = await db
    .update(flow)
    .set(tags === undefined ? { updated: sql`now()` } : { tags, updated: sql`now()` })
    .where(eq(flow.id, id))
    .returning({ id: flow.id });
  return rows.length > 0;
}

/** Deletes a flow; its runs and deployments cascade (deployment-owned limits stay, as in Prefect). */
export async function deleteFlow(db: DbOrTx, id: string): Promise<boolean> {
  const rows = await db.delete(flow).where(eq(flow.id, id)).returning({ id: flow.id });
  return rows.length > 0;
}

/** Deletes flows and, explicitly first, their deployments (what bulk delete does). */
export async function deleteFlows(tx: DbOrTx, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  await tx.delete(deployment).where(inArray(deployment.flowId, ids));
  const rows = await tx.delete(flow).where(inArray(flow.id, ids)).returning({ id: flow.id });
  return rows.map((r) => r.id);
}
