/**
 * The scheduler against the real database, at fixed times: which runs it creates (times, keys,
 * fields), that a second or concurrent pass creates none twice, paused deployments and inactive
 * schedules, DST in America/New_York, POST /deployments/{id}/schedule, and the inline scheduling
 * and clean-up after deployment writes. Expected times are what Prefect 3.9.1 creates for the
 * same schedules (checked against its server; see the README).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { env } from 'cloudflare:workers';
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { sql } from 'drizzle-orm';
import worker from '../../../src/index';
import { runSchedulerPass } from '../../../src/services/scheduler';
import { API, post, resetDb, withDb } from '../helpers';
import { at, insertDeployment, runsOf, startTimes, withServiceContext } from './fixtures';

const NIL = '00000000-0000-0000-0000-000000000000';

// A pass visits every due deployment, and earlier test files leave scheduled deployments behind:
// start each test from an empty database so its runs, batches and statement counts are its own.
beforeEach(resetDb);
const pass = (now: number, vars: Record<string, string> = {}) =>
  withServiceContext(now, (ctx) => runSchedulerPass(ctx.db, ctx.settings.scheduler, { now, startAfter: NIL }), vars);

/** Sends a request through the Worker and waits for its waitUntil work (the inline scheduling). */
async function send(method: string, path: string, body?: unknown, vars: Record<string, string> = {}) {
  const ctx = createExecutionContext();
  const res = await worker.fetch(
    new Request(`${API}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) }),
    { ...env, ...vars },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return { status: res.status, body: (await res.json().catch(() => null)) as any };
}

describe('scheduler pass', () => {
  it('a 60 s interval deployment gets 61 runs (min_scheduled_time 1 h), with Prefect fields', async () => {
    const now = at('2026-03-07T12:00:30Z');
    const dep = await insertDeployment({
      schedules: [{ schedule: { interval: 60, anchor_date: '2026-01-01T00:00:00Z', timezone: 'UTC' }, parameters: { b: 2 } }],
      parameters: { a: 1, b: 1 },
      tags: ['nightly'],
      labels: { team: 'data' },
    });
    const result = await pass(now);
    expect(result.inserted).toBeGreaterThanOrEqual(61);
    const runs = await runsOf(dep.id);
    expect(runs).toHaveLength(61);
    expect(startTimes(runs).slice(0, 2)).toEqual(['2026-03-07T12:01:00Z', '2026-03-07T12:02:00Z']);
    expect(startTimes(runs).at(-1)).toBe('2026-03-07T13:01:00Z');
    const r = runs[0]!;
    expect(r.idempotency_key).toBe(`scheduled ${dep.id} ${dep.scheduleIds[0]} 2026-03-07 12:01:00+00:00`);
    expect([r.state_type, r.state_name, r.state_message, r.auto_scheduled]).toEqual(['SCHEDULED', 'Scheduled', 'Flow run scheduled', true]);
    expect(r.state_details.scheduled_time).toBe('2026-03-07T12:01:00+00:00');
    expect(r.tags).toEqual(['auto-scheduled', 'nightly']);
    expect(r.parameters).toEqual({ a: 1, b: 2 });
    expect(r.labels).toEqual({ team: 'data', 'prefect.flow.id': dep.flowId, 'prefect.deployment.id': dep.id });
    expect(r.created_by).toEqual({ id: dep.scheduleIds[0], display_value: 'IntervalSchedule', type: 'SCHEDULE' });
    expect(r.name).toMatch(/^[a-z]+-[a-z]+$/);
    expect(r.next_scheduled_start_time).toBe(r.expected_start_time);
  });

  it('a second pass creates nothing; a later one tops up to the horizon', async () => {
    const now = at('2026-03-07T12:00:30Z');
    const dep = await insertDeployment({ schedules: [{ schedule: { interval: 600, anchor_date: '2026-01-01T00:00:00Z', timezone: 'UTC' } }] });
    await pass(now);
    expect(await runsOf(dep.id)).toHaveLength(7);
    await pass(now);
    expect(await runsOf(dep.id)).toHaveLength(7);
    // 55 minutes later the latest run (13:10) is under an hour away: the pass schedules up to 14:00.
    await pass(now + 55 * 60_000_000);
    const runs = await runsOf(dep.id);
    expect(startTimes(runs).at(-1)).toBe('2026-03-07T14:00:00Z');
    expect(new Set(runs.map((r) => r.idempotency_key)).size).toBe(runs.length);
  });

  it('two overlapping passes never create a duplicate run', async () => {
    const now = at('2026-03-07T12:00:30Z');
    const deps = await Promise.all(
      Array.from({ length: 5 }, (_, i) => insertDeployment({ schedules: [{ schedule: { interval: 60 + i, anchor_date: '2026-01-01T00:00:00Z', timezone: 'UTC' } }] })),
    );
    const results = await Promise.all([pass(now), pass(now), pass(now)]);
    for (const d of deps) {
      const runs = await runsOf(d.id);
      expect(new Set(runs.map((r) => r.idempotency_key)).size).toBe(runs.length);
      expect(runs.length).toBeGreaterThanOrEqual(56); // an hour of 60–64 s intervals
    }
    const total = (await Promise.all(deps.map((d) => runsOf(d.id)))).reduce((n, r) => n + r.length, 0);
    expect(results.reduce((n, r) => n + r.inserted, 0)).toBeGreaterThanOrEqual(total);
  });

  it('costs one load and one insert per batch, however many deployments and runs', async () => {
    const now = at('2026-03-07T12:00:30Z');
    await Promise.all(
      Array.from({ length: 8 }, () => insertDeployment({ schedules: [{ schedule: { cron: '*/5 * * * *', timezone: 'Europe/Paris' } }, { schedule: { interval: 900, anchor_date: '2026-01-01T00:00:00Z' } }] })),
    );
    const cost = await withServiceContext(now, async (ctx, statements) => {
      const before = statements();
      const result = await runSchedulerPass(ctx.db, ctx.settings.scheduler, { now, startAfter: NIL });
      return { result, statements: statements() - before };
    });
    expect(cost.result.inserted).toBeGreaterThanOrEqual(8 * (13 + 5));
    expect(cost.statements).toBe(2);
  });

  it('skips paused deployments and inactive schedules', async () => {
    const now = at('2026-03-07T12:00:30Z');
    const paused = await insertDeployment({ paused: true, schedules: [{ schedule: { interval: 60, anchor_date: '2026-01-01T00:00:00Z', timezone: 'UTC' } }] });
    const inactive = await insertDeployment({ schedules: [{ active: false, schedule: { interval: 60, anchor_date: '2026-01-01T00:00:00Z', timezone: 'UTC' } }] });
    await pass(now);
    expect(await runsOf(paused.id)).toHaveLength(0);
    expect(await runsOf(inactive.id)).toHaveLength(0);
  });

  it('honours MIN_RUNS / MAX_RUNS / MIN_SCHEDULED_TIME / MAX_SCHEDULED_TIME', async () => {
    const now = at('2026-03-07T12:00:30Z');
    const daily = await insertDeployment({ schedules: [{ schedule: { interval: 86400, anchor_date: '2026-01-01T09:00:00Z', timezone: 'UTC' } }] });
    await pass(now);
    expect(await runsOf(daily.id)).toHaveLength(3); // min_runs
    const minutely = await insertDeployment({ schedules: [{ schedule: { interval: 60, anchor_date: '2026-01-01T00:00:00Z', timezone: 'UTC' } }] });
    await pass(now, { PREFECT_SERVER_SERVICES_SCHEDULER_MAX_RUNS: '10' });
    expect(await runsOf(minutely.id)).toHaveLength(10);
    const weekly = await insertDeployment({ schedules: [{ schedule: { interval: 7 * 86400, anchor_date: '2026-01-01T00:00:00Z', timezone: 'UTC' } }] });
    await pass(now, { PREFECT_SERVER_SERVICES_SCHEDULER_MAX_SCHEDULED_TIME: String(15 * 86400), PREFECT_SERVER_SERVICES_SCHEDULER_MIN_RUNS: '5' });
    expect(await runsOf(weekly.id)).toHaveLength(2); // the horizon wins over min_runs
  });

  it('cron with a timezone across the spring-forward change (America/New_York), as Prefect', async () => {
    const now = at('2026-03-08T05:30:00Z');
    const dep = await insertDeployment({ schedules: [{ schedule: { cron: '0 * * * *', timezone: 'America/New_York', day_or: true } }] });
    await pass(now);
    const runs = await runsOf(dep.id);
    // 01:00 EST, then 03:00 EDT (02:00 does not exist), 04:00 EDT.
    expect(startTimes(runs)).toEqual(['2026-03-08T06:00:00Z', '2026-03-08T07:00:00Z', '2026-03-08T08:00:00Z']);
    expect(runs.map((r) => r.idempotency_key.split(' ').slice(3).join(' '))).toEqual([
      '2026-03-08 01:00:00-05:00',
      '2026-03-08 03:00:00-04:00',
      '2026-03-08 04:00:00-04:00',
    ]);
  });

  it('rrule with DTSTART, interpreted in the schedule timezone', async () => {
    const now = at('2026-03-06T00:00:00Z');
    const dep = await insertDeployment({
      schedules: [{ schedule: { rrule: 'DTSTART:20260101T090000\nRRULE:FREQ=DAILY;BYHOUR=9', timezone: 'America/New_York' }, slug: 'morning' }],
    });
    await pass(now);
    const runs = await runsOf(dep.id);
    expect(startTimes(runs)).toEqual(['2026-03-06T14:00:00Z', '2026-03-07T14:00:00Z', '2026-03-08T13:00:00Z']);
    expect(runs[0]!.created_by.display_value).toBe('morning');
  });
});

describe('POST /deployments/{id}/schedule', () => {
  it('creates the runs of a window, paused deployments included, idempotently', async () => {
    const dep = await insertDeployment({
      paused: true,
      schedules: [{ schedule: { interval: 3600, anchor_date: '2026-01-01T00:00:00Z', timezone: 'America/New_York' } }],
    });
    const body = { start_time: '2026-03-08T05:00:00Z', end_time: '2026-03-08T09:00:00Z', max_runs: 3 };
    const res = await post(`/deployments/${dep.id}/schedule`, body);
    expect([res.status, res.body]).toEqual([200, null]);
    expect(await post(`/deployments/${dep.id}/schedule`, body)).toMatchObject({ status: 200 });
    const runs = await runsOf(dep.id);
    // What Prefect 3.9.1 created for the same request: 00:00 EST, 01:00 EST, 03:00 EDT.
    expect(runs.map((r) => r.idempotency_key.split(' ').slice(3).join(' '))).toEqual([
      '2026-03-08 00:00:00-05:00',
      '2026-03-08 01:00:00-05:00',
      '2026-03-08 03:00:00-04:00',
    ]);
  });

  it('an unknown deployment is a no-op (200, as Prefect); bad input is a 422', async () => {
    expect(await post(`/deployments/${crypto.randomUUID()}/schedule`, {})).toMatchObject({ status: 200, body: null });
    const bad = await post(`/deployments/${crypto.randomUUID()}/schedule`, { min_runs: 'x' });
    expect(bad.status).toBe(422);
    expect(bad.body.exception_detail[0]).toMatchObject({ type: 'int_parsing', loc: ['body', 'min_runs'] });
  });
});

describe('scheduling after deployment writes', () => {
  it('runs appear as soon as a deployment with a schedule is created, and follow a schedule change', async () => {
    const flow = await post('/flows/', { name: `svc-${crypto.randomUUID().slice(0, 8)}` });
    const created = await send('POST', '/deployments/', {
      name: 'inline',
      flow_id: flow.body.id,
      schedules: [{ schedule: { interval: 600 } }],
    });
    expect(created.status).toBe(201);
    const id = created.body.id;
    const first = await runsOf(id);
    expect(first.length).toBeGreaterThanOrEqual(6);
    // A new schedule replaces the old: its future auto-scheduled runs go, the new ones come.
    const changed = await send('PATCH', `/deployments/${id}`, { schedules: [{ schedule: { interval: 900 } }] });
    expect(changed.status).toBe(204);
    const after = await runsOf(id);
    expect(after.some((r) => first.some((f) => f.id === r.id))).toBe(false);
    const gaps = startTimes(after).slice(1).map((t, i) => (Date.parse(t) - Date.parse(startTimes(after)[i]!)) / 1000);
    expect(new Set(gaps)).toEqual(new Set([900]));
  });

  it('PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED=false also turns off the scheduling after deployment writes', async () => {
    const flow = await post('/flows/', { name: `svc-${crypto.randomUUID().slice(0, 8)}` });
    const created = await send(
      'POST',
      '/deployments/',
      { name: 'inline-off', flow_id: flow.body.id, schedules: [{ schedule: { interval: 600 } }] },
      { PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED: 'false' },
    );
    expect(created.status).toBe(201);
    expect(await runsOf(created.body.id)).toEqual([]);
  });

  it('pausing deletes the auto-scheduled runs; resuming schedules again', async () => {
    const flow = await post('/flows/', { name: `svc-${crypto.randomUUID().slice(0, 8)}` });
    const id = (await send('POST', '/deployments/', { name: 'p', flow_id: flow.body.id, schedules: [{ schedule: { interval: 3600 } }] })).body.id;
    expect((await runsOf(id)).length).toBeGreaterThan(0);
    await send('POST', `/deployments/${id}/pause_deployment`);
    expect(await runsOf(id)).toHaveLength(0);
    await send('POST', `/deployments/${id}/resume_deployment`);
    expect((await runsOf(id)).length).toBeGreaterThan(0);
  });

  it('a pass that loaded a schedule before it changed inserts nothing for it', async () => {
    const dep = await insertDeployment({ schedules: [{ schedule: { interval: 60, anchor_date: '2026-01-01T00:00:00Z', timezone: 'UTC' } }] });
    const { loadDeploymentsToSchedule, scheduleLoaded, defaultWindow } = await import('../../../src/services/scheduler');
    const now = at('2026-03-07T12:00:30Z');
    await withServiceContext(now, async (ctx) => {
      const loaded = await loadDeploymentsToSchedule(ctx.db, { kind: 'ids', ids: [dep.id] }, now, { after: NIL, upTo: 'ffffffff-ffff-ffff-ffff-ffffffffffff', limit: 1 });
      await withDb((db) => db.execute(sql`UPDATE deployment_schedule SET schedule = '{"interval": 120, "anchor_date": "2026-01-01T00:00:00Z", "timezone": "UTC"}', updated = now() WHERE deployment_id = ${dep.id}`));
      const inserted = await scheduleLoaded(ctx.db, loaded, defaultWindow(ctx.settings.scheduler, now), { autoScheduled: true, now, insertBatchSize: 500 });
      expect(inserted).toHaveLength(0);
    });
  });
});
