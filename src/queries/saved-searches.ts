/** Saved searches: one statement per request. */
import { asc, eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { savedSearch } from '../db/schema';
import type { SavedSearchCreate } from '../schemas/actions/saved-searches';
import { formatTimestamp } from '../time';

type SavedSearchRow = Pick<typeof savedSearch.$inferSelect, 'id' | 'created' | 'updated' | 'name' | 'filters'>;

export const toSavedSearchResponse = (r: SavedSearchRow) => ({
  id: r.id,
  created: formatTimestamp(r.created) as string,
  updated: formatTimestamp(r.updated) as string,
  name: r.name,
  filters: r.filters,
});

/**
 * Creates the search, or replaces the filters of the one with that name (its id, created and updated
 * stay, as in Prefect). `created` tells which happened.
 */
export async function upsertSavedSearch(db: DbOrTx, body: SavedSearchCreate) {
  // Only the five fields of each filter are kept, in Prefect's order.
  const filters = (body.filters ?? []).map((f) => ({ object: f.object, property: f.property, type: f.type, operation: f.operation, value: f.value }));
  const [row] = await db
    .insert(savedSearch)
    .values({ name: body.name, filters })
    .onConflictDoUpdate({ target: savedSearch.name, set: { filters: sql`excluded.filters` } })
    .returning({
      id: savedSearch.id,
      created: savedSearch.created,
      updated: savedSearch.updated,
      name: savedSearch.name,
      filters: savedSearch.filters,
      // A row the statement inserted has no deleting transaction id; an updated one has ours.
      inserted: sql<boolean>`(xmax = 0)`,
    });
  const { inserted, ...saved } = row!;
  return { search: toSavedSearchResponse(saved), created: inserted };
}

export async function readSavedSearch(db: DbOrTx, id: string) {
  const [row] = await db.select().from(savedSearch).where(eq(savedSearch.id, id));
  return row ? toSavedSearchResponse(row) : null;
}

export async function readSavedSearches(db: DbOrTx, limit: number, offset: number) {
  const rows = await db.select().from(savedSearch).orderBy(asc(savedSearch.name), asc(savedSearch.id)).limit(limit).offset(offset);
  return rows.map(toSavedSearchResponse);
}

export async function deleteSavedSearch(db: DbOrTx, id: string): Promise<boolean> {
  const rows = await db.delete(savedSearch).where(eq(savedSearch.id, id)).returning({ id: savedSearch.id });
  return rows.length > 0;
}
