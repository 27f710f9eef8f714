/**
 * limit / offset / page of the read endpoints (../shared/spec/prefect-filters.md §0.2).
 * Out-of-range limits are `{"detail": ...}` 422s, not validation-shaped ones, and win over other
 * validation errors (Prefect checks the limit in a dependency that runs before body validation).
 */
import * as v from 'valibot';
import type { Context } from 'hono';
import { detailError, RequestValidationError } from '../http/errors';
import { embeddedBody } from '../http/validation';
import { intAtLeast, issueMessage, laxInt, nonNegativeInt, opt } from './common';

/** PREFECT_SERVER_API_DEFAULT_LIMIT: the default and the maximum. */
export const DEFAULT_LIMIT = 200;

const LIMIT_DETAIL = 'limit_detail';

export const limitField = () =>
  opt(
    v.pipe(
      laxInt(),
      v.check((n) => n >= 0, issueMessage(LIMIT_DETAIL, 'Invalid limit: must be greater than or equal to 0.')),
      v.check((n) => n <= DEFAULT_LIMIT, issueMessage(LIMIT_DETAIL, `Invalid limit: must be less than or equal to ${DEFAULT_LIMIT}.`)),
    ),
  );
export const offsetField = () => opt(nonNegativeInt());
export const pageField = () => opt(intAtLeast(1));

/** embeddedBody, with the limit errors in Prefect's `{"detail": ...}` shape. */
export async function readBody<S extends v.GenericSchema>(c: Context, schema: S): Promise<v.InferOutput<S>> {
  try {
    return await embeddedBody(c, schema);
  } catch (e) {
    const limitIssue = e instanceof RequestValidationError ? e.issues.find((i) => i.type === LIMIT_DETAIL) : undefined;
    if (limitIssue) throw detailError(422, limitIssue.msg);
    throw e;
  }
}

/** The paginate response's arithmetic: pages is 0 when limit is 0. */
export function pageInfo(count: number, limit: number, page: number) {
  return { count, limit, pages: limit === 0 ? 0 : Math.ceil(count / limit), page };
}
