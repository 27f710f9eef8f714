/**
 * Event retention, driven with a chosen `now`: expired events and their resource rows go, newer ones
 * stay, a tick is bounded and leaves the rest for the next, and two overlapping ticks delete each
 * event once.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { env } from 'cloudflare:workers';
import { resetDb, withDb } from '../helpers';
import { at, withServiceContext } from './fixtures';
import { insertEvents } from '../../../src/queries/events';
import type { ReceivedEvent } from '../../../src/events/received';
import { runEventRetention } from '../../../src/services/event-retention';
import { parseDuration, serviceSettings } from '../../../src/services/settings';
import { runServices } from '../../../src/services';
import { formatMicros } from '../../../src/time';

/** The Worker's env with extra vars (settings are read by name). */
const withVars = (vars: Record<string, string>) => ({ ...env, ...vars }) as typeof env;

const DAY = 86_400 * 1_000_000;
const NOW = at('2026-03-20T12:00:00Z');

/** An event that occurred `ageDays` before NOW, naming a flow run and two related resources. */
const event = (ageDays: number): ReceivedEvent => ({
  id: crypto.randomUUID(),
  occurred: formatMicros(NOW - ageDays * DAY),
  event: 'test.retention',
  resource: { 'prefect.resource.id': `prefect.flow-run.${crypto.randomUUID()}` },
  related: [
    { 'prefect.resource.id': 'prefect.flow.x', 'prefect.resource.role': 'flow' },
    { 'prefect.resource.id': 'prefect.tag.t', 'prefect.resource.role': 'tag' },
  ],
  payload: {},
  follows: null,
  received: formatMicros(NOW - ageDays * DAY),
} as unknown as ReceivedEvent);

async function store(ageDays: number[]): Promise<string[]> {
  const events = ageDays.map(event);
  await withDb((db) => insertEvents(db, events));
  return events.map((e) => e.id);
}

const remaining = async () =>
  (await withDb((db) => db.execute(sql`
    SELECT (SELECT array_agg(id::text ORDER BY id) FROM event) AS events,
           (SELECT count(*)::int FROM event_resource) AS resources,
           (SELECT count(*)::int FROM event_resource r WHERE NOT EXISTS (SELECT 1 FROM event e WHERE e.id = r.event_id)) AS orphans`)))
    .rows[0] as { events: string[] | null; resources: number; orphans: number };

describe('event retention', () => {
  beforeEach(async () => {
    await resetDb();
  });

  it('deletes events older than 7 days with their resource rows, in one statement; newer ones stay', async () => {
    const old = await store([30, 8, 7.01]);
    const kept = await store([6.99, 1, 0]);
    const { result, statements } = await withServiceContext(NOW, async (ctx, count) => {
      const before = count();
      const result = await runEventRetention(ctx);
      return { result, statements: count() - before };
    });
    expect(result).toEqual({ events: 3, resources: 9 });
    expect(statements).toBe(1);
    const left = await remaining();
    expect(left.events).toEqual([...kept].sort());
    expect(left.events).not.toContain(old[0]);
    expect([left.resources, left.orphans]).toEqual([9, 0]);
    // Nothing more to do.
    expect(await withServiceContext(NOW, runEventRetention)).toEqual({ events: 0, resources: 0 });
  });

  it('honours PREFECT_EVENTS_RETENTION_PERIOD (and its PREFECT_SERVER_EVENTS_ name, which wins)', async () => {
    await store([3, 1.5, 0.5]);
    expect(await withServiceContext(NOW, runEventRetention, { PREFECT_EVENTS_RETENTION_PERIOD: 'P2D' })).toMatchObject({ events: 1 });
    expect(
      await withServiceContext(NOW, runEventRetention, { PREFECT_EVENTS_RETENTION_PERIOD: 'P30D', PREFECT_SERVER_EVENTS_RETENTION_PERIOD: '1 day, 00:00:00' }),
    ).toMatchObject({ events: 1 });
    expect((await remaining()).events).toHaveLength(1);
  });

  it('a tick deletes at most the configured number of events, oldest first; the next tick takes the rest', async () => {
    const ids = await store([20, 19, 18, 17, 16]);
    const vars = { PREFECT_SERVER_SERVICES_DB_VACUUM_EVENTS_PER_TICK: '2' };
    expect(await withServiceContext(NOW, runEventRetention, vars)).toEqual({ events: 2, resources: 6 });
    expect((await remaining()).events).toEqual(ids.slice(2).sort());
    expect(await withServiceContext(NOW, runEventRetention, vars)).toEqual({ events: 2, resources: 6 });
    expect(await withServiceContext(NOW, runEventRetention, vars)).toEqual({ events: 1, resources: 3 });
    expect(await remaining()).toEqual({ events: null, resources: 0, orphans: 0 });
  });

  it('two overlapping ticks delete each event once', async () => {
    await store(Array.from({ length: 40 }, (_, i) => 10 + i / 10));
    const vars = { PREFECT_SERVER_SERVICES_DB_VACUUM_EVENTS_PER_TICK: '30' };
    const [a, b] = await Promise.all([withServiceContext(NOW, runEventRetention, vars), withServiceContext(NOW, runEventRetention, vars)]);
    expect(a.events + b.events).toBeLessThanOrEqual(40);
    expect(a.events + b.events).toBeGreaterThanOrEqual(30);
    expect(a.resources + b.resources).toBe(3 * (a.events + b.events));
    const after = await withServiceContext(NOW, runEventRetention, vars);
    expect(a.events + b.events + after.events).toBe(40);
    expect(await remaining()).toEqual({ events: null, resources: 0, orphans: 0 });
  });

  it('an unreadable retention period deletes nothing and reports an error through the driver', async () => {
    await store([30]);
    const results = await runServices(withVars({ PREFECT_EVENTS_RETENTION_PERIOD: 'a week' }), { now: NOW, only: ['event_retention'] });
    expect(results.event_retention).toHaveProperty('error');
    expect((await remaining()).events).toHaveLength(1);
  });

  it('is off when db_vacuum excludes "events" or the event persister is disabled, as in Prefect', async () => {
    await store([30]);
    for (const vars of [{ PREFECT_SERVER_SERVICES_DB_VACUUM_ENABLED: 'flow_runs' }, { PREFECT_SERVER_SERVICES_EVENT_PERSISTER_ENABLED: 'false' }] as Record<string, string>[]) {
      expect(await runServices(withVars(vars), { now: NOW, only: ['event_retention'] })).toEqual({});
    }
    expect((await remaining()).events).toHaveLength(1);
    // Prefect maps "false" to the default set, which keeps events.
    const results = await runServices(withVars({ PREFECT_SERVER_SERVICES_DB_VACUUM_ENABLED: 'false' }), { now: NOW, only: ['event_retention'] });
    expect(results.event_retention).toEqual({ events: 1, resources: 3 });
  });
});

describe('PREFECT_EVENTS_RETENTION_PERIOD values', () => {
  it('reads the forms Prefect reads, plus bare seconds', () => {
    const cases: [string, number | null][] = [
      ['P7D', 7 * 86_400],
      ['P1W', 7 * 86_400],
      ['PT1H', 3600],
      ['P1DT2H30M', 86_400 + 2 * 3600 + 1800],
      ['P0.5D', 43_200],
      ['7 days, 0:00:00', 7 * 86_400],
      ['1 day, 01:00:00', 90_000],
      ['3 days', 3 * 86_400],
      ['2d', 2 * 86_400],
      ['1d,01:02:03', 86_400 + 3723],
      ['01:00:00', 3600],
      ['604800', 604_800],
      ['a week', null],
      ['P', null],
      ['PT', null],
      ['1d 2h', null],
      ['-P1D', null],
    ];
    for (const [text, seconds] of cases) expect([text, parseDuration(text)]).toEqual([text, seconds]);
    expect(serviceSettings({}).eventRetention).toEqual({ enabled: true, retentionSeconds: 7 * 86_400, eventsPerTick: 2000 });
  });
});
