/**
 * Field types shared by the action (create/update) models, on top of ../common.ts.
 */
import * as v from 'valibot';
import { dict, issueMessage, jsonObject, laxFloat, laxInt, pattern, str } from '../common';

/** Prefect's KeyValueLabels: string/number/bool values; `null` means `{}`. */
export const keyValueLabels = () =>
  v.pipe(
    v.unknown(),
    v.transform((x) => (x === null ? {} : x)),
    dict(
      v.union(
        [v.string(), v.number(), v.boolean()],
        issueMessage('union_type', 'Input should be a valid string, number or boolean'),
      ),
    ),
  );

/** PositiveInteger (gt=0). */
export const positiveInt = () =>
  v.pipe(laxInt(), v.minValue(1, issueMessage('greater_than', 'Input should be greater than 0', { gt: 0 })));

/** NonNegativeFloat (ge=0). */
export const nonNegativeFloat = () =>
  v.pipe(
    laxFloat(),
    v.minValue(0, issueMessage('greater_than_equal', 'Input should be greater than or equal to 0', { ge: 0 })),
  );

/** Prefect's `NameOrEmpty` (deployment names): the banned characters, but "" is allowed. */
export const nameOrEmpty = () => pattern(/^[^/%&><]*$/, '^[^/%&><]*$');

/** `NonEmptyishName` (work pool names): not blank once quotes and spaces are stripped. */
export const nonEmptyishName = () =>
  v.pipe(
    str(),
    v.check(
      (s) => s.replace(/^['" ]+|['" ]+$/g, '') !== '',
      issueMessage('value_error', 'Value error, name cannot be an empty string', { error: {} }),
    ),
    v.regex(/^[^/%&><]+$/, issueMessage('string_pattern_mismatch', "String should match pattern '^[^/%&><]+$'", { pattern: '^[^/%&><]+$' })),
  );

/** A list of JSON objects (pull steps). */
export const objectList = () =>
  v.array(
    jsonObject(),
    issueMessage('list_type', 'Input should be a valid list'),
  );

/** The key set of a parsed body: Pydantic's `model_fields_set` (explicit nulls count as set). */
export const isSet = (body: object, key: string) => Object.prototype.hasOwnProperty.call(body, key);

/** Prefect's BULK_OPERATION_LIMIT: bulk endpoints take 1..50 rows, 50 by default. */
export const BULK_OPERATION_LIMIT = 50;

/** The `limit` of a bulk endpoint (validation-shaped 422s, unlike the read endpoints' limit). */
export const bulkLimit = () =>
  v.pipe(
    laxInt(),
    v.minValue(1, issueMessage('greater_than_equal', 'Input should be greater than or equal to 1', { ge: 1 })),
    v.maxValue(
      BULK_OPERATION_LIMIT,
      issueMessage('less_than_equal', `Input should be less than or equal to ${BULK_OPERATION_LIMIT}`, { le: BULK_OPERATION_LIMIT }),
    ),
  );
