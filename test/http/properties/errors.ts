/**
 * Prefect's error bodies (../shared/spec/prefect-filters.md §0.5) as schemas, and the assertions the
 * properties make about a rejected request: a 4xx, never a 5xx, in one of Prefect's shapes.
 */
import * as v from 'valibot';
import type { ApiResponse } from '../helpers';
import { conform } from './response-schemas';

type Loc = (string | number)[];

export const ValidationIssue = v.pipe(
  v.strictObject({
    type: v.pipe(v.string(), v.regex(/^[a-z_]+$/)),
    loc: v.pipe(v.array(v.union([v.string(), v.pipe(v.number(), v.integer())])), v.minLength(1)),
    msg: v.string(),
    input: v.unknown(),
    ctx: v.optional(v.record(v.string(), v.unknown())),
  }),
  v.check((i) => 'input' in i, 'an issue without input'),
  v.check((i) => i.loc[0] === 'body' || i.loc[0] === 'query' || i.loc[0] === 'path', 'loc does not start with body/query/path'),
);

export const ValidationError = v.strictObject({
  exception_message: v.literal('Invalid request received.'),
  exception_detail: v.pipe(v.array(ValidationIssue), v.minLength(1)),
  request_body: v.unknown(),
});

export const DetailError = v.strictObject({ detail: v.string() });
export const ExceptionMessageError = v.strictObject({ exception_message: v.string() });

export type ValidationErrorBody = v.InferOutput<typeof ValidationError>;

const describe = (res: ApiResponse) => `${res.status} ${JSON.stringify(res.body)?.slice(0, 400)}`;

/** Any response: never a 5xx (the one rule every property shares). */
export function expectNoServerError(res: ApiResponse, what: string): void {
  if (res.status >= 500) throw new Error(`${what}: server error ${describe(res)}`);
}

/** A rejected request: 4xx with a Prefect-shaped body. Returns the validation body when it is one. */
export function expectClientError(res: ApiResponse, what: string): ValidationErrorBody | null {
  expectNoServerError(res, what);
  if (res.status < 400) throw new Error(`${what}: expected a 4xx, got ${describe(res)}`);
  const body = res.body as Record<string, unknown> | null;
  if (body && typeof body === 'object' && 'exception_detail' in body) return conform(ValidationError, body, `${what}: 422 body`);
  if (body && typeof body === 'object' && 'detail' in body) {
    conform(DetailError, body, `${what}: error body`);
    return null;
  }
  conform(ExceptionMessageError, body, `${what}: error body`);
  return null;
}

const sameLoc = (a: Loc, b: Loc) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * A 422 in the validation shape with an issue at exactly `loc` whose type is one of `types`
 * (any type when `types` is empty).
 */
export function expectValidationAt(res: ApiResponse, loc: Loc, types: readonly string[], what: string): ValidationErrorBody {
  const body = expectClientError(res, what);
  if (res.status !== 422 || !body) throw new Error(`${what}: expected a 422 validation error at ${JSON.stringify(loc)}, got ${describe(res)}`);
  const atLoc = body.exception_detail.filter((i) => sameLoc(i.loc, loc));
  if (atLoc.length === 0) {
    throw new Error(`${what}: no issue at ${JSON.stringify(loc)}; issues: ${JSON.stringify(body.exception_detail).slice(0, 600)}`);
  }
  if (types.length > 0 && !atLoc.some((i) => types.includes(i.type))) {
    throw new Error(`${what}: the issue at ${JSON.stringify(loc)} has type ${atLoc.map((i) => i.type).join('/')}, expected one of ${types.join(', ')}`);
  }
  return body;
}

/** A `{"detail": …}` error with this status. */
export function expectDetail(res: ApiResponse, status: number, what: string, detail?: string | RegExp): void {
  expectClientError(res, what);
  if (res.status !== status) throw new Error(`${what}: expected ${status}, got ${describe(res)}`);
  const body = conform(DetailError, res.body, `${what}: error body`);
  if (detail !== undefined && !(typeof detail === 'string' ? body.detail === detail : detail.test(body.detail))) {
    throw new Error(`${what}: detail ${JSON.stringify(body.detail)} does not match ${String(detail)}`);
  }
}

/** A 2xx response; anything else fails with the body in the message. */
export function expectSuccess(res: ApiResponse, what: string): void {
  expectNoServerError(res, what);
  if (res.status < 200 || res.status > 299) throw new Error(`${what}: expected a 2xx, got ${describe(res)}`);
}
