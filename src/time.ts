/**
 * Microsecond-precision time. Prefect's timestamps have microseconds and clients can observe them
 * (inclusive filter bounds, state ordering), so times are kept as ISO strings or integer
 * microseconds since the epoch, never as JS `Date` (milliseconds).
 */

/** Microseconds since the epoch; fits a double exactly until year 2255. */
export type Micros = number;

const PG_OR_ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?(?::?\d{2})?)?$/;

/**
 * Parses an ISO 8601 datetime, or Postgres' text output, to epoch microseconds.
 * Naive values are UTC (as Prefect treats them); digits beyond microseconds are truncated.
 * Returns null when the text is not a datetime.
 */
export function parseMicros(text: string): Micros | null {
  const m = PG_OR_ISO.exec(text.trim());
  if (!m) return null;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', off] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 24 || minute > 59 || second > 59) return null;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(Date.UTC(year, month - 1, day));
  if (check.getUTCDate() !== day) return null; // 2021-02-30 and friends
  let offsetSeconds = 0;
  if (off && off !== 'Z' && off !== 'z') {
    const digits = off.slice(1).replace(/:/g, '');
    const oh = Number(digits.slice(0, 2));
    const om = Number(digits.slice(2, 4) || '0');
    const os = Number(digits.slice(4, 6) || '0');
    if (oh > 23 || om > 59) return null;
    offsetSeconds = (off[0] === '-' ? -1 : 1) * (oh * 3600 + om * 60 + os);
  }
  const micros = Number((frac + '000000').slice(0, 6));
  return (ms / 1000 - offsetSeconds) * 1_000_000 + micros;
}

/** Formats epoch microseconds the way Prefect does: UTC, `Z`, and a 6-digit fraction only when non-zero. */
export function formatMicros(us: Micros): string {
  const seconds = Math.floor(us / 1_000_000);
  const frac = us - seconds * 1_000_000;
  const base = new Date(seconds * 1000).toISOString().slice(0, 19);
  return frac === 0 ? `${base}Z` : `${base}.${String(frac).padStart(6, '0')}Z`;
}

/** A Postgres timestamptz (as text) in Prefect's output format; null stays null. */
export function formatTimestamp(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const us = parseMicros(value);
  return us === null ? value : formatMicros(us);
}

/** A value to bind for a timestamptz parameter: full precision, explicit UTC. */
export function toPgTimestamp(us: Micros): string {
  const seconds = Math.floor(us / 1_000_000);
  const frac = us - seconds * 1_000_000;
  return `${new Date(seconds * 1000).toISOString().slice(0, 19)}.${String(frac).padStart(6, '0')}+00:00`;
}

/** The wall clock in microseconds. Workers freeze `Date.now()` between I/O; callers that need
 * distinct timestamps within one request must add their own offsets (see the orchestration engine). */
export function nowMicros(): Micros {
  return Date.now() * 1000;
}
