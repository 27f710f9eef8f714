/** Saved searches: reads and writes for /saved_searches. */
import { asc, sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { savedSearch } from '../db/schema';
import type { SavedSearchCreate } from '../schemas/actions/saved-searches';
import { formatTimestamp } from '../time';

export interface SavedSearchResponse {
  id: string;
  created: string;
  updated: string;
  name: string;
  filters: unknown[];
}

const COLUMNS = {
  id: savedSearch.id,
  created: savedSearch.created,
  updated: savedSearch.updated,
  name: savedSearch.name,
  filters: savedSearch.filters,
};

const toResponse = (r: { id: string; created: string; updated: string; name: string; filters: unknown[] }): SavedSearchResponse => ({
  id: r.id,
  created: formatTimestamp(r.created) as string,
  updated: formatTimestamp(r.updated) as string,
  name: r.name,
  filters: r.filters,
});

/**
 * One upsert by name. An existing search keeps its id, created and updated and takes the new filters
 * (Prefect's upsert sets only `filters`); `inserted` tells the route whether to answer 201 or 200.
 */
export async function upsertSavedSearch(db: DbOrTx, body: SavedSearchCreate): Promise<{ search: SavedSearchResponse; inserted: boolean }> {
  const [row] = await db
    .insert(savedSearch)
    .values({ name: body.name, filters: sql`${JSON.stringify(body.filters)}::json` })
    .onConflictDoUpdate({ target: savedSearch.name, set: { filters: sql`excluded.filters` } })
    // xmax is 0 on a freshly inserted row version and the locker's xid on a conflict update.
    .returning({ ...COLUMNS, inserted: sql<boolean>`(xmax = 0)` });
  if (!row) throw new Error('saved search upsert returned no row');
  return { search: toResponse(row), inserted: row.inserted };
}

export async function savedSearchById(db: DbOrTx, id: string): Promise<SavedSearchResponse | null> {
  const [row] = await db.select(COLUMNS).from(savedSearch).where(sql`${savedSearch.id} = ${id}`);
  return row ? toResponse(row) : null;
}

/** Ordered by name, as Prefect does. */
export async function readSavedSearches(db: DbOrTx, q: { limit: number; offset: number }): Promise<SavedSearchResponse[]> {
  const rows = await db.select(COLUMNS).from(savedSearch).orderBy(asc(savedSearch.name)).limit(q.limit).offset(q.offset);
  return rows.map(toResponse);
}

export async function deleteSavedSearch(db: DbOrTx, id: string): Promise<boolean> {
  const rows = await db.delete(savedSearch).where(sql`${savedSearch.id} = ${id}`).returning({ id: savedSearch.id });
  return rows.length > 0;
}
