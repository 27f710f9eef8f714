/** Small pieces the *-read routers share. */
import { count, type SQL } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import type { DbOrTx } from '../db/client';
import { DEFAULT_LIMIT, pageInfo } from '../schemas/pagination';
import type { Page } from '../queries/read-models';

/** The number of rows of `table` satisfying `where`, in one statement. */
export async function countWhere(db: DbOrTx, table: PgTable, where: SQL | undefined): Promise<number> {
  const [row] = await db.select({ n: count() }).from(table).where(where);
  return row?.n ?? 0;
}

/** A paginate response: the page's rows and the total count (two statements). */
export async function paginate<T>(
  body: { limit?: number | null; page?: number | null },
  countRows: () => Promise<number>,
  readRows: (limit: number, offset: number) => Promise<T[]>,
): Promise<Page<T>> {
  const limit = body.limit ?? DEFAULT_LIMIT;
  const page = body.page ?? 1;
  const total = await countRows();
  const results = limit === 0 ? [] : await readRows(limit, (page - 1) * limit);
  const info = pageInfo(total, limit, page);
  return { results, ...info };
}
