/**
 * The building blocks of Prefect's filter semantics (../shared/spec/prefect-filters.md §2.1).
 * Each returns one SQL criterion, or undefined when the input imposes nothing.
 */
import { and, or, sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import { alias, type PgTable } from 'drizzle-orm/pg-core';

export const TRUE = sql`true`;
export const FALSE = sql`false`;

type Maybe<T> = T | null | undefined;
export type Operator = 'and_' | 'or_' | undefined;

/**
 * An operator or leaf filter's criteria combined: a filter that yields none means TRUE (so a present
 * but empty sub-object is a TRUE criterion, which makes an enclosing or_ match everything).
 */
export function combine(criteria: (SQL | undefined)[], operator: Operator = 'and_'): SQL {
  const present = criteria.filter((c): c is SQL => c !== undefined);
  if (present.length === 0) return TRUE;
  if (present.length === 1) return present[0]!;
  return (operator === 'or_' ? or(...present) : and(...present))!;
}

/** A sub-filter's criterion, when the sub-filter is present (even `{}`). */
export function when<F>(filter: Maybe<F>, toSql: (f: F) => SQL | undefined): SQL | undefined {
  return filter === null || filter === undefined ? undefined : toSql(filter);
}

/** `any_`: applied whenever given; an empty list matches nothing. */
export function anyOf(column: SQLWrapper, values: Maybe<readonly unknown[]>): SQL | undefined {
  if (values === null || values === undefined) return undefined;
  if (values.length === 0) return FALSE;
  return sql`${column} in (${sql.join(values.map((x) => sql`${x}`), sql`, `)})`;
}

/** `not_any_`: plain SQL NOT IN, so NULL columns are excluded too; an empty list imposes nothing. */
export function notAnyOf(column: SQLWrapper, values: Maybe<readonly unknown[]>): SQL | undefined {
  if (!values || values.length === 0) return undefined;
  return sql`${column} not in (${sql.join(values.map((x) => sql`${x}`), sql`, `)})`;
}

/** `like_`: case-insensitive substring; `%` and `_` in the value stay wildcards, as in Prefect. */
export function like(column: SQLWrapper, value: Maybe<string>): SQL | undefined {
  if (!value) return undefined;
  return sql`${column} ilike '%' || ${value} || '%'`;
}

/** `startswith_`: case-insensitive, unescaped prefixes ORed; an empty list imposes nothing. */
export function startsWithAny(column: SQLWrapper, prefixes: Maybe<readonly string[]>): SQL | undefined {
  if (!prefixes || prefixes.length === 0) return undefined;
  return or(...prefixes.map((p) => sql`${column} ilike ${p} || '%'`));
}

/** `is_null_` on a nullable column. */
export function isNull(column: SQLWrapper, value: Maybe<boolean>): SQL | undefined {
  if (value === null || value === undefined) return undefined;
  return value ? sql`${column} is null` : sql`${column} is not null`;
}

/** `eq_` on a boolean column. */
export function isBool(column: SQLWrapper, value: Maybe<boolean>): SQL | undefined {
  if (value === null || value === undefined) return undefined;
  return value ? sql`${column} is true` : sql`${column} is false`;
}

/** `before_` / `after_`: inclusive, at microsecond precision; NULL never matches. */
export function before(column: SQLWrapper, bound: Maybe<string>): SQL | undefined {
  return bound ? sql`${column} <= ${bound}::timestamptz` : undefined;
}
export function after(column: SQLWrapper, bound: Maybe<string>): SQL | undefined {
  return bound ? sql`${column} >= ${bound}::timestamptz` : undefined;
}

// Tags are a jsonb array of strings (NOT NULL). The `?` operators are avoided: they clash with
// placeholder syntax in some drivers.

/** `all_`: contains every listed tag; an empty list imposes nothing. */
export function tagsAll(column: SQLWrapper, tags: Maybe<readonly string[]>): SQL | undefined {
  if (!tags || tags.length === 0) return undefined;
  return sql`${column} @> ${JSON.stringify(tags)}::jsonb`;
}

/** `any_`: contains at least one listed tag; an empty list matches nothing. */
export function tagsAny(column: SQLWrapper, tags: Maybe<readonly string[]>): SQL | undefined {
  if (tags === null || tags === undefined) return undefined;
  if (tags.length === 0) return FALSE;
  return sql`jsonb_exists_any(${column}, array[${sql.join(tags.map((t) => sql`${t}`), sql`, `)}]::text[])`;
}

/** `is_null_` on tags tests for the empty list, not SQL NULL. */
export function tagsEmpty(column: SQLWrapper, value: Maybe<boolean>): SQL | undefined {
  if (value === null || value === undefined) return undefined;
  return value ? sql`${column} = '[]'::jsonb` : sql`${column} <> '[]'::jsonb`;
}

/** EXISTS over a subquery body (everything after SELECT 1). */
export function exists(from: SQL, ...criteria: (SQL | undefined)[]): SQL {
  const present = criteria.filter((c): c is SQL => c !== undefined);
  const where = present.length ? sql` where ${sql.join(present.map((c) => sql`(${c})`), sql` and `)}` : sql``;
  return sql`exists (select 1 from ${from}${where})`;
}

/** An aliased table and its FROM item (`"flow_run" "subflow"`): Drizzle renders an alias by its name alone. */
export function aliasedTable<T extends PgTable, A extends string>(table: T, name: A) {
  return { table: alias(table, name), from: sql`${table} ${sql.identifier(name)}` };
}
