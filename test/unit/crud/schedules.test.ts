import { describe, expect, it } from 'vitest';
import * as v from 'valibot';
import { isValidCron, isValidRRule, parseIntervalSeconds, Schedule } from '../../../src/schemas/actions/schedules';
import { planScheduleUpdate } from '../../../src/queries/deployment-schedules';
import { HttpError } from '../../../src/http/errors';

describe('parseIntervalSeconds', () => {
  it('reads numbers, numeric strings, ISO durations and clock strings', () => {
    expect(parseIntervalSeconds(3600)).toBe(3600);
    expect(parseIntervalSeconds('90.5')).toBe(90.5);
    expect(parseIntervalSeconds('PT1H30M')).toBe(5400);
    expect(parseIntervalSeconds('P1D')).toBe(86400);
    expect(parseIntervalSeconds('P1W')).toBe(604800);
    expect(parseIntervalSeconds('PT0.5S')).toBe(0.5);
    expect(parseIntervalSeconds('01:00:00')).toBe(3600);
    expect(parseIntervalSeconds('1 day, 00:00:01')).toBe(86401);
    expect(parseIntervalSeconds('-PT1S')).toBe(-1);
  });
  it('rejects everything else', () => {
    for (const bad of ['P', 'PT', 'hourly', '', null, true, {}, [], Number.NaN]) expect(parseIntervalSeconds(bad)).toBeNull();
  });
});

describe('isValidCron', () => {
  it('accepts standard and named forms', () => {
    for (const ok of ['* * * * *', '0 9 * * mon-fri', '*/15 0-6 1,15 JAN-MAR 0', '0 0 L * *', '0 0 * * 5#3', '@daily', '0 0 * * * 30']) {
      expect(isValidCron(ok), ok).toBe(true);
    }
  });
  it('rejects malformed or out-of-range fields', () => {
    for (const bad of ['', '* * * *', '60 * * * *', '* 24 * * *', '* * 0 * *', '* * * 13 *', '* * * * 8', 'a b c d e', '*/x * * * *', '1-2-3 * * * *']) {
      expect(isValidCron(bad), bad).toBe(false);
    }
  });
});

describe('isValidRRule', () => {
  it('accepts bare rules, RRULE lines and DTSTART prefixes', () => {
    expect(isValidRRule('FREQ=DAILY;INTERVAL=2')).toBe(true);
    expect(isValidRRule('RRULE:FREQ=WEEKLY;BYDAY=MO,WE')).toBe(true);
    expect(isValidRRule('DTSTART:20240101T090000\nRRULE:FREQ=HOURLY;COUNT=5')).toBe(true);
  });
  it('rejects rules without a valid FREQ or with unknown parts', () => {
    for (const bad of ['', 'INTERVAL=2', 'FREQ=SOMETIMES', 'FREQ=DAILY;FOO=1', 'hello', 'FREQ=DAILY;INTERVAL']) {
      expect(isValidRRule(bad), bad).toBe(false);
    }
    expect(isValidRRule(`FREQ=DAILY;${'BYHOUR=1;'.repeat(800)}`)).toBe(false);
  });
});

describe('Schedule', () => {
  it('normalises each shape', () => {
    const interval = v.parse(Schedule, { interval: 60, anchor_date: '2024-01-01T02:00:00+02:00' });
    expect(interval).toEqual({ interval: 60, anchor_date: '2024-01-01T00:00:00Z', timezone: 'UTC' });
    expect(v.parse(Schedule, { cron: '0 0 * * *' })).toEqual({ cron: '0 0 * * *', timezone: null, day_or: true });
    expect(v.parse(Schedule, { rrule: 'FREQ=DAILY', timezone: null })).toEqual({ rrule: 'FREQ=DAILY', timezone: null });
  });
  it('rejects unknown timezones and keys', () => {
    expect(v.safeParse(Schedule, { interval: 60, timezone: 'Mars/Olympus' }).success).toBe(false);
    expect(v.safeParse(Schedule, { cron: '0 0 * * *', extra: 1 }).success).toBe(false);
    expect(v.safeParse(Schedule, { interval: 0 }).success).toBe(false);
    expect(v.safeParse(Schedule, 'daily').success).toBe(false);
  });
});

describe('planScheduleUpdate', () => {
  const s = (x: Record<string, unknown>) => ({ parameters: {}, ...x }) as never;
  const status = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return (e as HttpError).status;
    }
    return 0;
  };

  it('replaces when existing schedules lack slugs; keeps when nothing is sent', () => {
    expect(planScheduleUpdate([null], [s({ schedule: { interval: 1 } })]).kind).toBe('replace');
    expect(planScheduleUpdate([], [s({ slug: 'a', schedule: { interval: 1 } })]).kind).toBe('replace');
    expect(planScheduleUpdate([null], undefined).kind).toBe('keep');
  });
  it('patches by slug when every schedule has one, including an empty list', () => {
    const plan = planScheduleUpdate(['a', 'b'], [s({ slug: 'a' }), s({ slug: 'c', schedule: { interval: 1 } }), s({ slug: 'z', replaces: 'b' })]);
    expect(plan.kind).toBe('by_slug');
    if (plan.kind !== 'by_slug') return;
    expect(plan.patch.map((x) => x.slug)).toEqual(['a', 'z']);
    expect(plan.create.map((x) => x.slug)).toEqual(['c']);
    expect(planScheduleUpdate(['a'], [])).toEqual({ kind: 'by_slug', patch: [], create: [] });
  });
  it('422 for a missing slug, a new slug without a schedule, duplicate replaces and rename collisions', () => {
    expect(status(() => planScheduleUpdate(['a'], [s({ schedule: { interval: 1 } })]))).toBe(422);
    expect(status(() => planScheduleUpdate(['a'], [s({ slug: 'b' })]))).toBe(422);
    expect(status(() => planScheduleUpdate(['a', 'b'], [s({ slug: 'x', replaces: 'a' }), s({ slug: 'y', replaces: 'a' })]))).toBe(422);
    expect(status(() => planScheduleUpdate(['a', 'b'], [s({ slug: 'b', replaces: 'a' })]))).toBe(422);
    // Swapping two slugs is allowed: each target is itself being renamed.
    expect(status(() => planScheduleUpdate(['a', 'b'], [s({ slug: 'b', replaces: 'a' }), s({ slug: 'a', replaces: 'b' })]))).toBe(0);
  });
});
