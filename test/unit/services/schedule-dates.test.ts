/**
 * Schedule dates against Prefect itself: schedule-dates.fixtures.json holds what Prefect 3.9.1's
 * schedule classes return for interval, cron and rrule schedules in five zones, from start times
 * around DST changes (scripts/schedule-fixtures.py regenerates it with Prefect's virtualenv).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { scheduleDates, scheduleSpec } from '../../../src/services/schedule-dates';
import { parseMicros } from '../../../src/time';

interface Case {
  schedule: Record<string, unknown>;
  start: string;
  end: string | null;
  n: number;
  dates: string[];
}
const cases = JSON.parse(readFileSync(new URL('./schedule-dates.fixtures.json', import.meta.url), 'utf8')) as Case[];

const ours = (c: Case) => {
  const spec = scheduleSpec(c.schedule)!;
  return [...scheduleDates(spec, parseMicros(c.start)!, c.end === null ? null : parseMicros(c.end)!, c.n)].map((d) => d.text);
};

describe('schedule dates match Prefect 3.9.1', () => {
  for (const kind of ['interval', 'cron', 'rrule']) {
    it(`${kind} schedules`, () => {
      const mine = cases.filter((c) => kind in c.schedule);
      const failures = mine.filter((c) => JSON.stringify(ours(c)) !== JSON.stringify(c.dates));
      const show = failures.slice(0, 3).map((c) => ({ ...c, ours: ours(c) }));
      expect(show, `${failures.length} of ${mine.length} differ`).toEqual([]);
    });
  }
});
