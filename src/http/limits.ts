/**
 * Request hygiene that Prefect's server does not have (each limit is a documented deviation): a cap on
 * body size (413), on JSON nesting depth (422, every body) and on list length in the bodies of read and
 * bulk endpoints (422), all checked before the body is parsed or validated.
 */
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AppEnv, Env } from '../env';
import { detailError, RequestValidationError, type ValidationIssue } from './errors';
import { inspectJsonShape, type ShapeViolation } from './json-shape';
import { HOOK_PATH } from './auth';

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/** Far deeper than any Prefect model or sane parameters; shallow enough that nothing recursive overflows. */
export const MAX_JSON_DEPTH = 64;
/** Per list in a filter or bulk body: each item can become a bind parameter or a row to process. */
export const MAX_FILTER_LIST_LENGTH = 1000;

/** Endpoints whose bodies are filters (read, count, paginate, history, bulk): the list cap applies there. */
const FILTER_ENDPOINT = /\/(?:filter|count|paginate|history|lateness|get_scheduled_flow_runs|bulk_[a-z_]+)\/?$/;

export function maxBodyBytes(env: Env): number {
  const n = Number(env.MAX_BODY_BYTES);
  return env.MAX_BODY_BYTES && Number.isInteger(n) && n > 0 ? n : DEFAULT_MAX_BODY_BYTES;
}

export function shapeError(violation: ShapeViolation): RequestValidationError {
  let issue: ValidationIssue;
  if (violation.kind === 'depth') {
    const error = `JSON nested deeper than ${MAX_JSON_DEPTH} levels is not accepted`;
    issue = { type: 'json_invalid', loc: ['body', violation.offset], msg: 'JSON decode error', input: {}, ctx: { error } };
  } else {
    issue = {
      type: 'too_long',
      loc: ['body', ...violation.path],
      msg: `List should have at most ${MAX_FILTER_LIST_LENGTH} items after validation, not ${violation.length}`,
      // Not echoed: the point of the cap is not to handle a huge list.
      input: null,
      ctx: { field_type: 'List', max_length: MAX_FILTER_LIST_LENGTH, actual_length: violation.length },
    };
  }
  return new RequestValidationError([issue], null);
}

export const requestLimits: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (!c.req.raw.body) return next();
  // Webhook senders' bodies are any text, with their own size limit (src/routes/hooks.ts).
  if (HOOK_PATH.test(c.req.path)) return next();
  const maxBytes = maxBodyBytes(c.env);
  const tooLarge = () => {
    throw detailError(413, `Request body is too large: the limit is ${maxBytes} bytes.`);
  };
  // Checks Content-Length, or counts a streamed body as it arrives, and stops reading past the cap.
  return bodyLimit({ maxSize: maxBytes, onError: tooLarge })(c, async () => {
    // Hono caches the text, so the route's own read of the body costs nothing more.
    const text = await c.req.text();
    const maxListLength = FILTER_ENDPOINT.test(c.req.path) ? MAX_FILTER_LIST_LENGTH : Infinity;
    const violation = inspectJsonShape(text, { maxDepth: MAX_JSON_DEPTH, maxListLength });
    if (violation) throw shapeError(violation);
    await next();
  });
};
