/**
 * What the write-endpoint properties of work pools, work queues and global concurrency limits share:
 * unique generated names, Pydantic's lax values as the server should have read them, row counts and
 * table fingerprints ("nothing was written"), and a property for faults the shapes cannot express.
 */
import fc from 'fast-check';
import { sql } from 'drizzle-orm';
import { withDb, type ApiResponse } from '../helpers';
import { batches, BATCH, check } from './config';
import { expectClientError } from './errors';
import { expectFaultReported } from './harness';
import type { Fault } from './shapes';

let counter = 0;
/** A name made unique by a fresh token, before or after it (leading and trailing characters get their turn). */
const tokened = (name: string) => {
  const token = `u${(counter++).toString(36)}`;
  return counter % 2 ? `${token}${name}` : `${name}${token}`;
};

const generated = new WeakMap<object, Map<string, unknown>>();
/**
 * Gives the names at `keys` of a generated value a fresh unique token, in place (so that checks see
 * the names that were sent), keeping the generated text. Call it once per run: shrinking runs the
 * same values again, and a name created by an earlier run is taken. Generated names are never
 * `.` or `..` once tokened (URLs resolve those).
 */
export function freshNames<T extends object>(value: T, keys: string[]): T {
  const o = value as Record<string, unknown>;
  let raw = generated.get(value);
  if (!raw) {
    raw = new Map(keys.map((k) => [k, o[k]]));
    generated.set(value, raw);
  }
  for (const key of keys) {
    const x = raw.get(key);
    if (typeof x === 'string') o[key] = tokened(x);
    else if (Array.isArray(x)) o[key] = x.map((n) => (typeof n === 'string' ? tokened(n) : n));
  }
  return value;
}

/** A name nobody created (a token makes it unique; the suffix keeps it from ever being one). */
export const unknownName = (names: fc.Arbitrary<unknown>) => names.map((n) => `${tokened(String(n))}-missing`);

/** A path segment for a name. */
export const seg = (name: string) => encodeURIComponent(name);

const TRUE = new Set(['true', '1', 'yes', 'y', 'on', 't']);
/** A bool the way Pydantic reads it from JSON (§0.3). */
export function laxBool(x: unknown): boolean {
  if (typeof x === 'boolean') return x;
  if (typeof x === 'number') return x === 1;
  return TRUE.has(String(x).toLowerCase());
}

/** An int the way Pydantic reads it from JSON (§0.3). */
export function laxInt(x: unknown): number {
  if (typeof x === 'boolean') return x ? 1 : 0;
  return Number(typeof x === 'string' ? x.trim() : x);
}

/** A UUID as the server prints it (lowercase, hyphenated), from any accepted spelling. */
export function canonicalUuid(u: string): string {
  const h = u.replace(/^urn:uuid:/, '').replace(/[{}-]/g, '').toLowerCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** JSON equality regardless of key order (jsonb stores keys in its own order). */
export function sameJson(a: unknown, b: unknown): boolean {
  const canon = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(canon);
    if (x && typeof x === 'object') return Object.fromEntries(Object.keys(x).sort().map((k) => [k, canon((x as Record<string, unknown>)[k])]));
    return x;
  };
  return JSON.stringify(canon(a)) === JSON.stringify(canon(b));
}

/** Throws with `what` when `ok` is false. */
export function ensure(ok: boolean, what: string): void {
  if (!ok) throw new Error(what);
}

/** The number of rows of a table. */
export const count = (table: string) => async () =>
  withDb(async (db) => Number((await db.execute(sql.raw(`SELECT count(*)::int AS n FROM ${table}`))).rows[0]?.n));

/** A number that changes whenever any row of the table changes (for "a rejected PATCH changed nothing"). */
export const fingerprint = (table: string) => async () =>
  withDb(async (db) => {
    const rows = await db.execute(sql.raw(`SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t.id), '')) AS h FROM ${table} t`));
    return parseInt(String(rows.rows[0]?.h).slice(0, 12), 16);
  });

/** Runs SQL and returns its rows. */
export const rows = async <T>(query: ReturnType<typeof sql>) => withDb(async (db) => (await db.execute(query)).rows as T[]);

/**
 * Faults the shape language cannot express (a value_error of a validator, a too-short list...):
 * each gets a 4xx at the fault, and nothing is written.
 */
export async function extraFaultsRejected(e: {
  name: string;
  send: (body: unknown) => Promise<ApiResponse>;
  faults: fc.Arbitrary<Fault>;
  rowCount: () => Promise<number>;
  scale?: number;
}): Promise<void> {
  await check(
    `${e.name} extra faults`,
    fc.asyncProperty(batches(e.faults), async (batch) => {
      const before = await e.rowCount();
      const responses = await Promise.all(batch.map((f) => e.send(f.value)));
      responses.forEach((res, i) => expectFaultReported(res, batch[i]!, `${e.name} ${JSON.stringify(batch[i]!.value).slice(0, 300)}`));
      const after = await e.rowCount();
      ensure(after === before, `${e.name}: rejected requests changed the table (${before} → ${after})`);
    }),
    e.scale ?? 0.5,
    BATCH,
  );
}


/** Integers JSON and Pydantic accept that a Postgres `integer` column cannot hold. */
export const beyondInt4 = () => fc.oneof(fc.integer({ min: 2 ** 31, max: Number.MAX_SAFE_INTEGER }), fc.integer({ min: Number.MIN_SAFE_INTEGER, max: -(2 ** 31) - 1 }));

/**
 * A value Postgres rejects (an integer out of range): a 4xx in Prefect's shape (Prefect answers 500),
 * whose message names the problem, not the SQL statement or its parameters.
 */
export function expectRejectedByDatabase(res: ApiResponse, what: string): void {
  expectClientError(res, what);
  const text = JSON.stringify(res.body);
  ensure(!/Failed query|params:|insert into|update |select /i.test(text), `${what}: the error shows SQL: ${text.slice(0, 300)}`);
}
