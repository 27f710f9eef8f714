/**
 * Every error a handler can raise, and how it maps to Prefect's response shapes
 * (../shared/spec/prefect-filters.md §0.5). Handlers throw; `app.onError` renders.
 */

/** One item of a 422 body's `exception_detail`, in Pydantic v2's shape (without `url`). */
export interface ValidationIssue {
  type: string;
  loc: (string | number)[];
  msg: string;
  input: unknown;
  ctx?: Record<string, unknown>;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    message?: string,
  ) {
    super(message ?? JSON.stringify(body));
  }
}

/** `{"detail": message}`: Prefect's HTTPException shape (404, 409, 400, 403, some 422). */
export const detailError = (status: number, detail: string) => new HttpError(status, { detail }, detail);

export const notFound = (detail: string) => detailError(404, detail);

/** `{"exception_message": ...}`: Prefect's shape for model-level "object not found". */
export const objectNotFound = (message: string) => new HttpError(404, { exception_message: message }, message);

/** 422 with Pydantic-style detail. */
export class RequestValidationError extends HttpError {
  constructor(
    readonly issues: ValidationIssue[],
    requestBody: unknown,
  ) {
    super(
      422,
      { exception_message: 'Invalid request received.', exception_detail: issues, request_body: requestBody ?? null },
      issues.map((i) => `${i.loc.join('.')}: ${i.msg}`).join('; '),
    );
  }
}

/**
 * A value the database refused (SQLSTATE class 22: out of range, invalid text, NUL byte...): a 422 in
 * the validation shape. The request body is filled in by the app's error handler, which can still read it.
 */
export class DatabaseValueError extends RequestValidationError {
  constructor(reason: string, message: string) {
    super([{ type: 'value_error', loc: ['body'], msg: `Value error, ${reason}`, input: null, ctx: { error: {} } }], null);
    this.message = message;
  }
  withRequestBody(body: unknown): RequestValidationError {
    return new RequestValidationError(
      this.issues.map((i) => ({ ...i, input: body })),
      body,
    );
  }
}

/** A retryable failure (database unreachable, timeout, serialization conflict): 503. */
export class ServiceUnavailable extends HttpError {
  constructor(reason?: string) {
    super(503, { exception_message: 'Service Unavailable' }, reason ?? 'Service Unavailable');
  }
}

export const INTEGRITY_CONFLICT =
  'Data integrity conflict. This usually means a unique or foreign key constraint was violated. See server logs for details.';

/** Postgres SQLSTATEs that mean "try again", not "your request was wrong". */
const RETRYABLE_SQLSTATES = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55P03', // lock_not_available
  '57014', // query_canceled (statement_timeout)
  '25P03', // idle_in_transaction_session_timeout ended the session
  '57P01', // admin_shutdown
  '53300', // too_many_connections
]);

/** The Postgres error on an error's `cause` chain (Drizzle wraps driver errors). */
function postgresError(err: unknown): { code: string; message?: unknown } | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 5; depth += 1) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return e as { code: string; message?: unknown };
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Finds a Postgres error code on an error or its `cause` chain (Drizzle wraps driver errors). */
export function sqlState(err: unknown): string | undefined {
  return postgresError(err)?.code;
}

/** Maps any thrown value to an HttpError. */
export function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  const code = sqlState(err);
  // Prefect answers 409 to every IntegrityError (SQLSTATE class 23): foreign key, unique, NOT NULL (an
  // explicit null in a PATCH), check and exclusion constraints.
  if (code?.startsWith('23')) return detailError(409, INTEGRITY_CONFLICT);
  if (code && (RETRYABLE_SQLSTATES.has(code) || code.startsWith('08'))) return new ServiceUnavailable(String(err));
  // Input that reaches Postgres and is rejected there (bad datetime, value out of range, a NUL
  // character...) is the, never a 500.
  // client's fault, never a 500. Prefect answers 503 (a retryable DBAPIError), which a client would
  // retry forever; here it is a 422 in the shape of a validation error, the shape clients parse.
  // 54000: a value too large for an index (a name of hundreds of kilobytes).
  if (code && (code.startsWith('22') || code === '42P18' || code === '54000')) {
    // Postgres' own message ("integer out of range"): Drizzle's wrapper adds the statement and its parameters.
    return new DatabaseValueError(String(postgresError(err)?.message ?? 'rejected by the database'), String(err));
  }
  if (isConnectionError(err)) return new ServiceUnavailable(String(err));
  return new HttpError(500, { exception_message: 'Internal Server Error' }, String(err));
}

function isConnectionError(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; depth += 1) {
    const msg = String((e as { message?: unknown }).message ?? '');
    if (/Connection terminated|connection lost|Network connection lost|ECONNREFUSED|ECONNRESET|WebSocket|socket hang up|Client has encountered a connection error|timeout exceeded when trying to connect|Query read timeout/i.test(msg)) {
      return true;
    }
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
