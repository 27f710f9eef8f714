"""Writes test/unit/services/schedule-dates.fixtures.json: the dates Prefect's own schedule classes
produce for a set of schedules and start times (run with the Prefect 3.9.1 virtualenv's python:
`/path/to/prefect-venv/bin/python scripts/schedule-fixtures.py`). The unit test compares ours."""
import datetime, json, pathlib
from prefect.server.schemas.schedules import IntervalSchedule, CronSchedule, RRuleSchedule

U = datetime.timezone.utc
def t(s): return datetime.datetime.fromisoformat(s.replace('Z', '+00:00'))

starts = ['2026-03-07T12:00:00Z', '2026-03-08T06:30:00Z', '2026-03-08T07:10:00Z', '2026-10-31T12:00:00Z',
          '2026-11-01T05:20:00Z', '2026-11-01T06:10:00Z', '2026-03-29T00:30:00Z', '2026-10-25T00:30:00Z',
          '2026-04-05T15:30:00Z', '2026-12-04T14:00:00.250000Z']
zones = ['UTC', 'America/New_York', 'Europe/Paris', 'Australia/Sydney', 'Asia/Kolkata']
schedules = []
for tz in zones:
    for iv, anchor in [(60, '2026-01-01T00:00:00Z'), (3600, '2026-01-01T00:30:00Z'), (86400, '2026-01-05T07:30:00Z'),
                       (86400, '2025-11-02T06:30:00Z'), (90000, '2026-02-01T00:00:00Z'), (7 * 86400, '2025-06-01T13:00:00Z'),
                       (900.5, '2026-12-01T00:00:00.123456Z'), (86400, '2027-01-01T09:00:00Z'), (2 * 3600, '2027-01-01T09:00:00Z')]:
        schedules.append({'interval': iv, 'anchor_date': anchor, 'timezone': tz})
    for cron in ['* * * * *', '0 * * * *', '30 2 * * *', '30 1 * * *', '*/20 1-3 * * *', '0 9 * * 1-5', '0 0 13 * 5', '15 10 L * *', '0 12 * * 0,7', '@daily', '0 9 1-7 * 1']:
        for day_or in ([True, False] if ' 13 ' in cron or '1-7' in cron else [True]):
            schedules.append({'cron': cron, 'timezone': tz, 'day_or': day_or})
    for rr in ['FREQ=DAILY;BYHOUR=2;BYMINUTE=30', 'FREQ=HOURLY', 'FREQ=DAILY;BYHOUR=1;BYMINUTE=30',
               'DTSTART:20260101T090000\nRRULE:FREQ=WEEKLY;BYDAY=MO,WE,FR',
               'DTSTART;TZID=Europe/Paris:20260101T090000\nRRULE:FREQ=MONTHLY;BYMONTHDAY=1,15',
               'DTSTART:20260301T083000Z\nRRULE:FREQ=DAILY;COUNT=20', 'FREQ=MINUTELY;INTERVAL=30;BYHOUR=9,10',
               'DTSTART:20260101T120000\nRRULE:FREQ=DAILY\nEXDATE:20260309T120000']:
        schedules.append({'rrule': rr, 'timezone': tz})

cases = []
for s in schedules:
    cls = IntervalSchedule if 'interval' in s else CronSchedule if 'cron' in s else RRuleSchedule
    sched = cls(**s)
    for st in starts:
        start = t(st)
        for n, end in [(8, None), (100, start + datetime.timedelta(hours=3))]:
            try:
                dates = [str(d) for d in sched._get_dates_generator(n=n, start=start, end=end)]
            except Exception as e:  # noqa
                dates = {'error': repr(e)}
            cases.append({'schedule': s, 'start': st, 'end': end.isoformat() if end else None, 'n': n, 'dates': dates})

out = pathlib.Path(__file__).resolve().parent.parent / 'test/unit/services/schedule-dates.fixtures.json'
out.write_text(json.dumps(cases, separators=(',', ':')))
print(f'{len(cases)} cases -> {out}')
