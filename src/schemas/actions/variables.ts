/** VariableCreate / VariableUpdate (Prefect 3.9.1 schemas/actions.py, types/names.py). */
import * as v from 'valibot';
import { issueMessage, list, model, opt, str } from '../common';

const MAX_NAME_LENGTH = 255;
const MAX_VALUE_BYTES = 5000;

/**
 * Lowercase letters, digits, dashes and underscores; "" is allowed. Python's `$` also matches before
 * one final newline, so "name\n" passes there and here.
 */
const NAME_CHARS = /^[a-z0-9_-]*\n?$/;

/** VariableName: the character rule first, then the length (Pydantic checks them in that order). */
const variableName = () =>
  v.pipe(
    str(),
    v.check(
      (s) => NAME_CHARS.test(s),
      issueMessage('value_error', 'Value error, Variable name must only contain lowercase letters, numbers, and dashes or underscores.', {
        error: {},
      }),
    ),
    v.rawCheck(({ dataset, addIssue }) => {
      if (!dataset.typed) return;
      const length = [...dataset.value].length;
      if (length > MAX_NAME_LENGTH) {
        addIssue({
          message: issueMessage('too_long', `Value should have at most ${MAX_NAME_LENGTH} items after validation, not ${length}`, {
            field_type: 'Value',
            max_length: MAX_NAME_LENGTH,
            actual_length: length,
          }),
        });
      }
    }),
  );

/** Any JSON value whose compact serialization is at most 5000 bytes (Prefect measures orjson's bytes). */
const variableValue = () =>
  v.pipe(
    v.unknown(),
    v.check(
      (x) => x === null || x === undefined || new TextEncoder().encode(JSON.stringify(x)).length <= MAX_VALUE_BYTES,
      issueMessage('value_error', `Value error, Variable value must be less than ${MAX_VALUE_BYTES} characters`, { error: {} }),
    ),
  );

export const VariableCreate = model({
  name: variableName(),
  // Required, but null is a value.
  value: variableValue(),
  tags: v.optional(list(str()), () => []),
});
export type VariableCreate = v.InferOutput<typeof VariableCreate>;

/**
 * Only the keys sent are written. An explicit null `name` or `tags` reaches the NOT NULL column and is
 * a 409, as in Prefect; a null `value` clears it.
 */
export const VariableUpdate = model({
  name: opt(variableName()),
  value: v.optional(variableValue()),
  tags: opt(list(str())),
});
export type VariableUpdate = v.InferOutput<typeof VariableUpdate>;
