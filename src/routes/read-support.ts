/** Small pieces the *-read routers share, and the filter/count/paginate trio of each run-like family. */
import { Hono } from 'hono';
import * as v from 'valibot';
import { count, type SQL } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { AppEnv } from '../env';
import type { DbOrTx } from '../db/client';
import { methodNotAllowed } from '../http/method-not-allowed';
import { enumOf, opt } from '../schemas/common';
import { DEFAULT_LIMIT, limitField, offsetField, pageField, pageInfo, readBody } from '../schemas/pagination';
import type { Page } from '../queries/read-models';
import type { ReadQuery } from '../queries/read';
import { describe } from '../openapi/describe';

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

/** What distinguishes one family's POST /filter and /count from another's. */
export interface FilterFamily<F extends v.ObjectEntries, S extends string> {
  /** The top-level filters its bodies accept (`flows`, `flow_runs`, ...). */
  filters: F;
  sorts: readonly S[];
  defaultSort: NoInfer<S>;
  order: Record<S, (SQL | PgColumn)[]>;
  /** The table counted by /count (and /paginate). */
  table: PgTable;
  condition: (body: v.InferOutput<v.ObjectSchema<F, undefined>>) => SQL | undefined;
  read: (db: DbOrTx, q: ReadQuery) => Promise<unknown[]>;
  /** /filter's answer as JSON text built by Postgres, when the family has it (the Worker passes it through). */
  readJson?: (db: DbOrTx, q: ReadQuery) => Promise<string>;
  /** /filter's body lists sort, limit and offset before the filters (the order of a 422's details). */
  pagingFirst?: boolean;
}

/** A family that has /paginate too. */
export interface ReadFamily<F extends v.ObjectEntries, S extends string> extends FilterFamily<F, S> {
  /** The rows of /paginate, when Prefect returns another shape there than in /filter. */
  readPage?: (db: DbOrTx, q: ReadQuery) => Promise<unknown[]>;
}

/** The family's sort and its body-to-condition, as /filter, /count and /paginate read them. */
function familyParts<F extends v.ObjectEntries, S extends string>(family: FilterFamily<F, S>) {
  const CountBody = v.object(family.filters);
  // The extended bodies carry the family's filters; their extra keys do not matter to `condition`.
  const where = (body: object) => family.condition(body as v.InferOutput<typeof CountBody>);
  const orderOf = (body: object) => family.order[(body as { sort?: S | null }).sort ?? family.defaultSort];
  return { sort: opt(enumOf(family.sorts)), CountBody, where, orderOf };
}

/** POST /filter and /count of a family (filters spec §2.9), one statement each, and 405 for any other method on them. */
export function filterCount<F extends v.ObjectEntries, S extends string>(family: FilterFamily<F, S>) {
  const { sort, CountBody, where, orderOf } = familyParts(family);
  const paging = { sort, limit: limitField(), offset: offsetField() };
  const FilterBody = v.object(family.pagingFirst ? { ...paging, ...family.filters } : { ...family.filters, ...paging });
  return new Hono<AppEnv>()
    .post('/filter', describe({ body: FilterBody }), async (c) => {
      const body = await readBody(c, FilterBody);
      const q = { where: where(body), orderBy: orderOf(body), limit: body.limit ?? DEFAULT_LIMIT, offset: body.offset ?? 0 };
      if (family.readJson) return c.body(await family.readJson(c.var.db, q), 200, { 'Content-Type': 'application/json' });
      return c.json(await family.read(c.var.db, q));
    })
    .post('/count', describe({ body: CountBody }), async (c) => {
      const body = await readBody(c, CountBody);
      return c.json(await countWhere(c.var.db, family.table, where(body)));
    })
    .all('/filter', methodNotAllowed)
    .all('/count', methodNotAllowed);
}

/** filterCount and POST /paginate (two statements), with 405 for any other method on it. */
export function filterCountPaginate<F extends v.ObjectEntries, S extends string>(family: ReadFamily<F, S>) {
  const { sort, where, orderOf } = familyParts(family);
  const PaginateBody = v.object({ ...family.filters, sort, limit: limitField(), page: pageField() });
  const readPage = family.readPage ?? family.read;
  return new Hono<AppEnv>()
    .route('/', filterCount(family))
    .post('/paginate', describe({ body: PaginateBody }), async (c) => {
      const body = await readBody(c, PaginateBody);
      const condition = where(body);
      const page = await paginate(
        body,
        () => countWhere(c.var.db, family.table, condition),
        (limit, offset) => readPage(c.var.db, { where: condition, orderBy: orderOf(body), limit, offset }),
      );
      return c.json(page);
    })
    .all('/paginate', methodNotAllowed);
}
