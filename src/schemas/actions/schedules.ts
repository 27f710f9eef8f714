/**
 * Deployment schedules: the three schedule shapes (interval, cron, rrule; unknown keys are
 * forbidden) and DeploymentScheduleCreate / DeploymentScheduleUpdate.
 *
 * A schedule is stored as JSON the way Prefect stores it: `interval` as float seconds, `anchor_date`
 * as a UTC datetime string, and the timezone resolved.
 */
import * as v from 'valibot';
import { dateTime, issueMessage, jsonObject, laxBool, laxFloat, laxInt, model, opt, str } from '../common';
import { formatMicros, nowMicros } from '../../time';
import { positiveInt } from './fields';

/** PREFECT_DEPLOYMENT_SCHEDULE_MAX_SCHEDULED_RUNS' default. */
export const MAX_SCHEDULED_RUNS = 50;

const valueError = (msg: string) => issueMessage('value_error', `Value error, ${msg}`, { error: {} });

const ISO_DURATION =
  /^([+-])?P(?:(\d+(?:[.,]\d+)?)Y)?(?:(\d+(?:[.,]\d+)?)M)?(?:(\d+(?:[.,]\d+)?)W)?(?:(\d+(?:[.,]\d+)?)D)?(?:T(?:(\d+(?:[.,]\d+)?)H)?(?:(\d+(?:[.,]\d+)?)M)?(?:(\d+(?:[.,]\d+)?)S)?)?$/i;
const CLOCK = /^([+-])?(?:(\d+) days?, )?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/;

/**
 * Reads a timedelta the way Pydantic does: seconds as a number or numeric string, an ISO 8601
 * duration (`PT1H`, `P1DT2H`; years are 365 days and months 30, as Pydantic counts them), or a
 * clock string (`01:00:00`, `1 day, 01:00:00`). Returns seconds, or null when unreadable.
 */
export function parseIntervalSeconds(x: unknown): number | null {
  if (typeof x === 'number') return Number.isFinite(x) ? x : null;
  if (typeof x !== 'string') return null;
  const t = x.trim();
  if (/^[+-]?\d+(\.\d+)?$/.test(t)) return Number(t);
  const iso = ISO_DURATION.exec(t);
  if (iso && /\d/.test(t)) {
    const n = (i: number) => Number((iso[i] ?? '0').replace(',', '.'));
    const s = n(2) * 365 * 86400 + n(3) * 30 * 86400 + n(4) * 7 * 86400 + n(5) * 86400 + n(6) * 3600 + n(7) * 60 + n(8);
    return iso[1] === '-' ? -s : s;
  }
  const clock = CLOCK.exec(t);
  if (clock) {
    const s =
      Number(clock[2] ?? 0) * 86400 + Number(clock[3]) * 3600 + Number(clock[4]) * 60 + Number(clock[5]) +
      Number(`0.${clock[6] ?? '0'}`);
    return clock[1] === '-' ? -s : s;
  }
  return null;
}

/**
 * A timedelta given as seconds, ISO 8601 or a clock string; seconds out. `refusal` may refuse a
 * parsed value: the issue message, or null to accept it.
 */
export const timedeltaSeconds = (refusal?: (seconds: number) => string | null) =>
  v.pipe(
    v.unknown(),
    v.rawTransform(({ dataset, addIssue, NEVER }) => {
      const seconds = parseIntervalSeconds(dataset.value);
      if (seconds === null) {
        addIssue({ message: issueMessage('time_delta_parsing', 'Input should be a valid timedelta') });
        return NEVER;
      }
      const refused = refusal?.(seconds) ?? null;
      if (refused !== null) {
        addIssue({ message: refused });
        return NEVER;
      }
      return seconds;
    }),
  );

const positiveInterval = () => timedeltaSeconds((seconds) => (seconds <= 0 ? valueError('interval must be positive') : null));

/** True when the runtime knows the IANA zone (Prefect checks its own tz list). */
export function isKnownTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const timezone = () =>
  v.pipe(
    str(),
    v.check(
      (tz) => tz === '' || isKnownTimezone(tz),
      (issue) => valueError(`Invalid timezone: "${String(issue.input)}" (specify in IANA tzdata format, for example, America/New_York)`),
    ),
  );

const CRON_FIELDS: [min: number, max: number, names?: string[]][] = [
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12, ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec']],
  [0, 7, ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat']],
];
const CRON_ALIASES = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);

/** A structural check of a 5-field cron string (croniter's syntax minus random/hashed fields). */
export function isValidCron(expr: string): boolean {
  const t = expr.trim();
  if (CRON_ALIASES.has(t.toLowerCase())) return true;
  const fields = t.split(/\s+/);
  // croniter also accepts a 6th (seconds) and 7th (year) field.
  if (fields.length < 5 || fields.length > 7) return false;
  return fields.every((field, i) => {
    const [min, max, names] = CRON_FIELDS[i] ?? [0, 59];
    const spec = i === 6 ? [1970, 2099] : [min, max];
    const value = (s: string) => {
      const k = names?.indexOf(s.toLowerCase()) ?? -1;
      const n = k >= 0 ? k + (i === 3 ? 1 : 0) : /^\d+$/.test(s) ? Number(s) : NaN;
      return n >= (spec[0] as number) && n <= (spec[1] as number);
    };
    return field.split(',').every((part) => {
      if (i === 2 && /^(L|LW|\d{1,2}W)$/i.test(part)) return true;
      if (i === 4 && /^([0-7]|[a-z]{3})(#[1-5]|L)$/i.test(part)) return true;
      const [range = '', step, extra] = part.split('/');
      if (extra !== undefined || (step !== undefined && !/^\d+$/.test(step))) return false;
      if (range === '*' || range === '?') return true;
      const [a = '', b, more] = range.split('-');
      return more === undefined && value(a) && (b === undefined || value(b));
    });
  });
}

const RRULE_KEYS = new Set([
  'FREQ', 'INTERVAL', 'COUNT', 'UNTIL', 'BYSECOND', 'BYMINUTE', 'BYHOUR', 'BYDAY', 'BYWEEKDAY',
  'BYMONTHDAY', 'BYYEARDAY', 'BYWEEKNO', 'BYMONTH', 'BYSETPOS', 'WKST', 'BYEASTER', 'TZID',
]);
const FREQS = new Set(['YEARLY', 'MONTHLY', 'WEEKLY', 'DAILY', 'HOURLY', 'MINUTELY', 'SECONDLY']);
/** Prefect's cap on an rrule string (about a year of RDATEs). */
const MAX_RRULE_LENGTH = 6500;

/** A structural check of an iCalendar rule set, in the forms dateutil's rrulestr reads. */
export function isValidRRule(text: string): boolean {
  if (text.length > MAX_RRULE_LENGTH) return false;
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  if (lines.length === 0) return false;
  const ruleOk = (rule: string) => {
    const parts = rule.split(';').filter(Boolean).map((p) => p.split('='));
    const freq = parts.find(([k]) => k?.toUpperCase() === 'FREQ')?.[1];
    return !!freq && FREQS.has(freq.toUpperCase()) && parts.every(([k, val, more]) => !!k && RRULE_KEYS.has(k.toUpperCase()) && !!val && more === undefined);
  };
  return lines.every((line) => {
    const m = /^([A-Z]+)(;[^:]*)?:(.*)$/i.exec(line);
    if (!m) return lines.length === 1 && ruleOk(line);
    const name = (m[1] ?? '').toUpperCase();
    if (name === 'RRULE' || name === 'EXRULE') return ruleOk(m[3] ?? '');
    return ['DTSTART', 'RDATE', 'EXDATE'].includes(name) && (m[3] ?? '') !== '';
  });
}

export const IntervalSchedule = v.pipe(
  model({
    interval: positiveInterval(),
    anchor_date: v.optional(dateTime()),
    timezone: opt(timezone()),
  }),
  // A missing anchor means "now"; a missing timezone is inferred as UTC (offsets are not zones).
  v.transform((s) => ({
    interval: s.interval,
    anchor_date: s.anchor_date ?? formatMicros(nowMicros()),
    timezone: s.timezone ?? 'UTC',
  })),
);

export const CronSchedule = v.pipe(
  model({
    cron: v.pipe(
      str(),
      v.check((c) => !/(^|\s)[RrHh](\s|$)/.test(c), (i) => valueError(`Random and Hashed expressions are unsupported, received: "${String(i.input)}"`)),
      v.check(isValidCron, (i) => valueError(`Invalid cron string: "${String(i.input)}"`)),
    ),
    timezone: opt(timezone()),
    day_or: v.optional(laxBool(), true),
  }),
  v.transform((s) => ({ cron: s.cron, timezone: s.timezone ?? null, day_or: s.day_or })),
);

export const RRuleSchedule = v.pipe(
  model({
    rrule: v.pipe(str(), v.check(isValidRRule, (i) => valueError(`Invalid RRule string "${String(i.input)}"`))),
    timezone: v.optional(v.nullable(timezone()), 'UTC'),
  }),
  v.transform((s) => ({ rrule: s.rrule, timezone: s.timezone })),
);

const NO_SCHEDULE_KIND = v.pipe(
  v.unknown(),
  v.check(() => false, valueError("a schedule needs one of 'interval', 'cron' or 'rrule'")),
);
const NOT_AN_OBJECT = v.pipe(
  v.unknown(),
  v.check(() => false, issueMessage('model_attributes_type', 'Input should be a valid dictionary or object to extract fields from')),
);

/** One of the three shapes, chosen by its defining key (Pydantic tries each member in turn). */
export const Schedule = v.lazy((input: unknown) => {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return NOT_AN_OBJECT;
  if ('interval' in input) return IntervalSchedule;
  if ('cron' in input) return CronSchedule;
  if ('rrule' in input) return RRuleSchedule;
  return NO_SCHEDULE_KIND;
});
export type Schedule = Record<string, unknown>;

const maxScheduledRuns = () =>
  v.pipe(
    positiveInt(),
    v.maxValue(MAX_SCHEDULED_RUNS, valueError(`\`max_scheduled_runs\` must be less than or equal to ${MAX_SCHEDULED_RUNS}.`)),
  );

export const DeploymentScheduleCreate = model({
  active: v.optional(laxBool(), true),
  schedule: Schedule,
  max_scheduled_runs: opt(maxScheduledRuns()),
  parameters: v.optional(jsonObject(), {}),
  slug: opt(str()),
  replaces: opt(str()),
});
export type DeploymentScheduleCreate = v.InferOutput<typeof DeploymentScheduleCreate>;

export const DeploymentScheduleUpdate = model({
  active: opt(laxBool()),
  schedule: opt(Schedule),
  max_scheduled_runs: opt(maxScheduledRuns()),
  parameters: v.optional(jsonObject(), {}),
  slug: opt(str()),
  replaces: opt(str()),
});
export type DeploymentScheduleUpdate = v.InferOutput<typeof DeploymentScheduleUpdate>;

/** POST /deployments/{id}/schedule: embedded body parameters, each optional (the settings' defaults). */
export const DeploymentScheduleRuns = v.object({
  start_time: opt(dateTime()),
  end_time: opt(dateTime()),
  min_time: opt(laxFloat()),
  min_runs: opt(laxInt()),
  max_runs: opt(laxInt()),
});
