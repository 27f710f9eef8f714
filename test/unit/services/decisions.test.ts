/** The services' pure decision functions, and readable DST cases of the schedule dates. */
import { describe, expect, it } from 'vitest';
import { planScheduledRuns, type LoadedDeployment } from '../../../src/services/scheduler';
import { scheduleDates, scheduleSpec } from '../../../src/services/schedule-dates';
import { lateProposal } from '../../../src/services/late-runs';
import { expiredPauseProposal, PAUSE_EXPIRED_MESSAGE } from '../../../src/services/pause-expirations';
import { cancellingTimeoutProposal, orphanedSubflowProposal } from '../../../src/services/cancellation-cleanup';
import { foremanDecisions } from '../../../src/services/foreman';
import { slotsToRelease } from '../../../src/services/repossessor';
import { serviceSettings } from '../../../src/services/settings';
import { formatMicros, parseMicros } from '../../../src/time';
import { NOW, SECOND, run, state } from '../orchestration/builders';

const at = (iso: string) => parseMicros(iso)!;
const texts = (schedule: Record<string, unknown>, start: string, n: number, end: string | null = null) =>
  [...scheduleDates(scheduleSpec(schedule)!, at(start), end === null ? null : at(end), n)].map((d) => d.text);

describe('schedule dates across DST in America/New_York', () => {
  const NY = 'America/New_York';
  it('hourly interval: every UTC hour (spring: 00, 01, 03 local; fall: the repeated 01:30 is dropped, as Prefect)', () => {
    const s = { interval: 3600, anchor_date: '2026-01-01T00:30:00Z', timezone: NY };
    expect(texts(s, '2026-03-08T05:00:00Z', 3)).toEqual(['2026-03-08 00:30:00-05:00', '2026-03-08 01:30:00-05:00', '2026-03-08 03:30:00-04:00']);
    expect(texts(s, '2026-11-01T05:00:00Z', 3)).toEqual(['2026-11-01 01:30:00-04:00', '2026-11-01 02:30:00-05:00', '2026-11-01 03:30:00-05:00']);
  });
  it('daily interval keeps the local time; a time lost in the gap moves forward and stays', () => {
    const s = { interval: 86400, anchor_date: '2026-03-06T07:30:00Z', timezone: NY };
    expect(texts(s, '2026-03-06T00:00:00Z', 4)).toEqual([
      '2026-03-06 02:30:00-05:00',
      '2026-03-07 02:30:00-05:00',
      '2026-03-08 03:30:00-04:00',
      '2026-03-09 03:30:00-04:00',
    ]);
  });
  it('cron: 02:30 daily moves to 03:30 on the spring day; 01:30 on the fall day is its first occurrence', () => {
    expect(texts({ cron: '30 2 * * *', timezone: NY, day_or: true }, '2026-03-07T00:00:00Z', 3)).toEqual([
      '2026-03-07 02:30:00-05:00',
      '2026-03-08 03:30:00-04:00',
      '2026-03-09 02:30:00-04:00',
    ]);
    expect(texts({ cron: '30 1 * * *', timezone: NY, day_or: true }, '2026-10-31T12:00:00Z', 2)).toEqual(['2026-11-01 01:30:00-04:00', '2026-11-02 01:30:00-05:00']);
  });
  it('cron day_or: OR (croniter default) versus AND', () => {
    expect(texts({ cron: '0 0 13 * 5', timezone: NY, day_or: true }, '2026-01-01T00:00:00Z', 3)).toEqual([
      '2026-01-02 00:00:00-05:00',
      '2026-01-09 00:00:00-05:00',
      '2026-01-13 00:00:00-05:00',
    ]);
    expect(texts({ cron: '0 0 13 * 5', timezone: NY, day_or: false }, '2026-01-01T00:00:00Z', 2)).toEqual(['2026-02-13 00:00:00-05:00', '2026-03-13 00:00:00-04:00']);
  });
  it('rrule: a gap time takes the offset after the change (dateutil), and the end bound holds', () => {
    expect(texts({ rrule: 'FREQ=DAILY;BYHOUR=2;BYMINUTE=30', timezone: NY }, '2026-03-07T00:00:00Z', 3)).toEqual([
      '2026-03-07 02:30:00-05:00',
      '2026-03-08 01:30:00-05:00',
      '2026-03-09 02:30:00-04:00',
    ]);
    expect(texts({ rrule: 'FREQ=DAILY;BYHOUR=2;BYMINUTE=30', timezone: NY }, '2026-03-07T00:00:00Z', 10, '2026-03-08T12:00:00Z')).toHaveLength(2);
  });
});

const dep = (schedules: LoadedDeployment['schedules'], over: Partial<LoadedDeployment> = {}): LoadedDeployment => ({
  id: 'd1',
  flow_id: 'f1',
  version: 'v1',
  work_queue_name: 'default',
  work_queue_id: 'q1',
  parameters: { a: 1 },
  infrastructure_document_id: null,
  tags: ['t'],
  labels: null,
  updated: '2026-01-01 00:00:00+00',
  schedules,
  ...over,
});
const sched = (schedule: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  id: 's1',
  schedule,
  parameters: {},
  slug: null,
  updated: '2026-01-01 00:00:00+00',
  ...extra,
});

describe('planScheduledRuns', () => {
  const start = at('2026-03-07T12:00:00Z');
  const window = { start, end: start + 100 * 86_400 * SECOND, minTime: 3600, minRuns: 3, maxRuns: 100 };
  const opts = { autoScheduled: true, now: start };
  it('stops once both minimums are met; max_runs and the end bound cap it', () => {
    const minutely = dep([sched({ interval: 60, anchor_date: '2026-01-01T00:00:00Z', timezone: 'UTC' })]);
    expect(planScheduledRuns([minutely], window, opts)).toHaveLength(61);
    expect(planScheduledRuns([minutely], { ...window, maxRuns: 5 }, opts)).toHaveLength(5);
    const daily = dep([sched({ interval: 86400, anchor_date: '2026-01-01T00:00:00Z', timezone: 'UTC' })]);
    expect(planScheduledRuns([daily], window, opts)).toHaveLength(3);
    expect(planScheduledRuns([daily], { ...window, end: start + 2 * 86_400 * SECOND }, opts)).toHaveLength(2);
  });
  it("builds Prefect's run: key, merged parameters, tags, labels, created_by, scheduled time in the zone", () => {
    const [r] = planScheduledRuns(
      [dep([sched({ cron: '0 9 * * *', timezone: 'America/New_York' }, { parameters: { b: 2 }, slug: 'nine' })], { labels: { x: 'y' } })],
      window,
      opts,
    );
    expect(r).toMatchObject({
      idempotency_key: 'scheduled d1 s1 2026-03-07 09:00:00-05:00',
      parameters: { a: 1, b: 2 },
      tags: ['auto-scheduled', 't'],
      labels: { x: 'y', 'prefect.flow.id': 'f1', 'prefect.deployment.id': 'd1' },
      created_by: { id: 's1', display_value: 'nine', type: 'SCHEDULE' },
      at: '2026-03-07T14:00:00Z',
      auto_scheduled: true,
      work_queue_id: 'q1',
      deployment_version: 'v1',
    });
    expect(r!.state_details.scheduled_time).toBe('2026-03-07T09:00:00-05:00');
  });
  it('skips a schedule it cannot read, keeps the others', () => {
    const runs = planScheduledRuns([dep([sched({ bogus: 1 }), sched({ interval: 3600, anchor_date: '2026-01-01T00:00:00Z' }, { id: 's2' })])], window, opts);
    expect(new Set(runs.map((r) => r.schedule_id))).toEqual(new Set(['s2']));
  });
});

describe('decisions of the other services', () => {
  it('late: only Scheduled runs past the threshold, with their scheduled time', () => {
    const due = run(state('SCHEDULED'), { nextScheduledStartTime: NOW - 20 * SECOND });
    const p = lateProposal(due, NOW, NOW - 15 * SECOND)!;
    expect([p.type, p.name, p.stateDetails.scheduled_time]).toEqual(['SCHEDULED', 'Late', formatMicros(NOW - 20 * SECOND)]);
    expect(lateProposal(run(state('SCHEDULED'), { nextScheduledStartTime: NOW - 10 * SECOND }), NOW, NOW - 15 * SECOND)).toBeNull();
    expect(lateProposal(run(state('SCHEDULED', { name: 'Late' }), { nextScheduledStartTime: NOW - 99 * SECOND }), NOW, NOW - 15 * SECOND)).toBeNull();
    expect(lateProposal(run(state('PENDING'), { nextScheduledStartTime: NOW - 99 * SECOND }), NOW, NOW - 15 * SECOND)).toBeNull();
  });
  it('pause expirations: FAILED once pause_timeout has passed', () => {
    const paused = (t: number) => run(state('PAUSED', { details: { pause_timeout: formatMicros(t) } }));
    expect(expiredPauseProposal(paused(NOW - SECOND), NOW, NOW)).toMatchObject({ type: 'FAILED', message: PAUSE_EXPIRED_MESSAGE });
    expect(expiredPauseProposal(paused(NOW + SECOND), NOW, NOW)).toBeNull();
    expect(expiredPauseProposal(run(state('PAUSED')), NOW, NOW)).toBeNull();
  });
  it('cancellation: timeouts cancel, orphaned subflows cancel (deployment runs: CANCELLING, once)', () => {
    expect(cancellingTimeoutProposal(run(state('CANCELLING')), NOW)?.type).toBe('CANCELLED');
    expect(cancellingTimeoutProposal(run(state('CANCELLED')), NOW)).toBeNull();
    expect(orphanedSubflowProposal(run(state('RUNNING')), NOW)?.type).toBe('CANCELLED');
    expect(orphanedSubflowProposal(run(state('RUNNING'), { deploymentId: 'd' }), NOW)?.type).toBe('CANCELLING');
    expect(orphanedSubflowProposal(run(state('CANCELLING'), { deploymentId: 'd' }), NOW)).toBeNull();
    expect(orphanedSubflowProposal(run(state('COMPLETED')), NOW)).toBeNull();
  });
  it('foreman: heartbeat × multiple (or the fallback), pools left without online workers, polls', () => {
    const s = serviceSettings({}).foreman;
    const ago = (seconds: number) => formatMicros(NOW - seconds * SECOND);
    const d = foremanDecisions(
      {
        workers: [
          { id: 'w1', last_heartbeat_time: ago(91), heartbeat_interval_seconds: 30 },
          { id: 'w2', last_heartbeat_time: ago(89), heartbeat_interval_seconds: 30 },
          { id: 'w3', last_heartbeat_time: ago(91), heartbeat_interval_seconds: null },
          { id: 'w4', last_heartbeat_time: ago(100), heartbeat_interval_seconds: 60 },
        ],
        pools: [
          { id: 'p1', online: ['w1', 'w3'] },
          { id: 'p2', online: ['w1', 'w2'] },
          { id: 'p3', online: [] },
        ],
        deployments: [
          { id: 'd1', last_polled: ago(61), queue_last_polled: null },
          { id: 'd2', last_polled: ago(61), queue_last_polled: ago(5) },
          { id: 'd3', last_polled: ago(30), queue_last_polled: null },
        ],
        queues: [
          { id: 'q1', last_polled: ago(61) },
          { id: 'q2', last_polled: ago(59) },
        ],
      },
      NOW,
      s,
    );
    expect(d).toEqual({ offlineWorkers: ['w1', 'w3'], notReadyPools: ['p1', 'p3'], notReadyDeployments: ['d1'], notReadyQueues: ['q1'] });
  });
  it('repossessor: slots per limit summed over expired leases', () => {
    expect(
      slotsToRelease([
        { id: 'l1', resource_ids: ['a', 'b'], slots: 1 },
        { id: 'l2', resource_ids: ['a'], slots: 2 },
      ]),
    ).toEqual(
      new Map([
        ['a', 3],
        ['b', 1],
      ]),
    );
  });
});
