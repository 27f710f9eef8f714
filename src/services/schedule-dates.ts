/**
 * The dates a deployment schedule produces, as Prefect 3.9.1's server computes them
 * (`prefect/server/schemas/schedules.py`, the Python < 3.13 code path the reference server runs):
 *
 * - interval: `anchor_date + k·interval`. Intervals without whole days step in exact seconds (an
 *   hourly schedule fires every UTC hour across DST); intervals with days step in local calendar
 *   time (a daily 09:00 stays 09:00). A local time lost in a spring-forward gap moves forward and
 *   the series keeps the new time; a repeated local time takes its second occurrence.
 * - cron: croniter semantics over local wall times (`day_or` as croniter), each wall time read with
 *   its first occurrence, a gap time moved forward; duplicates (by instant) dropped.
 * - rrule: dateutil semantics: the rule iterates local wall times from DTSTART (default
 *   2020-01-01 00:00) read in the schedule's timezone whatever TZID says; a gap time takes the
 *   offset after the transition (it moves back), a repeated one its first occurrence.
 *
 * Every function is pure. Times are epoch microseconds; each date also carries the text Prefect
 * puts in the run's idempotency key (`str(date)` in the schedule's zone).
 */
import { Cron } from 'croner';
import { RRule, RRuleSet, rrulestr, type Options } from 'rrule';
import type { Micros } from '../time';
import { parseMicros } from '../time';
import { instantOf, nextTransition, offsetAt, pythonDateString, type Disambiguation } from './time-zones';

/** Prefect's cap on the candidate dates one schedule looks at (MAX_ITERATIONS). */
export const MAX_ITERATIONS = 1000;

export interface ScheduleDate {
  at: Micros;
  /** `str(date)` in the schedule's zone, as in Prefect's idempotency keys. */
  text: string;
}

export type ScheduleSpec =
  | { kind: 'interval'; intervalSeconds: number; anchor: Micros; timezone: string }
  | { kind: 'cron'; cron: string; timezone: string; dayOr: boolean }
  | { kind: 'rrule'; rrule: string; timezone: string };

/** Reads a stored schedule JSON; null when it is none of the three shapes. */
export function scheduleSpec(schedule: Record<string, unknown>): ScheduleSpec | null {
  const tz = typeof schedule.timezone === 'string' && schedule.timezone !== '' ? schedule.timezone : 'UTC';
  if ('interval' in schedule) {
    const seconds = Number(schedule.interval);
    const anchor = typeof schedule.anchor_date === 'string' ? parseMicros(schedule.anchor_date) : null;
    if (!Number.isFinite(seconds) || seconds <= 0 || anchor === null) return null;
    return { kind: 'interval', intervalSeconds: seconds, anchor, timezone: tz };
  }
  if (typeof schedule.cron === 'string') return { kind: 'cron', cron: schedule.cron, timezone: tz, dayOr: schedule.day_or !== false };
  if (typeof schedule.rrule === 'string') return { kind: 'rrule', rrule: schedule.rrule, timezone: tz };
  return null;
}

/** The class name Prefect shows as a scheduled run's `created_by.display_value` without a slug. */
export const scheduleClassName = (spec: ScheduleSpec) =>
  spec.kind === 'interval' ? 'IntervalSchedule' : spec.kind === 'cron' ? 'CronSchedule' : 'RRuleSchedule';

/**
 * Dates on or after `start`, at most `n`, none after `end`, generated lazily in Prefect's order
 * (the scheduler stops early once its minimums are met).
 */
export function* scheduleDates(spec: ScheduleSpec, start: Micros, end: Micros | null, n: number): Generator<ScheduleDate> {
  if (spec.kind === 'interval') yield* intervalDates(spec, start, end, n);
  else if (spec.kind === 'cron') yield* cronDates(spec, start, end, n);
  else yield* rruleDates(spec, start, end, n);
}

const DAY_US = 86_400_000_000;
const msOf = (us: Micros) => Math.floor(us / 1000);
/** The wall time (µs) of an instant in a zone. */
const wallUs = (tz: string, us: Micros) => us + offsetAt(tz, msOf(us)) * 1000;
/** The instant of a wall time (µs), keeping sub-millisecond digits. */
const instantUs = (tz: string, wall: Micros, how: Disambiguation) => {
  const ms = msOf(wall);
  return instantOf(tz, ms, how) * 1000 + (wall - ms * 1000);
};

/** pendulum's `add()` on an aware datetime: with days, local calendar arithmetic; else exact. */
const PENDULUM: Disambiguation = { gap: 'before', fold: 'later' };

function* intervalDates(spec: Extract<ScheduleSpec, { kind: 'interval' }>, start: Micros, end: Micros | null, n: number): Generator<ScheduleDate> {
  const tz = spec.timezone;
  const anchor = spec.anchor;
  const intervalUs = Math.round(spec.intervalSeconds * 1_000_000);
  const days = Math.floor(intervalUs / DAY_US);
  const secsUs = intervalUs - days * DAY_US;

  /** pendulum `dt.add(days=days·k, seconds=secs·k)`. */
  const add = (dt: Micros, k: number): Micros =>
    days === 0 ? dt + secsUs * k : instantUs(tz, wallUs(tz, dt) + k * (days * DAY_US + secsUs), PENDULUM);
  const jump = (k: number): Micros => (days === 0 || secsUs === 0 ? add(anchor, k) : anchor + intervalUs * k);

  // Prefect's dates are pendulum datetimes sharing one tzinfo object: they subtract as instants,
  // but compare and de-duplicate by wall time (fold ignored), so a repeated wall time is dropped.
  const W = (us: Micros) => wallUs(tz, us);
  let offset = 0;
  let next: Micros;
  if (W(start) >= W(anchor) && days !== 0 && secsUs === 0 && tz !== 'UTC') {
    next = seekCalendarDays(tz, anchor, start, days);
  } else {
    offset = Math.trunc((start - anchor) / intervalUs);
    next = jump(offset);
    while (W(next) > W(start)) next = jump(--offset);
  }
  const beforeAnchorDays = W(start) < W(anchor) && days !== 0 && secsUs === 0;
  const nextDate = (dt: Micros): Micros => {
    if (beforeAnchorDays && offset < 0) return jump(++offset);
    return add(dt, 1);
  };
  while (W(next) < W(start)) next = nextDate(next);

  const seen = new Set<Micros>();
  const endWall = end === null ? null : W(end);
  for (let counter = 0; ; counter++) {
    const wall = W(next);
    if (endWall !== null && wall > endWall) return;
    if (!seen.has(wall)) {
      seen.add(wall);
      yield { at: next, text: pythonDateString(tz, next) };
    }
    if (seen.size >= n || counter > MAX_ITERATIONS) return;
    next = nextDate(next);
  }
}

/**
 * Adds whole local days to `anchor` until reaching `start`, as repeated additions would (a gap can
 * move the time of every later date), but jumping across stretches without a zone transition.
 */
function seekCalendarDays(tz: string, anchor: Micros, start: Micros, days: number): Micros {
  let current = anchor;
  const localDay = (us: Micros) => Math.floor(wallUs(tz, us) / DAY_US);
  while (current < start) {
    const transition = nextTransition(tz, msOf(current), msOf(start));
    const boundary = transition !== null && transition * 1000 < start ? transition * 1000 : start;
    const count = Math.max(1, Math.floor((localDay(boundary) - localDay(current)) / days) - 1);
    current = instantUs(tz, wallUs(tz, current) + count * days * DAY_US, PENDULUM);
  }
  return current;
}

/**
 * croniter's expression syntax in croner's: croniter puts an optional seconds field 6th (croner
 * first) and an optional year 7th.
 */
export function cronerPattern(cron: string): string {
  const fields = cron.trim().split(/\s+/);
  if (fields.length === 6) return [fields[5], ...fields.slice(0, 5)].join(' ');
  if (fields.length === 7) return [fields[5], ...fields.slice(0, 5), fields[6]].join(' ');
  return fields.join(' ');
}

const CRON: Disambiguation = { gap: 'before', fold: 'earlier' };

function* cronDates(spec: Extract<ScheduleSpec, { kind: 'cron' }>, start: Micros, end: Micros | null, n: number): Generator<ScheduleDate> {
  const tz = spec.timezone;
  const job = new Cron(cronerPattern(spec.cron), { timezone: 'UTC', domAndDow: !spec.dayOr, mode: 'auto' });
  // croniter starts one second before the start's wall time (so the start itself can match).
  let wall = wallUs(tz, start);
  const fromWall = Math.ceil(wall / 1_000_000) * 1_000_000 - 1_000_000;
  // Just after a spring-forward transition, wall times inside the gap read as instants after
  // `start`: look back by the gap so they are not missed (Prefect merges them in the same way).
  const gapMs = offsetAt(tz, msOf(start)) - offsetAt(tz, msOf(start) - 6 * 3_600_000);
  let cursor = new Date(msOf(fromWall) - Math.max(0, gapMs));
  const seen = new Set<Micros>();
  for (let i = 0; i < MAX_ITERATIONS + 2; i++) {
    const nextWall = job.nextRun(cursor);
    if (!nextWall) return;
    cursor = nextWall;
    wall = nextWall.getTime() * 1000;
    const at = instantUs(tz, wall, CRON);
    if (end !== null && at > end) return;
    if (at >= start && !seen.has(at)) {
      seen.add(at);
      yield { at, text: pythonDateString(tz, at) };
    }
    if (seen.size >= n) return;
  }
}

const RRULE: Disambiguation = { gap: 'after', fold: 'earlier' };
/** dateutil's default DTSTART for Prefect's rrules without one. */
const DEFAULT_DTSTART = new Date(Date.UTC(2020, 0, 1));

const PERIOD_MS: Partial<Record<number, number>> = {
  [RRule.WEEKLY]: 7 * 86_400_000,
  [RRule.DAILY]: 86_400_000,
  [RRule.HOURLY]: 3_600_000,
  [RRule.MINUTELY]: 60_000,
  [RRule.SECONDLY]: 1000,
};

/**
 * A copy of a parsed rule that iterates "floating" wall times (its TZID is dropped, as Prefect
 * replaces DTSTART's zone with the schedule's). Rules without COUNT whose period is fixed in wall
 * time (weekly and finer) start from the last whole period before `fromWall` instead of DTSTART:
 * the same series, without iterating every occurrence since 2020 (dateutil does that).
 */
function floating(rule: RRule, fromWall: number): RRule {
  const options: Partial<Options> = { ...rule.origOptions, tzid: null };
  const dtstart = options.dtstart ?? DEFAULT_DTSTART;
  const period = options.freq === undefined ? undefined : PERIOD_MS[options.freq];
  if (period && options.count == null) {
    const step = period * (options.interval ?? 1);
    const skip = Math.floor((fromWall - dtstart.getTime()) / step) - 1;
    options.dtstart = skip > 0 ? new Date(dtstart.getTime() + skip * step) : dtstart;
  } else {
    options.dtstart = dtstart;
  }
  return new RRule(options);
}

/** Parses an rrule text as dateutil's `rrulestr` with Prefect's default DTSTART, in floating time. */
export function parseRRule(text: string, fromWall = 0): RRule | RRuleSet {
  const parsed = rrulestr(text);
  if (parsed instanceof RRuleSet) {
    const set = new RRuleSet();
    for (const r of parsed.rrules()) set.rrule(floating(r, fromWall));
    for (const r of parsed.exrules()) set.exrule(floating(r, fromWall));
    for (const d of parsed.rdates()) set.rdate(d);
    for (const d of parsed.exdates()) set.exdate(d);
    return set;
  }
  return floating(parsed, fromWall);
}

function* rruleDates(spec: Extract<ScheduleSpec, { kind: 'rrule' }>, start: Micros, end: Micros | null, n: number): Generator<ScheduleDate> {
  const tz = spec.timezone;
  // Collect wall times from a day before the start's: a day of slack covers any UTC offset.
  const after = new Date(msOf(wallUs(tz, start)) - 86_400_000);
  const rule = parseRRule(spec.rrule, after.getTime());
  const collected: Micros[] = [];
  let counter = 0;
  const seen = new Set<Micros>();
  let done = false;
  rule.between(after, new Date(8.64e15), true, (d: Date) => {
    const at = instantUs(tz, d.getTime() * 1000, RRULE);
    if (at < start) return true;
    if (end !== null && at > end) {
      done = true;
      return false;
    }
    if (!seen.has(at)) {
      seen.add(at);
      collected.push(at);
    }
    if (seen.size >= n || counter > MAX_ITERATIONS) return false;
    counter++;
    return true;
  });
  void done;
  for (const at of collected) yield { at, text: pythonDateString(tz, at) };
}
