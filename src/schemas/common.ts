/**
 * Valibot building blocks that behave like Prefect's Pydantic v2 models (lax mode):
 * coercions (§0.3 of the filters spec) and error types that become Pydantic-shaped 422 bodies.
 *
 * A message carries the Pydantic type, text and context (issueMessage / decodeIssueMessage) so that
 * src/http/validation.ts can turn any Valibot issue into Prefect's `{type, loc, msg, input, ctx}`
 * without a lookup table.
 */
import * as v from 'valibot';
import { formatMicros, parseMicros } from '../time';

/**
 * Issue messages are JSON behind a marker, so user text inside a message (a timezone with `|`, a
 * quote, a newline) can never be mistaken for the type or the context.
 */
const ISSUE_MARK = '\u0000pydantic:';

export const issueMessage = (type: string, msg: string, ctx?: Record<string, unknown>) =>
  `${ISSUE_MARK}${JSON.stringify(ctx ? { type, msg, ctx } : { type, msg })}`;

/** The Pydantic type, message and context an issue message carries (Valibot's own messages: value_error). */
export function decodeIssueMessage(message: string): { type: string; msg: string; ctx?: Record<string, unknown> } {
  if (!message.startsWith(ISSUE_MARK)) return { type: 'value_error', msg: message };
  return JSON.parse(message.slice(ISSUE_MARK.length)) as { type: string; msg: string; ctx?: Record<string, unknown> };
}

/** A JSON string (numbers and null are rejected, as Pydantic's strict-ish str does for JSON). */
export const str = () => v.string(issueMessage('string_type', 'Input should be a valid string'));

/** A JSON array. */
export const list = <T extends v.GenericSchema>(item: T) =>
  v.array(item, issueMessage('list_type', 'Input should be a valid list'));

const MODEL_TYPE = issueMessage('model_attributes_type', 'Input should be a valid dictionary or object to extract fields from');

/** Valibot's object schemas accept arrays; a Prefect model never does. */
const isPlainObject = () =>
  v.custom<Record<string, unknown>>((x) => typeof x === 'object' && x !== null && !Array.isArray(x), MODEL_TYPE);

/** A Prefect "action" or filter model: unknown keys are rejected (422 extra_forbidden). */
export const model = <T extends v.ObjectEntries>(entries: T) => v.pipe(isPlainObject(), v.strictObject(entries, MODEL_TYPE));

/** A value object that ignores unknown keys (FlowRunPolicy, StateDetails, CreatedBy...). */
export const looseModel = <T extends v.ObjectEntries>(entries: T) => v.pipe(isPlainObject(), v.object(entries, MODEL_TYPE));

/** A value object that keeps unknown keys (Pydantic's extra="allow", e.g. VersionInfo). */
export const openModel = <T extends v.ObjectEntries>(entries: T) =>
  v.pipe(isPlainObject(), v.objectWithRest(entries, v.unknown(), MODEL_TYPE));

const DICT_TYPE = issueMessage('dict_type', 'Input should be a valid dictionary');

/** A JSON object whose values match `value` (dict[str, T]); Valibot's record alone accepts arrays. */
export const dict = <T extends v.GenericSchema>(value: T) =>
  v.pipe(
    v.custom<Record<string, unknown>>((x) => typeof x === 'object' && x !== null && !Array.isArray(x), DICT_TYPE),
    v.record(v.string(), value, DICT_TYPE),
  );

/** Any JSON object (dict[str, Any]). */
export const jsonObject = () => dict(v.unknown());

/** An optional field for which an explicit null means the same as absent. */
export const opt = <T extends v.GenericSchema>(schema: T) => v.nullish(schema);

/** An enum matched exactly; the message lists the options the way Pydantic does. */
export function enumOf<const T extends readonly string[]>(options: T) {
  const quoted = options.map((o) => `'${o}'`);
  const expected = quoted.length > 1 ? `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}` : (quoted[0] ?? '');
  return v.picklist(options, issueMessage('enum', `Input should be ${expected}`, { expected }));
}

/** Pydantic's lax int: ints, integral floats, numeric strings, booleans. */
export const laxInt = () =>
  v.pipe(
    v.unknown(),
    v.rawTransform(({ dataset, addIssue, NEVER }) => {
      const x = dataset.value;
      if (typeof x === 'boolean') return x ? 1 : 0;
      if (typeof x === 'number') {
        if (Number.isInteger(x)) return x;
        addIssue({ message: issueMessage('int_from_float', 'Input should be a valid integer, got a number with a fractional part') });
        return NEVER;
      }
      if (typeof x === 'string') {
        const t = x.trim();
        if (/^[+-]?\d+(\.0*)?$/.test(t)) return Number(t);
        addIssue({ message: issueMessage('int_parsing', 'Input should be a valid integer, unable to parse string as an integer') });
        return NEVER;
      }
      addIssue({ message: issueMessage('int_type', 'Input should be a valid integer') });
      return NEVER;
    }),
  );

/** Pydantic's lax float: numbers and numeric strings. */
export const laxFloat = () =>
  v.pipe(
    v.unknown(),
    v.rawTransform(({ dataset, addIssue, NEVER }) => {
      const x = dataset.value;
      if (typeof x === 'number' && Number.isFinite(x)) return x;
      if (typeof x === 'boolean') return x ? 1 : 0;
      if (typeof x === 'string' && x.trim() !== '' && Number.isFinite(Number(x))) return Number(x);
      addIssue({ message: issueMessage(typeof x === 'string' ? 'float_parsing' : 'float_type', 'Input should be a valid number') });
      return NEVER;
    }),
  );

const TRUE_WORDS = new Set(['true', '1', 'yes', 'y', 'on', 't']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'n', 'off', 'f']);

/** Pydantic's lax bool. */
export const laxBool = () =>
  v.pipe(
    v.unknown(),
    v.rawTransform(({ dataset, addIssue, NEVER }) => {
      const x = dataset.value;
      if (typeof x === 'boolean') return x;
      if (x === 0 || x === 1) return x === 1;
      if (typeof x === 'string') {
        const t = x.trim().toLowerCase();
        if (TRUE_WORDS.has(t)) return true;
        if (FALSE_WORDS.has(t)) return false;
      }
      // Pydantic: a string or number it cannot read is bool_parsing; any other type is bool_type.
      if (typeof x === 'string' || typeof x === 'number') {
        addIssue({ message: issueMessage('bool_parsing', 'Input should be a valid boolean, unable to interpret input') });
      } else {
        addIssue({ message: issueMessage('bool_type', 'Input should be a valid boolean') });
      }
      return NEVER;
    }),
  );

/**
 * Accepts a UUID the way Pydantic does and returns it lowercase and hyphenated. Surrounding
 * whitespace is not stripped: Pydantic rejects it (uuid_parsing).
 */
export function normalizeUuid(x: string): string | null {
  let t = x;
  if (t.startsWith('urn:uuid:')) t = t.slice(9);
  if (t.startsWith('{') && t.endsWith('}')) t = t.slice(1, -1);
  const hex = t.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) return null;
  // Hyphens, when present, must be in the canonical places.
  if (t.includes('-') && !/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(t)) return null;
  const h = hex.toLowerCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export const uuid = () =>
  v.pipe(
    v.unknown(),
    v.rawTransform(({ dataset, addIssue, NEVER }) => {
      const x = dataset.value;
      if (typeof x !== 'string') {
        addIssue({ message: issueMessage('uuid_type', 'UUID input should be a string, bytes or UUID object') });
        return NEVER;
      }
      const u = normalizeUuid(x);
      if (u === null) {
        const bad = [...x].find((ch) => !/[0-9a-fA-F-]/.test(ch));
        const error = bad ? `invalid character: found \`${bad}\` at ${x.indexOf(bad) + 1}` : `invalid length: expected 32 hex digits, found ${x.replace(/-/g, '').length}`;
        addIssue({ message: issueMessage('uuid_parsing', `Input should be a valid UUID, ${error}`, { error }) });
        return NEVER;
      }
      return u;
    }),
  );

/**
 * A datetime, returned as a canonical UTC ISO string with microseconds.
 * Accepts ISO 8601 (naive = UTC), a bare date, or Unix seconds (milliseconds above ~2e10).
 */
export const dateTime = () =>
  v.pipe(
    v.unknown(),
    v.rawTransform(({ dataset, addIssue, NEVER }) => {
      const x = dataset.value;
      let us: number | null = null;
      const fromNumber = (n: number) => (Math.abs(n) > 2e10 ? Math.round(n * 1000) : Math.round(n * 1_000_000));
      if (typeof x === 'number' && Number.isFinite(x)) us = fromNumber(x);
      else if (typeof x === 'string') {
        const t = x.trim();
        us = /^[+-]?\d+(\.\d+)?$/.test(t) ? fromNumber(Number(t)) : parseMicros(t);
      }
      if (us === null || !Number.isFinite(us) || Math.abs(us) > 8.2e18 / 1000) {
        addIssue({ message: issueMessage('value_error', `Value error, Invalid date string: ${String(x)}`, { error: {} }) });
        return NEVER;
      }
      return formatMicros(us);
    }),
  );

/** A non-negative int (ge=0), e.g. `offset`. */
export const nonNegativeInt = () =>
  v.pipe(laxInt(), v.minValue(0, issueMessage('greater_than_equal', 'Input should be greater than or equal to 0', { ge: 0 })));

export const intAtLeast = (min: number) =>
  v.pipe(laxInt(), v.minValue(min, issueMessage('greater_than_equal', `Input should be greater than or equal to ${min}`, { ge: min })));

export const intAtMost = (max: number) =>
  v.maxValue<number, number, string>(max, issueMessage('less_than_equal', `Input should be less than or equal to ${max}`, { le: max }));

/** A string matching a pattern, with Pydantic's string_pattern_mismatch error. */
export const pattern = (re: RegExp, source: string) =>
  v.pipe(str(), v.regex(re, issueMessage('string_pattern_mismatch', `String should match pattern '${source}'`, { pattern: source })));

/** Pydantic's max_length on a str: counted in code points, as Python does. */
export const maxChars = (max: number) =>
  v.check(
    (s: string) => s.length <= max || [...s].length <= max,
    issueMessage('string_too_long', `String should have at most ${max} characters`, { max_length: max }),
  );

/** Prefect's name rule for flows, deployments, pools and queues. */
export const NAME_PATTERN = '^[^/%&><]+$';
export const name = () => pattern(/^[^/%&><]+$/, NAME_PATTERN);

/** A `Literal[...]` field: matched exactly like an enum, but Pydantic calls the error literal_error. */
export function literalOf<const T extends readonly string[]>(options: T) {
  const quoted = options.map((o) => `'${o}'`);
  const expected = quoted.length > 1 ? `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}` : (quoted[0] ?? '');
  return v.picklist(options, issueMessage('literal_error', `Input should be ${expected}`, { expected }));
}
