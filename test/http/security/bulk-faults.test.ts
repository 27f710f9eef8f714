/**
 * The database connection cut in the middle of a bulk transaction, on real PostgreSQL: the request
 * gets 503, nothing is committed (every run's state, history and the slot counts and leases stay as
 * they were), and the next request succeeds.
 *
 * How the cut lands mid-transaction: another transaction holds `concurrency_lease` in SHARE mode. The
 * bulk request's first statement (which locks runs, leases and limits with FOR UPDATE) passes that
 * lock, and so do its state INSERT, run UPDATE and slot-count UPDATE; its last statement, which writes
 * leases, waits. At that moment every connection is cut.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { isPglite, post, resetDb, withDb } from '../helpers';
import { createDeployment, history, iso, leasesOn, limitRow, runIn, runRow, setState } from '../orchestration/fixtures';
import { cutWhileBlocked } from './faults';

const CLIENT = { 'user-agent': 'prefect/3.4.11 (API 0.8.4)' };
const SERVICE_UNAVAILABLE = { exception_message: 'Service Unavailable' };
const HOLD_LEASE_WRITES = sql`lock table concurrency_lease in share mode`;

if (isPglite()) {
  console.warn(
    '\n!!! bulk-faults.test.ts SKIPPED: cutting a connection mid-transaction needs real PostgreSQL.\n' +
      '!!! PGlite runs one backend and serializes transactions, so no statement ever waits on a lock to cut into.\n',
  );
}

/** Everything a bulk request could change, per run, plus the deployment's slots and leases. */
async function snapshot(runIds: string[], limitId: string) {
  const runs = [];
  for (const id of runIds) {
    const row = await runRow(id);
    runs.push({ row, states: (await history(id)).map((s: { id: string }) => s.id) });
  }
  return { runs, slots: (await limitRow(limitId)).active_slots, leases: (await leasesOn(limitId)).map((l) => l.id).sort() };
}

/** The statement the bulk request is blocked in, seen from outside while it waits. */
async function blockedStatement(): Promise<string> {
  const rows = await withDb((db) => db.execute(sql`select query from pg_stat_activity where wait_event_type = 'Lock'`));
  return String((rows.rows[0] as { query?: string } | undefined)?.query ?? '');
}

async function deployedRuns(n: number, state: Record<string, unknown>) {
  const dep = await createDeployment({ limit: 10 });
  const ids: string[] = [];
  for (let i = 0; i < n; i += 1) {
    ids.push(await runIn({ type: 'SCHEDULED', state_details: { scheduled_time: iso(-60_000) } }, { deploymentId: dep.id, flowId: dep.flowId }));
  }
  if (state.type === 'PENDING') {
    // Through orchestration, so that each run holds a slot and a lease.
    for (const id of ids) expect((await setState(id, state, CLIENT)).body.status).toBe('ACCEPT');
  }
  return { dep, ids };
}

beforeEach(async () => {
  await resetDb();
});

describe.skipIf(isPglite())('a connection cut in the middle of a bulk transaction', () => {
  it('POST /flow_runs/bulk_set_state: 503, nothing committed, the next request succeeds', async () => {
    const { dep, ids } = await deployedRuns(3, { type: 'SCHEDULED' });
    const before = await snapshot(ids, dep.limitId!);
    expect(before.slots).toBe(0);
    // SCHEDULED → PENDING takes a slot and writes a lease per run: states, runs and slots first.
    const body = { flow_runs: { id: { any_: ids } }, state: { type: 'PENDING' } };
    let blockedAt = '';
    const res = await cutWhileBlocked(HOLD_LEASE_WRITES, () => post('/flow_runs/bulk_set_state', body, CLIENT), async () => {
      blockedAt = await blockedStatement();
    });
    expect(blockedAt).toMatch(/INSERT INTO concurrency_lease/);
    expect([res.status, res.body]).toEqual([503, SERVICE_UNAVAILABLE]);
    expect(await snapshot(ids, dep.limitId!)).toEqual(before);

    const next = await post('/flow_runs/bulk_set_state', body, CLIENT);
    expect(next.status).toBe(200);
    expect(next.body.results.map((r: { status: string }) => r.status)).toEqual(['ACCEPT', 'ACCEPT', 'ACCEPT']);
    expect((await limitRow(dep.limitId!)).active_slots).toBe(3);
    expect(await leasesOn(dep.limitId!)).toHaveLength(3);
    for (const id of ids) expect((await runRow(id)).state_type).toBe('PENDING');
  });

  it('POST /flow_runs/bulk_delete: 503, nothing committed, the next request succeeds', async () => {
    const { dep, ids } = await deployedRuns(3, { type: 'PENDING' });
    const before = await snapshot(ids, dep.limitId!);
    expect([before.slots, before.leases.length]).toEqual([3, 3]);
    // Deleting slot-holding runs releases their slots and revokes their leases: the runs go first.
    const body = { flow_runs: { id: { any_: ids } } };
    let blockedAt = '';
    const res = await cutWhileBlocked(HOLD_LEASE_WRITES, () => post('/flow_runs/bulk_delete', body), async () => {
      blockedAt = await blockedStatement();
    });
    expect(blockedAt).toMatch(/DELETE FROM concurrency_lease/);
    expect([res.status, res.body]).toEqual([503, SERVICE_UNAVAILABLE]);
    expect(await snapshot(ids, dep.limitId!)).toEqual(before);

    const next = await post('/flow_runs/bulk_delete', body);
    expect(next.status).toBe(200);
    expect(new Set(next.body.deleted)).toEqual(new Set(ids));
    expect((await limitRow(dep.limitId!)).active_slots).toBe(0);
    expect(await leasesOn(dep.limitId!)).toHaveLength(0);
    for (const id of ids) expect(await runRow(id)).toBeUndefined();
  });
});
