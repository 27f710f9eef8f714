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

/** What distinguishes one family's POST /filter, /count and /paginate from another's. */
export interface ReadFamily<F extends v.ObjectEntries, S extends string> {
  /** The top-level filters its bodies accept (`flows`, `flow_runs`, ...). */
  filters: F;
  sorts: readonly S[];
  defaultSort: NoInfer<S>;
  order: Record<S, (SQL | PgColumn)[]>;
  /** The table counted by /count and /paginate. */
  table: PgTable;
  condition: (body: v.InferOutput<v.ObjectSchema<F, undefined>>) => SQL | undefined;
  read: (db: DbOrTx, q: ReadQuery) => Promise<unknown[]>;
  /** /filter's answer as JSON text built by Postgres, when the family has it (the Worker passes it through). */
  readJson?: (db: DbOrTx, q: ReadQuery) => Promise<string>;
  /** The rows of /paginate, when Prefect returns another shape there than in /filter. */
  readPage?: (db: DbOrTx, q: ReadQuery) => Promise<unknown[]>;
}

/**
 * POST /filter, /count and /paginate of a family (filters spec §2.9), each one statement (paginate: two),
 * and 405 for any other method on them.
 */
export function filterCountPaginate<F extends v.ObjectEntries, S extends string>(family: ReadFamily<F, S>) {
  const sort = opt(enumOf(family.sorts));
  const CountBody = v.object(family.filters);
  const FilterBody = v.object({ ...family.filters, sort, limit: limitField(), offset: offsetField() });
  const PaginateBody = v.object({ ...family.filters, sort, limit: limitField(), page: pageField() });
  // The extended bodies carry the family's filters; their extra keys do not matter to `condition`.
  const where = (body: object) => family.condition(body as v.InferOutput<typeof CountBody>);
  const orderOf = (body: { sort?: S | null | undefined }) => family.order[body.sort ?? family.defaultSort];
  const readPage = family.readPage ?? family.read;
  return new Hono<AppEnv>()
    .post('/filter', describe({ body: FilterBody }), async (c) => {
      const body = await readBody(c, FilterBody);
      const q = { where: where(body), orderBy: orderOf(body as { sort?: S }), limit: body.limit ?? DEFAULT_LIMIT, offset: body.offset ?? 0 };
      if (family.readJson) return c.body(await family.readJson(c.var.db, q), 200, { 'Content-Type': 'application/json' });
      return c.json(await family.read(c.var.db, q));
    })
    .post('/count', describe({ body: CountBody }), async (c) => {
      const body = await readBody(c, CountBody);
      return c.json(await countWhere(c.var.db, family.table, where(body)));
    })
    .post('/paginate', describe({ body: PaginateBody }), async (c) => {
      const body = await readBody(c, PaginateBody);
      const condition = where(body);
      const page = await paginate(
        body,
        () => countWhere(c.var.db, family.table, condition),
        (limit, offset) => readPage(c.var.db, { where: condition, orderBy: orderOf(body as { sort?: S }), limit, offset }),
      );
      return c.json(page);
    })
    .all('/filter', methodNotAllowed)
    .all('/count', methodNotAllowed)
    .all('/paginate', methodNotAllowed);
}
