/**
 * Reading and validating request bodies, with Prefect's 422 shape.
 */
import * as v from 'valibot';
import type { Context } from 'hono';
import { RequestValidationError, type ValidationIssue } from './errors';
import { decodeIssueMessage } from '../schemas/common';

/** Turns a Valibot issue (its message made by issueMessage) into a Pydantic-style error. */
export function toValidationIssue(issue: v.BaseIssue<unknown>, prefix: (string | number)[]): ValidationIssue {
  const path = (issue.path ?? []).map((p) => p.key as string | number);
  const loc = [...prefix, ...path];
  const { type, msg, ctx } = decodeIssueMessage(issue.message);
  // An unknown key on a strict object.
  if (issue.expected === 'never' && (issue.type === 'strict_object' || issue.type === 'object')) {
    // Pydantic reports the unknown key's value; Valibot's issue input is the key itself.
    const last = issue.path?.at(-1) as { value?: unknown } | undefined;
    return { type: 'extra_forbidden', loc, msg: 'Extra inputs are not permitted', input: last && 'value' in last ? last.value : issue.input };
  }
  // A required key that is absent: Valibot reports the object entry with undefined input.
  if (issue.input === undefined && issue.received === 'undefined' && issue.path?.length) {
    const parent = issue.path.at(-1)?.input;
    return { type: 'missing', loc, msg: 'Field required', input: parent ?? {} };
  }
  const out: ValidationIssue = { type, loc, msg, input: issue.input };
  if (ctx) out.ctx = ctx;
  return out;
}

/** The raw body as parsed JSON; `undefined` when the body is empty. Invalid JSON → 422 json_invalid. */
export async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    // Prefect reports the character offset of the error; a truncated body fails at its end.
    const at = /position (\d+)/.exec(message);
    const offset = at ? Number(at[1]) : text.length;
    throw new RequestValidationError(
      [{ type: 'json_invalid', loc: ['body', offset], msg: 'JSON decode error', input: {}, ctx: { error: message } }],
      text,
    );
  }
}

/** Validates a value against a schema, raising Prefect's 422 on failure. */
export function validate<S extends v.GenericSchema>(schema: S, value: unknown, requestBody: unknown = value): v.InferOutput<S> {
  const result = v.safeParse(schema, value);
  if (result.success) return result.output;
  throw new RequestValidationError(
    result.issues.map((i) => toValidationIssue(i, ['body'])),
    requestBody,
  );
}

/**
 * A body of several "embedded" parameters (all /filter endpoints, set_state, bulk endpoints):
 * missing, empty and `null` bodies mean "all defaults", and a top-level `null` means "default".
 * Unknown top-level keys are ignored.
 */
export async function embeddedBody<S extends v.GenericSchema>(c: Context, schema: S): Promise<v.InferOutput<S>> {
  const raw = await readJson(c);
  const value = raw === undefined || raw === null ? {} : raw;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new RequestValidationError(
      [{ type: 'model_attributes_type', loc: ['body'], msg: 'Input should be a valid dictionary or object to extract fields from', input: value }],
      raw,
    );
  }
  const cleaned = Object.fromEntries(Object.entries(value as Record<string, unknown>).filter(([, x]) => x !== null));
  try {
    return validate(schema, cleaned, raw ?? null);
  } catch (e) {
    // FastAPI reports a missing embedded parameter with `input: null` (it has no enclosing model).
    if (e instanceof RequestValidationError) {
      const issues = e.issues.map((i) => (i.type === 'missing' && i.loc.length === 2 ? { ...i, input: null } : i));
      throw new RequestValidationError(issues, raw ?? null);
    }
    throw e;
  }
}

/** A body that is one model (POST /flows/, PATCH ...): the model is the whole body. */
export async function modelBody<S extends v.GenericSchema>(c: Context, schema: S): Promise<v.InferOutput<S>> {
  const raw = await readJson(c);
  if (raw === undefined) {
    throw new RequestValidationError([{ type: 'missing', loc: ['body'], msg: 'Field required', input: null }], null);
  }
  return validate(schema, raw);
}
