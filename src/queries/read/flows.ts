import type { DbOrTx } from '../../db/client';
import { flow } from '../../db/schema';
import { formatTimestamp } from '../../time';
import { applyReadQuery, type ReadQuery } from './query';
import type { FlowResponse } from './types';

type FlowRow = typeof flow.$inferSelect;

export function toFlowResponse(row: FlowRow): FlowResponse {
  return {
    id: row.id,
    created: formatTimestamp(row.created) as string,
    updated: formatTimestamp(row.updated) as string,
    name: row.name,
    tags: row.tags,
    // Flows created by other paths may hold NULL labels; Prefect returns them as null.
    labels: row.labels ?? null,
  };
}

/** Flows matching the query, in one statement. */
export async function readFlows(db: DbOrTx, q: ReadQuery = {}): Promise<FlowResponse[]> {
  const rows = await applyReadQuery(db.select().from(flow).$dynamic(), q);
  return rows.map(toFlowResponse);
}
