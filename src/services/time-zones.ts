/**
 * IANA time-zone arithmetic on epoch milliseconds with the runtime's Intl data (workerd and Node
 * ship full tzdata). A "wall" time is a local date-time encoded as if it were UTC
 * (`Date.UTC(y, m, d, h, mi, s)`), which is how the cron and rrule libraries are driven here.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(tz, f);
  }
  return f;
}

const isUtc = (tz: string) => tz === 'UTC' || tz === 'Etc/UTC' || tz === 'GMT' || tz === 'Etc/GMT' || tz === 'Z';

/** The zone's UTC offset (ms, east positive) at an instant. */
export function offsetAt(tz: string, instantMs: number): number {
  if (isUtc(tz)) return 0;
  const whole = Math.floor(instantMs / 1000) * 1000;
  const parts = formatter(tz).formatToParts(new Date(whole));
  const get = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return wall - whole;
}

/** The wall time of an instant in the zone. */
export const wallOf = (tz: string, instantMs: number) => instantMs + offsetAt(tz, instantMs);

const DAY_MS = 86_400_000;

/**
 * How a wall time that does not exist (a spring-forward gap) or exists twice (a fall-back fold)
 * becomes an instant:
 * - gap 'before': read it with the offset before the transition (the time moves forward, as
 *   Python's zoneinfo with fold=0 and pendulum do); 'after': with the offset after it (it moves
 *   back, as dateutil's tz does);
 * - fold 'earlier' (the first occurrence) or 'later' (the second).
 */
export interface Disambiguation {
  gap: 'before' | 'after';
  fold: 'earlier' | 'later';
}

export function instantOf(tz: string, wallMs: number, how: Disambiguation): number {
  if (isUtc(tz)) return wallMs;
  const before = offsetAt(tz, wallMs - DAY_MS);
  const after = offsetAt(tz, wallMs + DAY_MS);
  if (before === after) {
    // No transition near: the offset at the guessed instant is the answer (checked once more for
    // zones whose offset changed twice within two days, which tzdata does not contain).
    const guess = wallMs - before;
    const o = offsetAt(tz, guess);
    return o === before ? guess : wallMs - o;
  }
  const validBefore = offsetAt(tz, wallMs - before) === before;
  const validAfter = offsetAt(tz, wallMs - after) === after;
  if (validBefore && validAfter) return how.fold === 'earlier' ? Math.min(wallMs - before, wallMs - after) : Math.max(wallMs - before, wallMs - after);
  if (validBefore) return wallMs - before;
  if (validAfter) return wallMs - after;
  return how.gap === 'before' ? wallMs - before : wallMs - after;
}

/**
 * The first instant after `fromMs` (exclusive) and at or before `limitMs` where the zone's offset
 * changes, or null. Scans in 2-week steps (tzdata has no two transitions that close), then bisects
 * to the second.
 */
export function nextTransition(tz: string, fromMs: number, limitMs: number): number | null {
  if (isUtc(tz)) return null;
  const STEP = 14 * DAY_MS;
  let lo = fromMs;
  let base = offsetAt(tz, lo);
  while (lo < limitMs) {
    const hi = Math.min(lo + STEP, limitMs);
    if (offsetAt(tz, hi) !== base) {
      let a = lo;
      let b = hi;
      while (b - a > 1000) {
        const mid = Math.floor((a + b) / 2000) * 1000;
        if (mid <= a) break;
        if (offsetAt(tz, mid) === base) a = mid;
        else b = mid;
      }
      return b;
    }
    lo = hi;
    base = offsetAt(tz, lo);
  }
  return null;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/**
 * An instant (epoch µs) as Python's `str()` of an aware datetime in the zone:
 * `2026-03-08 03:00:00-04:00`, with `.ffffff` only when there are microseconds. Prefect puts this
 * text in scheduled runs' idempotency keys.
 */
export function pythonDateString(tz: string, instantUs: number): string {
  const ms = Math.floor(instantUs / 1000);
  const offset = offsetAt(tz, ms);
  const wallUs = instantUs + offset * 1000;
  const wholeMs = Math.floor(wallUs / 1_000_000) * 1000;
  const frac = wallUs - wholeMs * 1000;
  const d = new Date(wholeMs);
  const date = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}${frac ? `.${pad(frac, 6)}` : ''}`;
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset) / 60_000;
  return `${date} ${time}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}
