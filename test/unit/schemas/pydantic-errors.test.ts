/** Pydantic's error types where ours differed (found by the property tests in test/http/properties/). */
import { describe, expect, it } from 'vitest';
import * as v from 'valibot';
import { jsonObject, laxBool } from '../../../src/schemas/common';
import { keyValueLabels, objectList } from '../../../src/schemas/actions/fields';
import { DeploymentUpdate } from '../../../src/schemas/actions/deployments';
import { flowRunPolicyInput, stateDetailsInput } from '../../../src/schemas/states';
import { validate } from '../../../src/http/validation';
import { RequestValidationError } from '../../../src/http/errors';

function errorType(schema: v.GenericSchema, value: unknown): string | undefined {
  try {
    validate(v.object({ x: schema }), { x: value });
    return undefined;
  } catch (e) {
    return (e as RequestValidationError).issues[0]?.type;
  }
}

describe('laxBool', () => {
  it('a string or number it cannot read is bool_parsing', () => {
    expect(errorType(laxBool(), 'maybe')).toBe('bool_parsing');
    expect(errorType(laxBool(), 2)).toBe('bool_parsing');
    expect(errorType(laxBool(), 0.5)).toBe('bool_parsing');
  });

  it('a list, an object or null is bool_type', () => {
    expect(errorType(laxBool(), [])).toBe('bool_type');
    expect(errorType(laxBool(), {})).toBe('bool_type');
    expect(errorType(laxBool(), null)).toBe('bool_type');
  });

  it('the lax spellings still parse', () => {
    expect(errorType(laxBool(), 'YES')).toBeUndefined();
    expect(errorType(laxBool(), 0)).toBeUndefined();
  });
});

describe('JSON objects (dict[str, ...]) reject arrays, which Valibot records accept', () => {
  it('jsonObject: parameters, context, job_variables, run_input...', () => {
    expect(errorType(jsonObject(), [])).toBe('dict_type');
    expect(errorType(jsonObject(), [1, 2])).toBe('dict_type');
    expect(errorType(jsonObject(), 'x')).toBe('dict_type');
    expect(errorType(jsonObject(), { a: [] })).toBeUndefined();
  });

  it('labels, pull steps and a state\'s run_input_keyset', () => {
    expect(errorType(keyValueLabels(), [])).toBe('dict_type');
    expect(errorType(objectList(), [[]])).toBe('dict_type');
    expect(errorType(stateDetailsInput, { run_input_keyset: [] })).toBe('dict_type');
    expect(errorType(stateDetailsInput, { run_input_keyset: { schema: 5 } })).toBe('string_type');
  });
});

describe('StateDetails', () => {
  it('untrackable_result and pause_reschedule are plain bools: null is bool_type, absent is fine', () => {
    expect(errorType(stateDetailsInput, { untrackable_result: null })).toBe('bool_type');
    expect(errorType(stateDetailsInput, { pause_reschedule: null })).toBe('bool_type');
    expect(errorType(stateDetailsInput, { deferred: null, pause_key: null })).toBeUndefined();
    expect(errorType(stateDetailsInput, {})).toBeUndefined();
  });
});

describe('FlowRunPolicy input', () => {
  const issue = (value: unknown) => {
    try {
      validate(v.object({ empirical_policy: flowRunPolicyInput }), { empirical_policy: value });
      return undefined;
    } catch (e) {
      const i = (e as RequestValidationError).issues[0]!;
      return { type: i.type, loc: i.loc };
    }
  };
  const parsed = (value: unknown) => v.parse(flowRunPolicyInput, value);

  it('copies the deprecated fields before validating, so retry_delay stays an int', () => {
    expect(issue({ retry_delay_seconds: 2.5 })).toEqual({ type: 'int_from_float', loc: ['body', 'empirical_policy', 'retry_delay'] });
    expect(parsed({ retry_delay_seconds: 10, max_retries: 3 })).toMatchObject({ retry_delay: 10, retries: 3 });
    expect(parsed({ retry_delay_seconds: 2.5, retry_delay: 4 })).toMatchObject({ retry_delay: 4 });
    expect(parsed({ retries: 0, max_retries: 0 })).toMatchObject({ retries: 0 });
  });
});

describe('DeploymentUpdate.version_info', () => {
  it('is a model: an array is model_attributes_type at version_info, unknown keys are kept', () => {
    expect(errorType(DeploymentUpdate, { version_info: [] })).toBe('model_attributes_type');
    expect(v.parse(DeploymentUpdate, { version_info: { type: 'git', version: 'abc', branch: 'main' } }).version_info).toEqual({
      type: 'git',
      version: 'abc',
      branch: 'main',
    });
  });
});
