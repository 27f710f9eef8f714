/** Spec §5 and §7 cases 52–64: POST /flow_runs/bulk_delete and /flow_runs/bulk_set_state. */
import { beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { isPglite, post, resetDb, withDb } from '../helpers';
import { createDeployment, createFlow, createRun, createTaskRun, history, iso, leasesOn, limitRow, runIn, runRow } from './fixtures';

const ids = (list: string[]) => ({ flow_runs: { id: { any_: list } } });
const bulkDelete = (body: unknown) => post('/flow_runs/bulk_delete', body);
const bulkSet = (body: unknown, headers?: Record<string, string>) => post('/flow_runs/bulk_set_state', body, headers);
const exists = async (id: string) => (await runRow(id)) !== undefined;
/** The distinct state types of these runs (deleted runs have none), in one query. */
async function stateTypes(list: string[]): Promise<string[]> {
  const res = await withDb((db) => db.execute(sql`select distinct state_type::text as t from flow_run where id = any(${`{${list.join(',')}}`}::uuid[])`));
  return (res.rows as { t: string }[]).map((r) => r.t);
}
const idDesc = (list: string[]) => [...list].sort().reverse();

async function runs(n: number, state: Record<string, unknown>, opts: Parameters<typeof runIn>[1] = {}) {
  const flowId = opts.flowId ?? (await createFlow());
  const out: string[] = [];
  for (let i = 0; i < n; i += 1) out.push(await runIn(state, { ...opts, flowId }));
  return out;
}

beforeEach(async () => {
  await resetDb();
});

describe('bulk_delete (§5.1, §7 52–57)', () => {
  it('52. deletes the runs the filter names, and only those', async () => {
    const [r0, r1, r2] = await runs(3, { type: 'PENDING' });
    const res = await bulkDelete(ids([r0!, r1!]));
    expect(res.status).toBe(200);
    expect(new Set(res.body.deleted)).toEqual(new Set([r0, r1]));
    expect([await exists(r0!), await exists(r1!), await exists(r2!)]).toEqual([false, false, true]);
  });

  it('53. unknown ids are skipped; no match deletes nothing', async () => {
    const [r0] = await runs(1, { type: 'PENDING' });
    expect((await bulkDelete(ids([r0!, crypto.randomUUID()]))).body).toEqual({ deleted: [r0] });
    expect((await bulkDelete(ids([crypto.randomUUID()]))).body).toEqual({ deleted: [] });
  });

  it('54. limit picks the highest ids; out-of-range limits are 422', async () => {
    const five = await runs(5, { type: 'PENDING' });
    const res = await bulkDelete({ ...ids(five), limit: 2 });
    expect(res.body.deleted).toEqual(idDesc(five).slice(0, 2));
    expect((await bulkDelete({ limit: 2 })).body.deleted).toHaveLength(2);
    for (const limit of [0, 51, 201]) {
      const bad = await bulkDelete({ limit });
      expect(bad.status).toBe(422);
      expect(bad.body.exception_detail[0].loc).toEqual(['body', 'limit']);
    }
    expect((await bulkDelete({ limit: 1 })).body.deleted).toHaveLength(1);
  });

  it('an empty body deletes up to 50 runs (A11); limit 50 is allowed', async () => {
    await runs(3, { type: 'PENDING' });
    expect((await bulkDelete(undefined)).body.deleted).toHaveLength(3);
    await runs(2, { type: 'PENDING' });
    expect((await bulkDelete({ limit: 50 })).body.deleted).toHaveLength(2);
    expect((await bulkDelete({ flow_runs: { bogus: 1 } })).status).toBe(422);
  });

  it('55. filters by state name and type', async () => {
    const [late] = await runs(1, { type: 'SCHEDULED', name: 'Late' });
    const [pending] = await runs(1, { type: 'PENDING' });
    const [running] = await runs(1, { type: 'RUNNING' });
    expect((await bulkDelete({ flow_runs: { state: { name: { any_: ['Late'] } } } })).body.deleted).toEqual([late]);
    expect((await bulkDelete({ flow_runs: { state: { type: { any_: ['PENDING'] } } } })).body.deleted).toEqual([pending]);
    expect(await exists(running!)).toBe(true);
  });

  it('56. slot-holding runs of a limited deployment give their slot back', async () => {
    for (const [type, slots] of [['RUNNING', 0], ['SCHEDULED', 1]] as const) {
      const dep = await createDeployment({ limit: 42, activeSlots: 1 });
      const [id] = await runs(1, { type }, { deploymentId: dep.id, flowId: dep.flowId });
      await bulkDelete(ids([id!]));
      expect((await limitRow(dep.limitId!)).active_slots).toBe(slots);
    }
  });

  it('57. states, task runs and inputs go; subflows survive as top-level runs', async () => {
    const [id] = await runs(1, { type: 'RUNNING' });
    const task = await createTaskRun(id!);
    const sub = await createRun({ parentTaskRunId: task });
    await bulkDelete(ids([id!]));
    expect(await history(id!)).toEqual([]);
    const sub2 = await withDb((db) => db.execute(sql`SELECT parent_task_run_id FROM flow_run WHERE id = ${sub}`));
    expect(sub2.rows).toEqual([{ parent_task_run_id: null }]);
  });

  it('dry_run lists the runs and deletes nothing', async () => {
    const two = await runs(2, { type: 'PENDING' });
    const res = await bulkDelete({ ...ids(two), dry_run: true });
    expect(res.body.deleted).toEqual(idDesc(two));
    expect(await exists(two[0]!)).toBe(true);
  });
});

describe('bulk_set_state (§5.2, §7 58–64)', () => {
  it('each run\'s state gets its own timestamp: distinct and increasing in the order the runs are written', async () => {
    const five = await runs(5, { type: 'PENDING' });
    const res = await bulkSet({ ...ids(five), state: { type: 'RUNNING' } });
    expect(res.status).toBe(200);
    const rows = await withDb((db) =>
      db.execute(sql`SELECT flow_run_id::text AS id, timestamp::text AS ts FROM flow_run_state WHERE type = 'RUNNING' AND flow_run_id = ANY(${`{${five.join(',')}}`}::uuid[])`),
    );
    const byRun = new Map((rows.rows as { id: string; ts: string }[]).map((r) => [r.id, r.ts]));
    const stamps = idDesc(five).map((id) => byRun.get(id)!);
    expect(new Set(stamps).size).toBe(5);
    expect([...stamps].sort()).toEqual(stamps);
  });

  it('58. forced CANCELLED on two of three PENDING runs', async () => {
    const [r0, r1, r2] = await runs(3, { type: 'PENDING' });
    const res = await bulkSet({ ...ids([r0!, r1!]), state: { type: 'CANCELLED' }, force: true });
    expect(res.status).toBe(200);
    expect(res.body.results).toHaveLength(2);
    expect(res.body.results.map((r: any) => r.flow_run_id)).toEqual(idDesc([r0!, r1!]));
    for (const r of res.body.results) {
      expect(Object.keys(r)).toEqual(['flow_run_id', 'status', 'state', 'details']);
      expect([r.status, r.state.type, r.state.state_details.flow_run_id]).toEqual(['ACCEPT', 'CANCELLED', r.flow_run_id]);
      expect((await runRow(r.flow_run_id)).state_type).toBe('CANCELLED');
    }
    expect(res.body.results[0].state.id).not.toBe(res.body.results[1].state.id);
    expect((await runRow(r2!)).state_type).toBe('PENDING');
  });

  it('59–60. non-forced CANCELLED on PENDING and RUNNING; forced RUNNING on COMPLETED', async () => {
    const [p] = await runs(1, { type: 'PENDING' });
    const [r] = await runs(1, { type: 'RUNNING' });
    const res = await bulkSet({ ...ids([p!, r!]), state: { type: 'CANCELLED' } });
    expect(res.body.results.map((x: any) => x.status)).toEqual(['ACCEPT', 'ACCEPT']);
    const [c] = await runs(1, { type: 'COMPLETED' });
    const f = await bulkSet({ ...ids([c!]), state: { type: 'RUNNING' }, force: true });
    expect([f.body.results[0].status, f.body.results[0].state.type]).toEqual(['ACCEPT', 'RUNNING']);
  });

  it('61. no match, bad limits, missing state, limit truncation, state filters', async () => {
    expect((await bulkSet({ ...ids([crypto.randomUUID()]), state: { type: 'RUNNING' } })).body).toEqual({ results: [] });
    for (const limit of [0, 51]) expect((await bulkSet({ limit, state: { type: 'RUNNING' } })).status).toBe(422);
    const missing = await bulkSet({ limit: 1 });
    expect([missing.status, missing.body.exception_detail[0].loc]).toEqual([422, ['body', 'state']]);
    expect((await bulkSet(undefined)).status).toBe(422);
    const five = await runs(5, { type: 'PENDING' });
    const two = await bulkSet({ ...ids(five), limit: 2, state: { type: 'RUNNING' } });
    expect(two.body.results.map((r: any) => r.flow_run_id)).toEqual(idDesc(five).slice(0, 2));
    const pendingOnly = await bulkSet({ flow_runs: { state: { type: { any_: ['PENDING'] } } }, state: { type: 'CANCELLED' }, force: true });
    expect(pendingOnly.body.results).toHaveLength(3);
    const stillRunning = await withDb((db) => db.execute(sql`SELECT count(*)::int AS n FROM flow_run WHERE state_type = 'RUNNING'`));
    expect(stillRunning.rows[0]).toEqual({ n: 2 });
  });

  it('62. non-forced PENDING on RUNNING runs: ABORT each, with the current state, still 200', async () => {
    const two = await runs(2, { type: 'RUNNING' });
    const res = await bulkSet({ ...ids(two), state: { type: 'PENDING' } });
    expect(res.status).toBe(200);
    for (const r of res.body.results) {
      expect([r.status, r.state.type, r.details.reason]).toEqual([
        'ABORT', 'RUNNING', 'This run is in a RUNNING state and cannot transition to a PENDING state.',
      ]);
      expect(r.state.id).toBe((await runRow(r.flow_run_id)).state_id);
    }
  });

  it('63. CANCELLING on a RUNNING run is accepted', async () => {
    const [r] = await runs(1, { type: 'RUNNING' });
    const res = await bulkSet({ ...ids([r!]), state: { type: 'CANCELLING' } });
    expect([res.body.results[0].status, (await runRow(r!)).state_type]).toEqual(['ACCEPT', 'CANCELLING']);
  });

  it('64. a limit-2 deployment admits the first two runs (id DESC); each keeps its own scheduled time and lease (A1)', async () => {
    const dep = await createDeployment({ limit: 2 });
    const five: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      five.push(await runIn({ type: 'SCHEDULED', state_details: { scheduled_time: iso(-(i + 1) * 60_000) } }, { deploymentId: dep.id, flowId: dep.flowId }));
    }
    const scheduledOf = new Map<string, string>();
    for (const id of five) scheduledOf.set(id, (await history(id)).at(-1).state_details.scheduled_time);
    const res = await bulkSet({ ...ids(five), state: { type: 'PENDING' } }, { 'user-agent': 'prefect/3.4.11 (API 0.8.4)' });
    const results = res.body.results;
    expect(results.map((r: any) => r.flow_run_id)).toEqual(idDesc(five));
    expect(results.map((r: any) => r.status)).toEqual(['ACCEPT', 'ACCEPT', 'REJECT', 'REJECT', 'REJECT']);
    expect(results.slice(2).map((r: any) => r.state.name)).toEqual(Array(3).fill('AwaitingConcurrencySlot'));
    expect((await limitRow(dep.limitId!)).active_slots).toBe(2);
    const [a, b] = results;
    expect(a.state.state_details.scheduled_time).toBe(scheduledOf.get(a.flow_run_id));
    expect(b.state.state_details.scheduled_time).toBe(scheduledOf.get(b.flow_run_id));
    expect(a.state.state_details.deployment_concurrency_lease_id).not.toBe(b.state.state_details.deployment_concurrency_lease_id);
    expect(await leasesOn(dep.limitId!)).toHaveLength(2);
  });

  it('a mix of accepted, rejected, waiting and aborted runs in one request', async () => {
    const [pending] = await runs(1, { type: 'PENDING' });
    const [cancelling] = await runs(1, { type: 'CANCELLING' });
    const [future] = await runs(1, { type: 'SCHEDULED', state_details: { scheduled_time: iso(3600_000) } });
    const [running] = await runs(1, { type: 'RUNNING' });
    const res = await bulkSet({ ...ids([pending!, cancelling!, future!, running!]), state: { type: 'RUNNING' } });
    const byRun = new Map(res.body.results.map((r: any) => [r.flow_run_id, r]));
    expect((byRun.get(pending!) as any).status).toBe('ACCEPT');
    expect((byRun.get(cancelling!) as any).status).toBe('REJECT');
    expect((byRun.get(future!) as any).details.type).toBe('wait_details');
    expect((byRun.get(running!) as any).status).toBe('ACCEPT');
    const aborting = await bulkSet({ ...ids([pending!, running!]), state: { type: 'PENDING' } });
    expect(aborting.body.results.map((r: any) => r.status)).toEqual(['ABORT', 'ABORT']);
  });

  it('dry_run shows the outcome and changes nothing', async () => {
    const dep = await createDeployment({ limit: 1 });
    const two = await runs(2, { type: 'SCHEDULED', state_details: { scheduled_time: iso(-60_000) } }, { deploymentId: dep.id, flowId: dep.flowId });
    const res = await bulkSet({ ...ids(two), state: { type: 'PENDING' }, dry_run: true });
    expect(res.body.results.map((r: any) => r.status)).toEqual(['ACCEPT', 'REJECT']);
    expect((await limitRow(dep.limitId!)).active_slots).toBe(0);
    for (const id of two) expect((await runRow(id)).state_type).toBe('SCHEDULED');
    expect(await leasesOn(dep.limitId!)).toHaveLength(0);
  });

  it('costs the same number of SQL statements for 1 run and for 50', async () => {
    const dep = await createDeployment({ limit: 100 });
    const opts = { deploymentId: dep.id, flowId: dep.flowId };
    const one = await runs(1, { type: 'SCHEDULED', state_details: { scheduled_time: iso(-60_000) } }, opts);
    const r1 = await bulkSet({ ...ids(one), state: { type: 'PENDING' } });
    const fifty = await runs(50, { type: 'SCHEDULED', state_details: { scheduled_time: iso(-60_000) } }, opts);
    const r50 = await bulkSet({ ...ids(fifty), state: { type: 'PENDING' } });
    expect(r50.body.results.every((r: any) => r.status === 'ACCEPT')).toBe(true);
    expect((await limitRow(dep.limitId!)).active_slots).toBe(51);
    const count1 = Number(r1.headers.get('x-sql-statements'));
    expect(count1).toBeGreaterThan(0);
    expect(Number(r50.headers.get('x-sql-statements'))).toBe(count1);
    const d1 = await bulkDelete(ids(one));
    const d50 = await bulkDelete(ids(fifty));
    expect(d50.headers.get('x-sql-statements')).toBe(d1.headers.get('x-sql-statements'));
  });

  // BEGIN travels with the lock-and-load statement, the writes nobody reads travel together, COMMIT
  // goes alone (src/db/pipeline.ts): set_state costs 4 statements in 3 round trips. bulk_delete locks
  // and deletes in one statement, so 50 finished runs (no slot to give back) cost 3 in 2.
  it('round trips: set_state of 50 runs is 4 statements in 3 round trips, bulk_delete of 50 finished runs 3 in 2', async () => {
    const fifty = await runs(50, { type: 'RUNNING' });
    const set = await bulkSet({ ...ids(fifty), state: { type: 'CANCELLING' } });
    expect(set.body.results.every((r: any) => r.status === 'ACCEPT')).toBe(true);
    expect(Number(set.headers.get('x-sql-statements'))).toBe(4);
    expect(Number(set.headers.get('x-sql-round-trips'))).toBe(3);
    expect(await stateTypes(fifty)).toEqual(['CANCELLING']);
    const done = await runs(50, { type: 'COMPLETED' });
    const del = await bulkDelete(ids(done));
    expect(del.body.deleted).toHaveLength(50);
    expect(Number(del.headers.get('x-sql-statements'))).toBe(3);
    expect(Number(del.headers.get('x-sql-round-trips'))).toBe(2);
    expect(await stateTypes(done)).toEqual([]);
  });

  it('round trips: the manual retry of 50 failed deployment runs (slots and leases written too) stays at 3', async () => {
    const dep = await createDeployment({ limit: 100 });
    const opts = { deploymentId: dep.id, flowId: dep.flowId };
    const fifty = await runs(50, { type: 'SCHEDULED', state_details: { scheduled_time: iso(-60_000) } }, opts);
    const res = await bulkSet({ ...ids(fifty), state: { type: 'PENDING' } });
    expect(res.body.results.every((r: any) => r.status === 'ACCEPT')).toBe(true);
    expect(Number(res.headers.get('x-sql-round-trips'))).toBe(3);
    expect(Number(res.headers.get('x-sql-statements'))).toBeGreaterThan(4);
    expect((await limitRow(dep.limitId!)).active_slots).toBe(50);
    expect(await leasesOn(dep.limitId!)).toHaveLength(50);
    // Deleting them gives the slots back and revokes the leases: lock-and-delete, then those writes.
    const del = await bulkDelete(ids(fifty));
    expect(del.body.deleted).toHaveLength(50);
    expect(Number(del.headers.get('x-sql-round-trips'))).toBe(3);
    expect(Number(del.headers.get('x-sql-statements'))).toBe(5);
    expect((await limitRow(dep.limitId!)).active_slots).toBe(0);
    expect(await leasesOn(dep.limitId!)).toHaveLength(0);
  });

  it('a database failure mid-write rolls the whole request back: 503 when retryable', async () => {
    const three = await runs(3, { type: 'PENDING' });
    const victim = idDesc(three)[2]!;
    // A trigger makes the run UPDATE (after the state INSERT) fail for one run only.
    await withDb((db) =>
      db.execute(
        sql.raw(`
        CREATE OR REPLACE FUNCTION test_fail_run_update() RETURNS trigger AS $$
        BEGIN
          IF NEW.id = '${victim}' THEN RAISE EXCEPTION 'injected failure' USING ERRCODE = '40001'; END IF;
          RETURN NEW;
        END $$ LANGUAGE plpgsql;
        CREATE TRIGGER test_fail_run_update BEFORE UPDATE ON flow_run FOR EACH ROW EXECUTE FUNCTION test_fail_run_update();`),
      ),
    );
    try {
      const res = await bulkSet({ ...ids(three), state: { type: 'CANCELLED' }, force: true });
      expect([res.status, res.body]).toEqual([503, { exception_message: 'Service Unavailable' }]);
    } finally {
      await withDb((db) => db.execute(sql.raw('DROP TRIGGER test_fail_run_update ON flow_run; DROP FUNCTION test_fail_run_update();')));
    }
    for (const id of three) {
      expect((await runRow(id)).state_type).toBe('PENDING');
      expect(await history(id)).toHaveLength(1);
    }
  });

  it.skipIf(isPglite())('20 concurrent requests over overlapping runs: no deadlock, consistent histories', async () => {
    const ten = await runs(10, { type: 'PENDING' });
    const requests = Array.from({ length: 20 }, (_, i) => {
      const subset = ten.filter((_, j) => (j + i) % 3 !== 0);
      return bulkSet({ ...ids(subset), state: { type: i % 2 ? 'RUNNING' : 'PENDING' }, force: true });
    });
    const responses = await Promise.all(requests);
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
    for (const id of ten) {
      const states = await history(id);
      const times = states.map((s: any) => Date.parse(s.timestamp));
      expect([...times].sort((a, b) => a - b)).toEqual(times);
      const run = await runRow(id);
      const last = states.at(-1);
      expect([run.state_id, run.state_type]).toEqual([last.id, last.type]);
      expect(run.run_count).toBe(states.filter((s: any) => s.type === 'RUNNING').length);
      const touched = responses.flatMap((r) => r.body.results).filter((r: any) => r.flow_run_id === id).length;
      expect(states).toHaveLength(1 + touched);
    }
  });
});
