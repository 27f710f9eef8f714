/**
 * A small description language for request bodies, written from the specs (Pydantic-lax rules of
 * ../shared/spec/prefect-filters.md §0.3, §0.6), and the generators it gives:
 * - `valid(shape)`: values Prefect accepts, lax forms included ("5" for 5, "yes" for true, UUIDs
 *   without hyphens, naive datetimes...);
 * - `invalid(shape)`: a value with exactly one fault, and where Prefect reports it (its `loc`) and
 *   with which Pydantic error types.
 * It is independent of src/schemas on purpose: the tests check the app against the spec, not
 * against itself.
 */
import fc from 'fast-check';

export type Loc = (string | number)[];

export type Shape =
  | { kind: 'string'; valid?: fc.Arbitrary<string> }
  | { kind: 'name'; nonEmptyish?: boolean; orEmpty?: boolean }
  | { kind: 'int'; min?: number; max?: number; minType?: string; detailRange?: boolean; upTo?: number }
  | { kind: 'float'; min?: number; max?: number; integral?: boolean; exclusiveMin?: boolean }
  | { kind: 'bool' }
  | { kind: 'uuid'; valid?: fc.Arbitrary<string> }
  | { kind: 'datetime' }
  | { kind: 'enum'; values: readonly string[]; errorType?: string }
  | { kind: 'list'; item: Shape; maxLength?: number }
  | { kind: 'model'; fields: Record<string, Field>; extra: 'forbid' | 'ignore'; embedded?: boolean }
  | { kind: 'dict'; valid?: fc.Arbitrary<Record<string, unknown>> }
  | { kind: 'record'; value: Shape; unionValue?: boolean }
  | { kind: 'json' }
  | { kind: 'custom'; valid: fc.Arbitrary<unknown>; faults: fc.Arbitrary<Fault> | null };

export interface Field {
  shape: Shape;
  required: boolean;
  /** An explicit null is accepted (and means "absent"). */
  nullable: boolean;
}

/** One fault: the whole value, where the fault is, and the Pydantic error types Prefect reports for it. */
export interface Fault {
  value: unknown;
  loc: Loc;
  types: readonly string[];
  /** Reported as `{"detail": ...}` instead of the validation shape (the read endpoints' limit). */
  detail?: boolean;
  /** Reported at `loc` or below it (a union member names itself in Pydantic's loc). */
  locPrefix?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Builders

export const string = (valid?: fc.Arbitrary<string>): Shape => ({ kind: 'string', valid });
export const name = (): Shape => ({ kind: 'name' });
/** Prefect's NonEmptyishName (work pool names): a Name that is not blank once quotes and spaces are stripped. */
export const nonEmptyishName = (): Shape => ({ kind: 'name', nonEmptyish: true });
/** Prefect's NameOrEmpty (deployment names): a Name, or "" (valid, so never a fault; not generated either). */
export const nameOrEmpty = (): Shape => ({ kind: 'name', orEmpty: true });
/** An int in [min, max] (the bounds Prefect checks); `upTo` only caps generated values. */
export const int = (o: { min?: number; max?: number; minType?: string; detailRange?: boolean; upTo?: number } = {}): Shape => ({ kind: 'int', ...o });
/** A float; `integral` generates whole values only; `exclusiveMin` makes `min` itself invalid (gt, not ge); `max` is le. */
export const float = (o: { min?: number; max?: number; integral?: boolean; exclusiveMin?: boolean } = {}): Shape => ({ kind: 'float', ...o });
export const bool = (): Shape => ({ kind: 'bool' });
export const uuid = (valid?: fc.Arbitrary<string>): Shape => ({ kind: 'uuid', valid });
export const datetime = (): Shape => ({ kind: 'datetime' });
export const enumOf = (values: readonly string[]): Shape => ({ kind: 'enum', values });
/** A `Literal[...]` field: like an enum, but Pydantic's error type is literal_error. */
export const literalOf = (values: readonly string[]): Shape => ({ kind: 'enum', values, errorType: 'literal_error' });
export const list = (item: Shape, maxLength?: number): Shape => ({ kind: 'list', item, maxLength });
export const dict = (valid?: fc.Arbitrary<Record<string, unknown>>): Shape => ({ kind: 'dict', valid });
export const json = (): Shape => ({ kind: 'json' });
/** An object whose values all have one shape (`dict[str, str]`). */
export const record = (value: Shape): Shape => ({ kind: 'record', value });
/** Prefect's KeyValueLabels: string, number or boolean values. */
export const labels = (): Shape => ({ kind: 'record', value: { kind: 'json' }, unionValue: true });

const isField = (x: Shape | Field): x is Field => 'shape' in x;
const asField = (x: Shape | Field): Field => (isField(x) ? x : { shape: x, required: false, nullable: true });

/** A required field (absent or null → `missing`). */
export const required = (shape: Shape): Field => ({ shape, required: true, nullable: false });
/** An optional field that may not be null (a filter's `operator`). */
export const notNull = (shape: Shape): Field => ({ shape, required: false, nullable: false });

const fieldsOf = (entries: Record<string, Shape | Field>) =>
  Object.fromEntries(Object.entries(entries).map(([k, f]) => [k, asField(f)]));

/** An "action" or filter model: unknown keys are rejected. */
export const model = (entries: Record<string, Shape | Field>): Shape => ({ kind: 'model', fields: fieldsOf(entries), extra: 'forbid' });
/** A value object that ignores unknown keys (StateDetails, FlowRunPolicy...). */
export const looseModel = (entries: Record<string, Shape | Field>): Shape => ({ kind: 'model', fields: fieldsOf(entries), extra: 'ignore' });
/** An embedded multi-parameter body: unknown top-level keys ignored, a top-level null means the default. */
export const embedded = (entries: Record<string, Shape | Field>): Shape => ({
  kind: 'model',
  fields: fieldsOf(entries),
  extra: 'ignore',
  embedded: true,
});

// ---------------------------------------------------------------------------------------------
// Valid values

/** Printable text without NUL or lone surrogates (Postgres cannot store those; see the hostile properties). */
export const text = (maxLength = 12) => fc.string({ unit: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...'abcxyz-_ 019'.split('')) }, { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }) }), maxLength });

const NAME_BANNED = /[/%&><]/;
/** Prefect's `non_emptyish`: nothing left once quotes and spaces are stripped from both ends. */
const isEmptyish = (s: string) => s.replace(/^['" ]+|['" ]+$/g, '') === '';
const nameText = () => text(16).filter((s) => s.length > 0 && !NAME_BANNED.test(s));

/** A UUID in one of the spellings Pydantic accepts. */
export function uuidSpelling(u: string): fc.Arbitrary<string> {
  const hex = u.replace(/-/g, '');
  return fc.constantFrom(u, u.toUpperCase(), hex, hex.toUpperCase(), `{${u}}`, `urn:uuid:${u}`);
}

/** A UUID as a path segment: Prefect's `{id:uuid}` routes take hyphens or none, any case (no braces, no urn). */
export function pathSpelling(u: string): fc.Arbitrary<string> {
  const hex = u.replace(/-/g, '');
  return fc.constantFrom(u, u.toUpperCase(), hex, hex.toUpperCase());
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** A datetime in one of the accepted forms (offsets, naive = UTC, space separator, date only, Unix seconds). */
export const datetimeText = () =>
  fc
    .record({
      ms: fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2090, 0, 1) }),
      micro: fc.integer({ min: 0, max: 999 }),
      form: fc.constantFrom('Z', 'naive', 'offset', 'compactOffset', 'space', 'date', 'unix', 'unixString', 'noFraction'),
      offsetMinutes: fc.constantFrom(-300, -30, 60, 330, 840),
    })
    .map(({ ms, micro, form, offsetMinutes }): string | number => {
      const d = new Date(ms);
      const date = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
      const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
      const fraction = `.${pad(d.getUTCMilliseconds(), 3)}${pad(micro, 3)}`;
      const shifted = new Date(ms + offsetMinutes * 60_000);
      const sDate = `${shifted.getUTCFullYear()}-${pad(shifted.getUTCMonth() + 1)}-${pad(shifted.getUTCDate())}`;
      const sTime = `${pad(shifted.getUTCHours())}:${pad(shifted.getUTCMinutes())}:${pad(shifted.getUTCSeconds())}`;
      const sign = offsetMinutes < 0 ? '-' : '+';
      const off = `${pad(Math.floor(Math.abs(offsetMinutes) / 60))}:${pad(Math.abs(offsetMinutes) % 60)}`;
      switch (form) {
        case 'naive':
          return `${date}T${time}${fraction}`;
        case 'offset':
          return `${sDate}T${sTime}${fraction}${sign}${off}`;
        case 'compactOffset':
          return `${sDate}T${sTime}${fraction}${sign}${off.replace(':', '')}`;
        case 'space':
          return `${date} ${time}${fraction}Z`;
        case 'date':
          return date;
        case 'unix':
          return Math.floor(ms / 1000);
        case 'unixString':
          return String(Math.floor(ms / 1000));
        case 'noFraction':
          return `${date}T${time}Z`;
        default:
          return `${date}T${time}${fraction}Z`;
      }
    });

const laxIntOf = (n: number) => fc.constantFrom<unknown>(n, n, n, String(n), ` ${n} `, `${n}.0`);
const BOOL_SPELLINGS = [true, false, 0, 1, 'true', 'False', 'YES', 'no', 'y', 'n', 'on', 'off', 't', 'F', '1', '0'];

/** Small JSON values without NUL characters (which Postgres' jsonb rejects). */
export const jsonValue = (maxDepth = 2) => fc.jsonValue({ maxDepth, stringUnit: 'grapheme-ascii' }).filter((x) => !JSON.stringify(x).includes('\\u0000'));
export const jsonDict = () => fc.dictionary(text(8), jsonValue(2), { maxKeys: 3 });

export function valid(shape: Shape): fc.Arbitrary<unknown> {
  switch (shape.kind) {
    case 'string':
      return shape.valid ?? text();
    case 'name':
      return shape.nonEmptyish ? nameText().filter((s) => !isEmptyish(s)) : nameText();
    case 'int': {
      const min = shape.min ?? -1000;
      const max = shape.max ?? shape.upTo ?? Math.max(min, 0) + 1000;
      return fc.integer({ min, max }).chain(laxIntOf);
    }
    case 'float': {
      const min = shape.min ?? -1e6;
      const max = shape.max ?? 1e6;
      if (shape.exclusiveMin) return valid({ ...shape, exclusiveMin: false }).filter((x) => (x as number) > min);
      if (shape.integral) return fc.integer({ min: Math.ceil(min), max: Math.floor(max) });
      return fc.oneof(fc.integer({ min: Math.ceil(min), max: Math.floor(max) }), fc.double({ min, max, noNaN: true, noDefaultInfinity: true }).map((x) => (Object.is(x, -0) ? 0 : x)));
    }
    case 'bool':
      return fc.constantFrom(...BOOL_SPELLINGS);
    case 'uuid':
      return shape.valid ?? fc.uuid().chain(uuidSpelling);
    case 'datetime':
      return datetimeText();
    case 'enum':
      return fc.constantFrom(...shape.values);
    case 'list':
      return fc.array(valid(shape.item), { maxLength: Math.min(4, shape.maxLength ?? 4) });
    case 'dict':
      return shape.valid ?? jsonDict();
    case 'json':
      return jsonValue();
    case 'record':
      return fc.dictionary(text(8), shape.unionValue ? fc.oneof(text(), fc.integer(), fc.boolean(), fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e9, max: 1e9 })) : valid(shape.value), { maxKeys: 3 });
    case 'model':
      return validModel(shape);
    case 'custom':
      return shape.valid;
  }
}

function validModel(shape: Extract<Shape, { kind: 'model' }>): fc.Arbitrary<Record<string, unknown>> {
  const entries = Object.entries(shape.fields).map(([key, f]) => {
    const value = f.nullable ? fc.oneof({ weight: 5, arbitrary: valid(f.shape) }, { weight: 1, arbitrary: fc.constant(null) }) : valid(f.shape);
    return [key, value] as const;
  });
  const record = fc.record(Object.fromEntries(entries), {
    requiredKeys: Object.entries(shape.fields).filter(([, f]) => f.required).map(([k]) => k),
  });
  if (shape.extra === 'forbid') return record;
  // Unknown keys are ignored here: send some.
  return fc.tuple(record, fc.dictionary(fc.constantFrom('zz_unknown', 'extra', 'Bogus'), jsonValue(1), { maxKeys: 2 })).map(([r, extra]) => ({ ...extra, ...r }));
}

// ---------------------------------------------------------------------------------------------
// Faulty values

const MODEL_TYPES = ['model_attributes_type', 'model_type', 'dict_type'];
const DATETIME_TYPES = ['value_error', 'datetime_type', 'datetime_parsing', 'datetime_from_date_parsing'];

const at = (value: unknown, types: readonly string[]): Fault => ({ value, loc: [], types });

function badScalars(shape: Shape): Fault[] {
  switch (shape.kind) {
    case 'string':
      return [at(5, ['string_type']), at(true, ['string_type']), at([], ['string_type']), at({}, ['string_type']), at(1.5, ['string_type'])];
    case 'name': {
      const banned = [at('a/b', ['string_pattern_mismatch']), at('x%y', ['string_pattern_mismatch']), at('<tag>', ['string_pattern_mismatch']), at('&', ['string_pattern_mismatch'])];
      // NonEmptyishName: blank once quotes and spaces are stripped is a value_error (checked first).
      const blank = shape.nonEmptyish
        ? [at('', ['value_error']), at('   ', ['value_error']), at(`'"' `, ['value_error'])]
        : shape.orEmpty
          ? []
          : [at('', ['string_pattern_mismatch'])];
      return [...badScalars({ kind: 'string' }), ...banned, ...blank];
    }
    case 'int': {
      const out = [at(5.5, ['int_from_float']), at('abc', ['int_parsing']), at('', ['int_parsing']), at('5.5', ['int_parsing']), at([], ['int_type']), at({}, ['int_type'])];
      const range = (value: number, types: string[]): Fault => ({ value, loc: [], types, detail: shape.detailRange });
      if (shape.min !== undefined) out.push(range(shape.min - 1, [shape.minType ?? 'greater_than_equal']), range(shape.min - 1000, [shape.minType ?? 'greater_than_equal']));
      if (shape.max !== undefined) out.push(range(shape.max + 1, ['less_than_equal']), range(shape.max + 12345, ['less_than_equal']));
      return out;
    }
    case 'float': {
      const out = [at('abc', ['float_parsing']), at('', ['float_parsing']), at([], ['float_type']), at({}, ['float_type'])];
      if (shape.min !== undefined && shape.exclusiveMin) out.push(at(shape.min, ['greater_than']), at(shape.min - 1, ['greater_than']));
      else if (shape.min !== undefined) out.push(at(shape.min - 1, ['greater_than_equal']));
      if (shape.max !== undefined) out.push(at(shape.max + 1, ['less_than_equal']), at(shape.max + 0.5, ['less_than_equal']));
      return out;
    }
    case 'bool':
      return [at(2, ['bool_parsing']), at('maybe', ['bool_parsing']), at(0.5, ['bool_parsing']), at([], ['bool_type']), at({}, ['bool_type'])];
    case 'uuid':
      return [
        at('not-a-uuid', ['uuid_parsing']),
        at('1234', ['uuid_parsing']),
        at('123e4567-e89b-12d3-a456-42661417400g', ['uuid_parsing']),
        at('123e4567-e89b-12d3-a456-4266141740000', ['uuid_parsing']),
        at(123, ['uuid_type']),
        at([], ['uuid_type']),
      ];
    case 'datetime':
      return [at('yesterday', DATETIME_TYPES), at('2024-13-45', DATETIME_TYPES), at('12:00', DATETIME_TYPES), at([], DATETIME_TYPES), at({}, DATETIME_TYPES), at(true, DATETIME_TYPES)];
    case 'enum': {
      const wrong = ['bogus', shape.values[0]!.toLowerCase(), ` ${shape.values[0]}`].filter((x) => !shape.values.includes(x));
      const type = shape.errorType ?? 'enum';
      return [...wrong.map((w) => at(w, [type])), at(5, [type])];
    }
    case 'dict':
      return [at([], ['dict_type']), at('x', ['dict_type']), at(5, ['dict_type'])];
    default:
      return [];
  }
}

/** A value of `shape` with exactly one fault in it; null when every JSON value is valid (`json`). */
export function invalid(shape: Shape): fc.Arbitrary<Fault> | null {
  switch (shape.kind) {
    case 'json':
      return null;
    case 'list':
      return invalidList(shape);
    case 'model':
      return invalidModel(shape);
    case 'record':
      return invalidRecord(shape);
    case 'custom':
      return shape.faults;
    default:
      return fc.constantFrom(...badScalars(shape));
  }
}

function invalidList(shape: Extract<Shape, { kind: 'list' }>): fc.Arbitrary<Fault> {
  const whole = fc.constantFrom(at('x', ['list_type']), at({}, ['list_type']), at(5, ['list_type']));
  const options: fc.Arbitrary<Fault>[] = [whole];
  const item = invalid(shape.item);
  if (item) {
    options.push(
      fc.tuple(fc.array(valid(shape.item), { maxLength: 3 }), item, fc.nat()).map(([items, fault, k]) => {
        const i = k % (items.length + 1);
        const value = [...items.slice(0, i), fault.value, ...items.slice(i)];
        return { ...fault, value, loc: [i, ...fault.loc] };
      }),
    );
  }
  if (shape.maxLength !== undefined) {
    const n = shape.maxLength + 1;
    options.push(fc.array(valid(shape.item), { minLength: n, maxLength: n }).map((value) => at(value, ['too_long'])));
  }
  return fc.oneof(...options);
}

function invalidRecord(shape: Extract<Shape, { kind: 'record' }>): fc.Arbitrary<Fault> {
  const whole = fc.constantFrom(at([], ['dict_type']), at('x', ['dict_type']), at(5, ['dict_type']));
  const badValue: fc.Arbitrary<Fault> | null = shape.unionValue
    ? fc.constantFrom<Fault>({ value: {}, loc: [], types: [], locPrefix: true }, { value: [1], loc: [], types: [], locPrefix: true })
    : invalid(shape.value);
  if (!badValue) return whole;
  const one = fc.tuple(valid(shape), fc.constantFrom('k', 'label', 'x y'), badValue).map(([r, key, fault]) => ({
    ...fault,
    value: { ...(r as object), [key]: fault.value },
    loc: [key, ...fault.loc],
  }));
  return fc.oneof(whole, one);
}

function invalidModel(shape: Extract<Shape, { kind: 'model' }>): fc.Arbitrary<Fault> | null {
  const base = validModel(shape);
  const options: fc.Arbitrary<Fault>[] = [];
  // The body itself is covered by the "arrays and scalars for the body" property.
  if (!shape.embedded) options.push(fc.constantFrom(at([], MODEL_TYPES), at('x', MODEL_TYPES), at(5, MODEL_TYPES), at([{}], MODEL_TYPES)));
  if (shape.extra === 'forbid') {
    options.push(
      fc.tuple(base, fc.constantFrom('foo', 'Name', 'any', 'operator_', '__proto__x'), jsonValue(1)).map(([r, key, value]) => ({
        value: { ...r, [key]: value },
        loc: [key],
        types: ['extra_forbidden'],
      })),
    );
  }
  for (const [key, field] of Object.entries(shape.fields)) {
    const inner = invalid(field.shape);
    if (inner) {
      options.push(fc.tuple(base, inner).map(([r, fault]) => ({ ...fault, value: { ...r, [key]: fault.value }, loc: [key, ...fault.loc] })));
    }
    if (field.required) {
      options.push(base.map((r) => ({ value: Object.fromEntries(Object.entries(r).filter(([k]) => k !== key)), loc: [key], types: ['missing'] })));
    }
    // A null where null is not allowed; at the top of an embedded body a null means "default".
    if (!field.nullable && !(shape.embedded && !field.required)) {
      options.push(base.map((r) => ({ value: { ...r, [key]: null }, loc: [key], types: shape.embedded ? ['missing'] : [] })));
    }
  }
  return options.length > 0 ? fc.oneof(...options) : null;
}

// ---------------------------------------------------------------------------------------------
// Custom shapes (write endpoints): a value the other kinds cannot describe (a union of models,
// a field whose bound is a validator's value_error), given by its own valid values and faults.

/** A shape given by its valid values and its faults (null: no fault). */
export const custom = (validValues: fc.Arbitrary<unknown>, faults: fc.Arbitrary<Fault> | null): Shape => ({ kind: 'custom', valid: validValues, faults });

/** A fault in a whole value, reported at its loc (or below it, `locPrefix`) with one of `types` (any when empty). */
export const faultOf = (value: unknown, types: readonly string[] = [], locPrefix = false): Fault => ({ value, loc: [], types, locPrefix });

/** The faults of `shape`, each reported at or below its loc (a union member names itself in Pydantic's loc). */
export const faultsBelow = (shape: Shape): fc.Arbitrary<Fault> | null =>
  invalid(shape)?.map((f) => ({ value: f.value, loc: [], types: [], locPrefix: true })) ?? null;
