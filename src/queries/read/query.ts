import { getTableName, sql, type SQL } from 'drizzle-orm';
import type { PgColumn, PgSelect } from 'drizzle-orm/pg-core';

/**
 * Which rows a read model returns. `where` and `orderBy` refer to the entity's table by its own
 * name (e.g. `flow_run`), as the filter translator in ../filters emits them.
 */
export interface ReadQuery {
  where?: SQL | undefined;
  orderBy?: (SQL | PgColumn)[] | undefined;
  limit?: number | undefined;
  offset?: number | undefined;
}

/** Applies a ReadQuery to a dynamic select. */
export function applyReadQuery<T extends PgSelect>(select: T, q: ReadQuery): T {
  let s = select;
  if (q.where) s = s.where(q.where);
  if (q.orderBy?.length) s = s.orderBy(...q.orderBy);
  if (q.limit !== undefined) s = s.limit(q.limit);
  if (q.offset) s = s.offset(q.offset);
  return s;
}

/**
 * A column reference that always carries its table name. Drizzle strips table names from columns in
 * the select list of a single-table query, which breaks correlated subqueries placed there.
 */
export function qualified(column: PgColumn): SQL {
  return sql`${sql.identifier(getTableName(column.table))}.${sql.identifier(column.name)}`;
}

/**
 * Prefect's timestamp text in SQL (UTC, `Z`, a 6-digit fraction only when non-zero), as formatMicros
 * writes it: one to_char with the fraction, which is dropped when it is all zeros (`.000000Z` can only
 * be the end). `column` is an SQL expression (use with sql.raw).
 */
export const isoTimestampSql = (column: string) =>
  `replace(to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), '.000000Z', 'Z')`;
