/** timedeltaSeconds: the timedelta fields of schedules and automations, with and without a refusal. */
import { describe, expect, it } from 'vitest';
import * as v from 'valibot';
import { IntervalSchedule, timedeltaSeconds } from '../../../src/schemas/actions/schedules';
import { validate } from '../../../src/http/validation';
import { RequestValidationError } from '../../../src/http/errors';

function firstIssue(schema: v.GenericSchema, value: unknown) {
  try {
    validate(schema, value);
    return undefined;
  } catch (e) {
    const issue = (e as RequestValidationError).issues[0];
    return issue && { type: issue.type, msg: issue.msg };
  }
}

describe('timedeltaSeconds', () => {
  it('reads seconds, ISO 8601 and clock strings; refuses anything else as time_delta_parsing', () => {
    expect(v.parse(timedeltaSeconds(), 90)).toBe(90);
    expect(v.parse(timedeltaSeconds(), 'PT1M30S')).toBe(90);
    expect(v.parse(timedeltaSeconds(), '00:01:30')).toBe(90);
    expect(firstIssue(timedeltaSeconds(), 'soon')).toEqual({ type: 'time_delta_parsing', msg: 'Input should be a valid timedelta' });
  });

  it("an interval schedule's interval must be positive (value_error), as in Prefect", () => {
    expect(firstIssue(IntervalSchedule, { interval: 0 })).toEqual({ type: 'value_error', msg: 'Value error, interval must be positive' });
    expect(firstIssue(IntervalSchedule, { interval: -5 })).toEqual({ type: 'value_error', msg: 'Value error, interval must be positive' });
    expect(firstIssue(IntervalSchedule, { interval: 'soon' })?.type).toBe('time_delta_parsing');
    expect(firstIssue(IntervalSchedule, { interval: 60 })).toBeUndefined();
  });
});
