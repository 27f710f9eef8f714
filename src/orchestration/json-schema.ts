/**
 * JSON Schema validation of flow-run parameters and run input, with the error Prefect 3.9.1 reports.
 * The checking is @cfworker/json-schema's (all keywords of drafts 4 to 2020-12, no eval, so it runs
 * on Workers); this module picks the one error Python's jsonschema `best_match` would pick and words it
 * the way jsonschema does (`'x' is not of type 'integer'`, `'n' is a required property`), prefixed the
 * way Prefect's `validate(..., raise_on_error=True)` prefixes it.
 */
import { Validator, type OutputUnit, type Schema } from '@cfworker/json-schema';

type Json = Record<string, unknown>;

/** Python's repr of a JSON value (dicts and lists included), as jsonschema puts values in messages. */
export function pyRepr(x: unknown): string {
  if (typeof x === 'string') {
    const quote = x.includes("'") && !x.includes('"') ? '"' : "'";
    const body = x.replaceAll('\\', '\\\\').replaceAll('\n', '\\n').replaceAll('\r', '\\r').replaceAll('\t', '\\t');
    return `${quote}${quote === "'" ? body.replaceAll("'", "\\'") : body}${quote}`;
  }
  if (x === null || x === undefined) return 'None';
  if (x === true) return 'True';
  if (x === false) return 'False';
  if (Array.isArray(x)) return `[${x.map(pyRepr).join(', ')}]`;
  if (typeof x === 'object') return `{${Object.entries(x).map(([k, v]) => `${pyRepr(k)}: ${pyRepr(v)}`).join(', ')}}`;
  return JSON.stringify(x);
}

/** Keywords whose error only says "a subschema failed": the subschema's own error is the one to report. */
const WRAPPERS = new Set([
  '$ref',
  '$recursiveRef',
  '$dynamicRef',
  'properties',
  'patternProperties',
  'items',
  'prefixItems',
  'allOf',
  'if',
  'dependentSchemas',
  'dependencies',
  'propertyNames',
  'contains',
  'unevaluatedItems',
  'unevaluatedProperties',
]);
/** jsonschema's "weak" keywords: another error at the same place wins over them. */
const WEAK = new Set(['anyOf', 'oneOf']);

/** A segment of cfworker's pointers, which are URI-encoded (`encodeURI`, and `#` as `%23`). */
const decodePointer = (p: string) => decodeURIComponent(p.replaceAll('%23', '#')).replaceAll('~1', '/').replaceAll('~0', '~');

/** The instance path of an error, from cfworker's `#/a/0/b` pointer. */
function instancePath(unit: OutputUnit): (string | number)[] {
  const pointer = unit.instanceLocation.replace(/^#/, '');
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((part) => (/^(0|[1-9]\d*)$/.test(part) ? Number(part) : decodePointer(part)));
}

function at(root: unknown, path: (string | number)[]): unknown {
  let x: unknown = root;
  for (const part of path) x = (x as Record<string | number, unknown> | undefined)?.[part];
  return x;
}

/** The schema object holding the failed keyword, found by cfworker's keyword location. */
function keywordSchema(root: Schema, unit: OutputUnit): Json {
  const parts = unit.keywordLocation.replace(/^#/, '').split('/').slice(1, -1).map(decodePointer);
  let node: unknown = root;
  for (const part of parts) {
    const here = node as Json | undefined;
    // A location runs through `$ref`: continue from the schema the reference points at.
    if (part === '$ref' && typeof here?.$ref === 'string' && here.$ref.startsWith('#')) {
      node = at(root, here.$ref.slice(1).split('/').slice(1).map(decodePointer));
    } else node = (here as Record<string, unknown> | undefined)?.[part];
  }
  return (node ?? {}) as Json;
}

/** jsonschema's JSONPath of an instance path: `$.a[0].b`, `$['odd key']`. */
function jsonPath(path: (string | number)[]): string {
  let out = '$';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (/^[a-zA-Z][a-zA-Z0-9_]*$/.test(part)) out += `.${part}`;
    else out += `['${part.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}']`;
  }
  return out;
}

/** The message jsonschema gives a failed keyword. */
function message(unit: OutputUnit, schema: Json, instance: unknown): string {
  const v = schema[unit.keyword];
  const r = pyRepr(instance);
  const len = (n: unknown, short: string, one: string) => (n === 1 ? `${r} ${one}` : `${r} ${short}`);
  switch (unit.keyword) {
    case 'type': {
      const types = Array.isArray(v) ? v : [v];
      return `${r} is not of type ${types.map(pyRepr).join(', ')}`;
    }
    case 'enum':
      return `${r} is not one of ${pyRepr(v)}`;
    case 'const':
      return `${pyRepr(v)} was expected`;
    case 'required': {
      const missing = /"(.*)"\.$/.exec(unit.error)?.[1] ?? '';
      return `${pyRepr(missing)} is a required property`;
    }
    case 'minimum':
      return `${r} is less than the minimum of ${pyRepr(v)}`;
    case 'maximum':
      return `${r} is greater than the maximum of ${pyRepr(v)}`;
    case 'exclusiveMinimum':
      return `${r} is less than or equal to the minimum of ${pyRepr(v)}`;
    case 'exclusiveMaximum':
      return `${r} is greater than or equal to the maximum of ${pyRepr(v)}`;
    case 'multipleOf':
      return `${r} is not a multiple of ${pyRepr(v)}`;
    case 'minLength':
    case 'minItems':
      return len(v, 'is too short', 'should be non-empty');
    case 'maxLength':
    case 'maxItems':
      return v === 0 ? `${r} is expected to be empty` : `${r} is too long`;
    case 'minProperties':
      return len(v, 'does not have enough properties', 'should be non-empty');
    case 'maxProperties':
      return v === 0 ? `${r} is expected to be empty` : `${r} has too many properties`;
    case 'uniqueItems':
      return `${r} has non-unique elements`;
    case 'pattern':
      return `${r} does not match ${pyRepr(v)}`;
    case 'anyOf':
    case 'oneOf':
      return `${r} is not valid under any of the given schemas`;
    case 'not':
      return `${r} should not be valid under ${pyRepr(v)}`;
    case 'additionalProperties': {
      const known = new Set(Object.keys((schema.properties ?? {}) as Json));
      const patterns = Object.keys((schema.patternProperties ?? {}) as Json).map((p) => new RegExp(p, 'u'));
      const extras = Object.keys((instance ?? {}) as Json)
        .filter((k) => !known.has(k) && !patterns.some((p) => p.test(k)))
        .sort();
      return `Additional properties are not allowed (${extras.map(pyRepr).join(', ')} ${extras.length === 1 ? 'was' : 'were'} unexpected)`;
    }
    case 'false':
      return 'False schema does not allow ' + r;
    default:
      return unit.error;
  }
}

/** Python's tuple comparison of two instance paths (ints before strings never meet at one level). */
function comparePaths(a: (string | number)[], b: (string | number)[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i += 1) {
    if (a[i] !== b[i]) return String(a[i]) < String(b[i]) ? -1 : 1;
  }
  return a.length - b.length;
}

export interface SchemaFailure {
  /** jsonschema's JSONPath of the failing value, `$` for the whole document. */
  path: string;
  reason: string;
}

/**
 * The error Python's jsonschema would raise first for `value`, or null when it matches. Formats are
 * not checked (Prefect validates without a format checker). Throws on a schema cfworker cannot load.
 */
export function firstSchemaFailure(schema: Json, value: unknown): SchemaFailure | null {
  const root = structuredClone(schema) as Schema;
  const result = new Validator(root, '2020-12', false).validate(value);
  if (result.valid) return null;
  const units = result.errors.filter((u) => u.keyword !== 'format');
  // Errors inside an anyOf/oneOf are that keyword's context, reported through it.
  const alternatives = units.filter((u) => WEAK.has(u.keyword)).map((u) => u.keywordLocation);
  const candidates = units.filter(
    (u) => !WRAPPERS.has(u.keyword) && !(u.keyword === 'false' && /\/additionalProperties$/.test(u.keywordLocation)) &&
      // A schema-valued additionalProperties only wraps its values' own errors (jsonschema reports those).
      !(u.keyword === 'additionalProperties' && typeof keywordSchema(root, u).additionalProperties === 'object') &&
      !alternatives.some((loc) => u.keywordLocation.startsWith(`${loc}/`)),
  );
  if (candidates.length === 0) return null;
  const ranked = candidates.map((u, order) => ({ u, order, path: instancePath(u) }));
  // best_match: the shallowest error, then the later sibling, then a non-weak keyword, then the first.
  ranked.sort(
    (a, b) =>
      a.path.length - b.path.length ||
      comparePaths(b.path, a.path) ||
      Number(WEAK.has(a.u.keyword)) - Number(WEAK.has(b.u.keyword)) ||
      a.order - b.order,
  );
  const best = ranked[0]!;
  return { path: jsonPath(best.path), reason: message(best.u, keywordSchema(root, best.u), at(value, best.path)) };
}

/** Prefect's wording: `Validation failed[ for field 'a.b']. Failure reason: …`, or null when valid. */
export function schemaValidationMessage(schema: Json, value: unknown): string | null {
  const failure = firstSchemaFailure(schema, value);
  if (!failure) return null;
  const where = failure.path === '$' ? 'Validation failed.' : `Validation failed for field ${pyRepr(failure.path.replace('$.', ''))}.`;
  return `${where} Failure reason: ${failure.reason}`;
}
