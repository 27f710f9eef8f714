/**
 * Helpers for the properties of the write endpoints: path spellings (accepted and malformed),
 * rows created per batch by SQL (so that each case owns what it changes), the lax values of a
 * request read back the way Pydantic reads them, and the path-route property itself.
 */
import fc from 'fast-check';
import { sql } from 'drizzle-orm';
import { call, withDb, type ApiResponse } from '../helpers';
import { BATCH, batches, check } from './config';
import { expectDetail, expectNoServerError, expectSuccess } from './errors';
import { expectFaultReported } from './harness';
import type { Fault } from './shapes';
import { pathSpelling, uuidSpelling } from './shapes';

/** Lowercase, hyphenated: how Prefect returns any UUID it accepted. */
export const canonicalUuid = (u: string) => {
  const t = u.replace(/^urn:uuid:/, '').replace(/^\{(.*)\}$/, '$1');
  const h = t.replace(/-/g, '').toLowerCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
};

/**
 * A UUID as a path segment, in every form Prefect's `{id:uuid}` convertor accepts: Starlette's
 * pattern makes each hyphen optional on its own, and `uuid.UUID` drops whatever hyphens remain.
 */
export function routeSpelling(u: string): fc.Arbitrary<string> {
  const mixed = fc.tuple(fc.subarray([0, 1, 2, 3], { minLength: 1, maxLength: 3 }), fc.boolean()).map(([drop, upper]) => {
    const parts = u.split('-');
    const s = parts.slice(1).reduce((acc, p, i) => acc + (drop.includes(i) ? '' : '-') + p, parts[0]!);
    return upper ? s.toUpperCase() : s;
  });
  return fc.oneof(pathSpelling(u), mixed);
}

/** Segments no `{id:uuid}` route matches: Prefect answers 404 "Not Found" without a lookup (§0.3). */
export const malformedId = () =>
  fc.oneof(
    fc.constantFrom('not-a-uuid', '1234', 'g'.repeat(32), 'a'.repeat(31), 'a'.repeat(33), '00000000-0000-0000-0000-00000000000', 'null', '0'),
    fc.uuid().map((u) => `${u}0`),
    fc.uuid().map((u) => `{${u}}`),
    fc.uuid().map((u) => `urn:uuid:${u}`),
    fc.uuid().map((u) => u.replace(/-/g, '--')),
    fc.uuid().map((u) => ` ${u}`),
  );

/** An id from a list known only once beforeAll ran, in any spelling a body accepts. */
export const existingBodyId = (ids: () => string[]) => fc.constant(null).chain(() => fc.constantFrom(...ids())).chain(uuidSpelling);

export const countRows = (table: string) => async () =>
  withDb(async (db) => Number((await db.execute(sql.raw(`SELECT count(*)::int AS n FROM ${table}`))).rows[0]?.n));

/** A number that changes whenever any row of `table` does (the "nothing written" check of a PATCH). */
export const tableFingerprint = (table: string) => async () =>
  withDb(async (db) => {
    const rows = await db.execute(sql.raw(`SELECT ('x' || substr(md5(coalesce(string_agg(t::text, ',' ORDER BY t.id), '')), 1, 8))::bit(32)::int AS h FROM ${table} t`));
    return Number(rows.rows[0]?.h);
  });

/** Runs SQL returning `id`s (one statement): the rows a batch of cases works on. */
export const insertIds = async (query: ReturnType<typeof sql>) =>
  withDb(async (db) => ((await db.execute(query)).rows as { id: string }[]).map((r) => r.id));

// ---------------------------------------------------------------------------------------------
// Lax values read the way Pydantic reads them (filters spec §0.3), to compare responses with requests

const TRUE_WORDS = new Set(['true', '1', 'yes', 'y', 'on', 't']);
export const laxBool = (x: unknown): boolean =>
  typeof x === 'boolean' ? x : typeof x === 'number' ? x === 1 : TRUE_WORDS.has(String(x).trim().toLowerCase());
export const laxInt = (x: unknown): number => (typeof x === 'boolean' ? Number(x) : Math.trunc(Number(typeof x === 'string' ? x.trim() : x)));

/** Throws with `what` unless `ok`. */
export function expectThat(ok: boolean, what: string): void {
  if (!ok) throw new Error(what);
}

export const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Deep equality of JSON values, object key order ignored (jsonb does not keep it). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  if (a && typeof a === 'object') {
    if (!b || typeof b !== 'object' || Array.isArray(b)) return false;
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    return sameJson(ka, kb) && ka.every((k) => jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return Object.is(a, b) || (a === 0 && b === 0);
}

// ---------------------------------------------------------------------------------------------
// Path routes

export interface PathRoute {
  /** e.g. `DELETE /flows/{id}`: names the property. */
  name: string;
  method: string;
  path: (id: string) => string;
  body?: unknown;
  /** Rows this batch may act on, one per case (created fresh: a DELETE may remove them). */
  fresh: (n: number) => Promise<string[]>;
  /** What an existing row gets: throws on a mismatch. */
  expectFound: (res: ApiResponse, id: string) => void | Promise<void>;
  /** The `{"detail"}` of a 404 for an unknown id; `exception_message` when Prefect answers in that shape. */
  notFound: { detail: string } | { exception_message: (id: string) => string };
  scale?: number;
}

/**
 * A path route with an existing row (any accepted spelling) → its 2xx; an unknown id → 404 in
 * Prefect's shape; a malformed segment → 404 "Not Found" (no route), never a 5xx.
 */
export async function pathRouteBehaves(r: PathRoute): Promise<void> {
  const arb = fc.oneof(
    { weight: 3, arbitrary: fc.nat(1_000_000).map((seed) => ({ kind: 'own' as const, seed })) },
    { weight: 1, arbitrary: fc.uuid().chain(routeSpelling).map((id) => ({ kind: 'unknown' as const, id })) },
    { weight: 1, arbitrary: malformedId().map((segment) => ({ kind: 'malformed' as const, segment })) },
  );
  await check(
    r.name,
    fc.asyncProperty(batches(arb), async (cases) => {
      const own = await r.fresh(cases.length);
      const spelled = cases.map((k, i) => (k.kind === 'own' ? spellOwn(own[i]!, k.seed) : k.kind === 'unknown' ? k.id : k.segment));
      const responses = await Promise.all(spelled.map((s) => call(r.method, r.path(encodeURI(s)), r.body)));
      for (const [i, res] of responses.entries()) {
        const k = cases[i]!;
        const what = `${r.method} ${r.path(spelled[i]!)} (${k.kind === 'own' ? `row ${own[i]}` : k.kind})`;
        expectNoServerError(res, what);
        if (k.kind === 'own') {
          expectSuccess(res, what);
          try {
            await r.expectFound(res, own[i]!);
          } catch (e) {
            throw new Error(`${what}: ${(e as Error).message}`);
          }
        } else if (k.kind === 'unknown') {
          if ('detail' in r.notFound) expectDetail(res, 404, what, r.notFound.detail);
          else {
            const expected = r.notFound.exception_message(canonicalUuid(k.id));
            if (res.status !== 404 || !sameJson(res.body, { exception_message: expected })) {
              throw new Error(`${what}: expected 404 ${JSON.stringify({ exception_message: expected })}, got ${res.status} ${JSON.stringify(res.body)}`);
            }
          }
        } else expectDetail(res, 404, what, 'Not Found');
      }
    }),
    r.scale ?? 0.5,
    BATCH,
  );
}

/** The spellings of `u` a route accepts, the n-th of them (mixed hyphenation included). */
function spellOwn(u: string, n: number): string {
  const hex = u.replace(/-/g, '');
  const parts = u.split('-');
  const forms = [u, u.toUpperCase(), hex, hex.toUpperCase(), `${parts[0]}${parts[1]}-${parts.slice(2).join('-')}`, `${parts.slice(0, 3).join('-')}${parts[3]}${parts[4]}`.toUpperCase()];
  return forms[n % forms.length]!;
}

// ---------------------------------------------------------------------------------------------
// Faults with extra faults the shape cannot describe

/** Sends a batch of faults and checks each is reported, and that `rowCount` did not move. */
export async function faultsReported(
  name: string,
  faults: fc.Arbitrary<Fault>,
  send: (body: unknown) => Promise<ApiResponse>,
  rowCount?: () => Promise<number>,
  scale = 1,
): Promise<void> {
  await check(
    name,
    fc.asyncProperty(batches(faults), async (batch) => {
      const before = rowCount ? await rowCount() : 0;
      const responses = await Promise.all(batch.map((f) => send(typeof f.value === 'string' ? JSON.stringify(f.value) : f.value)));
      for (const [i, res] of responses.entries()) {
        const f = batch[i]!;
        expectFaultReported(res, f, `${name} ${JSON.stringify(f.value)?.slice(0, 300)} (fault at ${JSON.stringify(f.loc)})`);
      }
      if (rowCount) {
        const after = await rowCount();
        if (after !== before) throw new Error(`${name}: ${batch.length} rejected requests, yet the row count went from ${before} to ${after}`);
      }
    }),
    scale,
    BATCH,
  );
}

/** The forms of uuidSpelling, in its order. */
const spellings = (u: string) => {
  const hex = u.replace(/-/g, '');
  return [u, u.toUpperCase(), hex, hex.toUpperCase(), `{${u}}`, `urn:uuid:${u}`];
};

/**
 * A fresh UUID spelled like `like` (a generated one): ids that must be unique come from the
 * runtime, since shrinking would make generated ones equal.
 */
export function freshLike(like: string): string {
  const k = spellings(canonicalUuid(like)).indexOf(like);
  return spellings(crypto.randomUUID())[Math.max(0, k)]!;
}
