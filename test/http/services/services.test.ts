/**
 * Late runs, pause expirations, cancellation cleanup and the foreman against the real database,
 * each driven by calling the service with a chosen `now` (never by waiting for a tick).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { post, randomName, resetDb, withDb } from '../helpers';
import { createTaskRun, force, runIn } from '../orchestration/fixtures';
import { runLateRuns } from '../../../src/services/late-runs';
import { runPauseExpirations, PAUSE_EXPIRED_MESSAGE } from '../../../src/services/pause-expirations';
import { cancelChildTaskRuns, cancelOrphanedSubflows, cancelTimedOutCancellations, PARENT_CANCELLED_MESSAGE } from '../../../src/services/cancellation-cleanup';
import { runForeman } from '../../../src/services/foreman';
import { runServices } from '../../../src/services';
import { env } from 'cloudflare:workers';
import { at, insertDeployment, withServiceContext } from './fixtures';
import { nowMicros, toPgTimestamp } from '../../../src/time';

const SEC = 1_000_000;

// The services act on every row that is due, and earlier test files leave due rows behind (runs
// scheduled in 2024, say): start each test from an empty database so counts and batches are its own.
beforeEach(resetDb);
const latest = async (runId: string) =>
  (await withDb((db) => db.execute(sql`SELECT s.type, s.name, s.message, s.state_details FROM flow_run r JOIN flow_run_state s ON s.id = r.state_id WHERE r.id = ${runId}`)))
    .rows[0] as { type: string; name: string; message: string | null; state_details: Record<string, unknown> };

describe('late runs', () => {
  it('a Scheduled run more than 15 s past its time becomes Late (scheduled time kept); earlier, nothing', async () => {
    const T = '2026-03-07T12:00:00Z';
    const id = await runIn({ type: 'SCHEDULED', state_details: { scheduled_time: T } });
    expect(await withServiceContext(at(T) + 10 * SEC, runLateRuns)).toMatchObject({ marked: 0 });
    expect((await latest(id)).name).toBe('Scheduled');
    const { marked } = await withServiceContext(at(T) + 16 * SEC, runLateRuns);
    expect(marked).toBeGreaterThanOrEqual(1);
    const s = await latest(id);
    expect([s.type, s.name]).toEqual(['SCHEDULED', 'Late']);
    expect(Date.parse(s.state_details.scheduled_time as string)).toBe(Date.parse(T));
    // Already Late: a second pass leaves it alone.
    await withServiceContext(at(T) + 60 * SEC, runLateRuns);
    const history = await withDb((db) => db.execute(sql`SELECT count(*)::int AS n FROM flow_run_state WHERE flow_run_id = ${id}`));
    expect((history.rows[0] as { n: number }).n).toBe(2);
  });

  it('honours PREFECT_SERVER_SERVICES_LATE_RUNS_AFTER_SECONDS', async () => {
    const T = '2026-03-07T13:00:00Z';
    const id = await runIn({ type: 'SCHEDULED', state_details: { scheduled_time: T } });
    await withServiceContext(at(T) + 16 * SEC, runLateRuns, { PREFECT_SERVER_SERVICES_LATE_RUNS_AFTER_SECONDS: '60' });
    expect((await latest(id)).name).toBe('Scheduled');
  });
});

describe('pause expirations', () => {
  it('a PAUSED run whose pause_timeout passed is FAILED; one still within it is not', async () => {
    const timeout = '2026-03-07T12:00:00Z';
    const id = await runIn({ type: 'PAUSED', state_details: { pause_timeout: timeout, pause_key: 'k' } });
    await withServiceContext(at(timeout) - SEC, runPauseExpirations);
    expect((await latest(id)).type).toBe('PAUSED');
    await withServiceContext(at(timeout) + SEC, runPauseExpirations);
    const s = await latest(id);
    expect([s.type, s.message]).toEqual(['FAILED', PAUSE_EXPIRED_MESSAGE]);
  });
});

describe('cancellation cleanup', () => {
  it('a run CANCELLING for longer than the timeout becomes CANCELLED', async () => {
    const id = await runIn({ type: 'CANCELLING' });
    await withServiceContext(nowMicros() + 60 * SEC, cancelTimedOutCancellations);
    expect((await latest(id)).type).toBe('CANCELLING');
    await withServiceContext(nowMicros() + 301 * SEC, cancelTimedOutCancellations);
    expect((await latest(id)).type).toBe('CANCELLED');
  });

  it("a cancelled run's unfinished task runs are CANCELLED; finished ones are left alone", async () => {
    const parent = await runIn({ type: 'RUNNING' });
    const running = await createTaskRun(parent);
    const done = await createTaskRun(parent);
    expect((await post(`/task_runs/${running}/set_state`, { state: { type: 'RUNNING' }, force: true })).status).toBe(201);
    expect((await post(`/task_runs/${done}/set_state`, { state: { type: 'COMPLETED' }, force: true })).status).toBe(201);
    await force(parent, { type: 'CANCELLED' });
    const n = await withServiceContext(nowMicros(), cancelChildTaskRuns);
    expect(n).toBeGreaterThanOrEqual(1);
    const rows = await withDb((db) => db.execute(sql`
      SELECT t.id, t.state_type, s.message, t.end_time IS NOT NULL AS ended FROM task_run t JOIN task_run_state s ON s.id = t.state_id
      WHERE t.id IN (${running}, ${done})`));
    const byId = new Map((rows.rows as { id: string; state_type: string; message: string; ended: boolean }[]).map((r) => [r.id, r]));
    expect(byId.get(running)).toMatchObject({ state_type: 'CANCELLED', message: PARENT_CANCELLED_MESSAGE, ended: true });
    expect(byId.get(done)!.state_type).toBe('COMPLETED');
  });

  it('subflows of a cancelled parent: CANCELLED, or CANCELLING when they belong to a deployment', async () => {
    const parent = await runIn({ type: 'RUNNING' });
    const task = await createTaskRun(parent);
    const plain = await runIn({ type: 'RUNNING' }, { parentTaskRunId: task });
    const dep = await insertDeployment({ schedules: [] });
    const deployed = await runIn({ type: 'RUNNING' }, { parentTaskRunId: task, deploymentId: dep.id, flowId: dep.flowId });
    await withServiceContext(nowMicros(), cancelOrphanedSubflows);
    expect((await latest(plain)).type).toBe('RUNNING'); // the parent is not cancelled yet
    await force(parent, { type: 'CANCELLED' });
    await withServiceContext(nowMicros(), cancelOrphanedSubflows);
    expect(await latest(plain)).toMatchObject({ type: 'CANCELLED', message: PARENT_CANCELLED_MESSAGE });
    expect(await latest(deployed)).toMatchObject({ type: 'CANCELLING', message: PARENT_CANCELLED_MESSAGE });
  });
});

describe('foreman', () => {
  it('stale workers go OFFLINE, pools without online workers NOT_READY, unpolled deployments and queues NOT_READY', async () => {
    const now = nowMicros();
    const ts = (secondsAgo: number) => toPgTimestamp(now - secondsAgo * SEC);
    const ids = await withDb(async (db) => {
      const pool = async () =>
        ((await db.execute(sql`INSERT INTO work_pool (name, type, status) VALUES (${randomName('pool')}, 'process', 'READY') RETURNING id`)).rows[0] as { id: string }).id;
      const stalePool = await pool();
      const livePool = await pool();
      const worker = async (poolId: string, secondsAgo: number, interval: number | null) =>
        ((await db.execute(sql`
          INSERT INTO worker (work_pool_id, name, last_heartbeat_time, heartbeat_interval_seconds, status)
          VALUES (${poolId}, ${randomName('w')}, ${ts(secondsAgo)}::timestamptz, ${interval}, 'ONLINE') RETURNING id`)).rows[0] as { id: string }).id;
      const stale = await worker(stalePool, 100, 30); // 100 s > 30 × 3
      const fallback = await worker(stalePool, 95, null); // 95 s > 30 (fallback) × 3
      const fresh = await worker(livePool, 80, 30); // 80 s < 90
      const queue = ((await db.execute(sql`
        INSERT INTO work_queue (name, work_pool_id, status, last_polled) VALUES ('q', ${livePool}, 'READY', ${ts(61)}::timestamptz) RETURNING id`)).rows[0] as { id: string }).id;
      const polledQueue = ((await db.execute(sql`
        INSERT INTO work_queue (name, work_pool_id, status, last_polled) VALUES ('p', ${livePool}, 'READY', ${ts(5)}::timestamptz) RETURNING id`)).rows[0] as { id: string }).id;
      const flow = ((await db.execute(sql`INSERT INTO flow (name) VALUES (${randomName('f')}) RETURNING id`)).rows[0] as { id: string }).id;
      const dep = async (secondsAgo: number, queueId: string | null) =>
        ((await db.execute(sql`
          INSERT INTO deployment (name, flow_id, status, last_polled, work_queue_id) VALUES (${randomName('d')}, ${flow}, 'READY', ${ts(secondsAgo)}::timestamptz, ${queueId}) RETURNING id`)).rows[0] as { id: string }).id;
      return { stalePool, livePool, stale, fallback, fresh, queue, polledQueue, oldDep: await dep(61, queue), newDep: await dep(10, null), queuePolledDep: await dep(61, polledQueue) };
    });
    const result = await withServiceContext(now, runForeman);
    expect(result.workers).toBeGreaterThanOrEqual(2);
    const status = async (table: string, id: string) =>
      ((await withDb((db) => db.execute(sql`SELECT status FROM ${sql.identifier(table)} WHERE id = ${id}`))).rows[0] as { status: string }).status;
    expect([await status('worker', ids.stale), await status('worker', ids.fallback), await status('worker', ids.fresh)]).toEqual(['OFFLINE', 'OFFLINE', 'ONLINE']);
    expect([await status('work_pool', ids.stalePool), await status('work_pool', ids.livePool)]).toEqual(['NOT_READY', 'READY']);
    expect([await status('work_queue', ids.queue), await status('work_queue', ids.polledQueue)]).toEqual(['NOT_READY', 'READY']);
    expect([await status('deployment', ids.oldDep), await status('deployment', ids.newDep), await status('deployment', ids.queuePolledDep)]).toEqual([
      'NOT_READY',
      'READY',
      'READY',
    ]);
  });
});

describe('the driver', () => {
  it('runs every service once and reports what each did', async () => {
    const results = await runServices(env);
    expect(Object.keys(results).sort()).toEqual(['automations', 'cancellation_cleanup', 'event_retention', 'foreman', 'late_runs', 'pause_expirations', 'repossessor', 'scheduler']);
    for (const r of Object.values(results)) expect(r).not.toHaveProperty('error');
  });
});
