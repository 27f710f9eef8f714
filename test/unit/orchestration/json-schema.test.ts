/**
 * JSON Schema errors worded as Prefect 3.9.1 words them. Every expected message below was produced
 * by the reference server (deployment create with enforce_parameter_schema) or by Prefect's own
 * `schema_tools.validate(..., raise_on_error=True)`.
 */
import { describe, expect, it } from 'vitest';
import { pyRepr, schemaValidationMessage } from '../../../src/orchestration/json-schema';

const SCHEMA = {
  type: 'object',
  properties: {
    n: { type: 'integer', minimum: 1 },
    s: { type: 'string', maxLength: 3, pattern: '^a' },
    e: { enum: ['x', 'y'] },
    l: { type: 'array', items: { type: 'integer' }, maxItems: 2 },
    o: { $ref: '#/definitions/O' },
    u: { anyOf: [{ type: 'integer' }, { type: 'string' }] },
    d: { type: 'string', format: 'date-time' },
  },
  required: ['n'],
  definitions: { O: { type: 'object', properties: { k: { type: 'boolean' } }, required: ['k'], additionalProperties: false } },
};

const CASES: [unknown, string | null][] = [
  [{ n: 'x' }, "Validation failed for field 'n'. Failure reason: 'x' is not of type 'integer'"],
  [{ n: 0 }, "Validation failed for field 'n'. Failure reason: 0 is less than the minimum of 1"],
  [{ n: 1, s: 'abcd' }, "Validation failed for field 's'. Failure reason: 'abcd' is too long"],
  [{ n: 1, s: 'b' }, "Validation failed for field 's'. Failure reason: 'b' does not match '^a'"],
  [{ n: 1, e: 'z' }, "Validation failed for field 'e'. Failure reason: 'z' is not one of ['x', 'y']"],
  [{ n: 1, l: [1, 'a'] }, "Validation failed for field 'l[1]'. Failure reason: 'a' is not of type 'integer'"],
  [{ n: 1, l: [1, 2, 3] }, "Validation failed for field 'l'. Failure reason: [1, 2, 3] is too long"],
  [{ n: 1, o: { k: 1 } }, "Validation failed for field 'o.k'. Failure reason: 1 is not of type 'boolean'"],
  [{ n: 1, o: { k: true, z: 1 } }, "Validation failed for field 'o'. Failure reason: Additional properties are not allowed ('z' was unexpected)"],
  [{ n: 1, u: [1] }, "Validation failed for field 'u'. Failure reason: [1] is not valid under any of the given schemas"],
  [{ n: 1.5 }, "Validation failed for field 'n'. Failure reason: 1.5 is not of type 'integer'"],
  [{ n: true }, "Validation failed for field 'n'. Failure reason: True is not of type 'integer'"],
  [{}, "Validation failed. Failure reason: 'n' is a required property"],
  // Prefect validates without a format checker.
  [{ n: 1, d: 'not a date' }, null],
  [{ n: 1, o: { k: false } }, null],
];

describe('schemaValidationMessage', () => {
  it.each(CASES)('%j', (value, expected) => {
    expect(schemaValidationMessage(SCHEMA, value)).toBe(expected);
  });

  it('reports the shallowest error, then the later sibling, as jsonschema best_match does', () => {
    const schema = { type: 'object', properties: { a: { type: 'integer' }, b: { type: 'object', properties: { c: { type: 'string' } } }, z: { type: 'integer' } } };
    expect(schemaValidationMessage(schema, { a: 'x', b: { c: 1 } })).toBe("Validation failed for field 'a'. Failure reason: 'x' is not of type 'integer'");
    expect(schemaValidationMessage(schema, { b: { c: 1 }, a: 'x', z: 'q' })).toBe("Validation failed for field 'z'. Failure reason: 'q' is not of type 'integer'");
  });

  it('writes values as Python reprs', () => {
    expect(pyRepr({ a: [1, null, true, "it's"] })).toBe(`{'a': [1, None, True, "it's"]}`);
  });
});
