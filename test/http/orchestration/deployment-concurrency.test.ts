/** Spec §7 cases 42–50: deployment concurrency limits, leases and their renewal. */
import { describe, expect, it } from 'vitest';
import { post } from '../helpers';
import { createDeployment, iso, leasesOn, limitRow, runIn, setState } from './fixtures';

const NEW_CLIENT = { 'user-agent': 'prefect/3.4.11 (API 0.8.4)' };
const ua = (v: string) => ({ 'user-agent': `prefect/${v} (API 0.8.4)` });

async function limitedDeployment(limit: number, options: Record<string, unknown> | null = null, activeSlots = 0) {
  const dep = await createDeployment({ limit, options, activeSlots });
  const scheduledRun = () => runIn({ type: 'SCHEDULED', state_details: { scheduled_time: iso(-60_000) } }, { deploymentId: dep.id, flowId: dep.flowId });
  return { dep, limitId: dep.limitId!, scheduledRun };
}

describe('deployment concurrency (§7 42–50)', () => {
  it('42. a limit of 1 admits one run; the next waits in AwaitingConcurrencySlot', async () => {
    const { limitId, scheduledRun } = await limitedDeployment(1);
    const a = await scheduledRun();
    const ra = await setState(a, { type: 'PENDING' });
    expect([ra.status, ra.body.status]).toEqual([201, 'ACCEPT']);
    const lease = ra.body.state.state_details.deployment_concurrency_lease_id;
    expect(lease).toBeTruthy();
    expect((await limitRow(limitId)).active_slots).toBe(1);
    const leases = await leasesOn(limitId);
    expect(leases).toHaveLength(1);
    expect(leases[0]).toMatchObject({ id: lease, resource_ids: [limitId], metadata: { slots: 1 } });
    expect(leases[0].ttl).toBeGreaterThan(290);
    expect(leases[0].ttl).toBeLessThanOrEqual(300);

    const b = await scheduledRun();
    const rb = await setState(b, { type: 'PENDING' });
    expect([rb.status, rb.body.status, rb.body.details.reason]).toEqual([201, 'REJECT', 'Deployment concurrency limit reached.']);
    expect([rb.body.state.type, rb.body.state.name]).toEqual(['SCHEDULED', 'AwaitingConcurrencySlot']);
    const wait = (Date.parse(rb.body.state.state_details.scheduled_time) - Date.parse(rb.body.state.timestamp)) / 1000;
    expect(wait).toBeCloseTo(30, 0);
    expect((await limitRow(limitId)).active_slots).toBe(1);
  });

  it('43. CANCEL_NEW cancels the second run', async () => {
    const { scheduledRun } = await limitedDeployment(1, { collision_strategy: 'CANCEL_NEW' });
    await setState(await scheduledRun(), { type: 'PENDING' });
    const rb = await setState(await scheduledRun(), { type: 'PENDING' });
    expect([rb.status, rb.body.status, rb.body.state.type, rb.body.state.message]).toEqual([201, 'REJECT', 'CANCELLED', 'Deployment concurrency limit reached.']);
  });

  it('44. limit 0 aborts; no limit takes no lease; a deleted deployment aborts', async () => {
    const zero = await limitedDeployment(0);
    const r = await setState(await zero.scheduledRun(), { type: 'PENDING' });
    expect([r.status, r.body.status, r.body.details.reason]).toEqual([200, 'ABORT', 'The deployment concurrency limit is 0. The flow will deadlock if submitted again.']);
    const free = await createDeployment();
    const run = await runIn({ type: 'SCHEDULED' }, { deploymentId: free.id, flowId: free.flowId });
    const ok = await setState(run, { type: 'PENDING' });
    expect([ok.body.status, ok.body.state.state_details.deployment_concurrency_lease_id]).toEqual(['ACCEPT', null]);
    const orphan = await runIn({ type: 'SCHEDULED' }, { deploymentId: crypto.randomUUID(), flowId: free.flowId });
    const gone = await setState(orphan, { type: 'PENDING' });
    expect([gone.body.status, gone.body.details.reason]).toEqual(['ABORT', 'Deployment not found.']);
  });

  it('45. a 3.4.11 client keeps the lease while RUNNING and frees the slot at COMPLETED; CANCELLING holds it', async () => {
    const { limitId, scheduledRun } = await limitedDeployment(1);
    const a = await scheduledRun();
    const p = await setState(a, { type: 'PENDING' }, NEW_CLIENT);
    const lease = p.body.state.state_details.deployment_concurrency_lease_id;
    const r = await setState(a, { type: 'RUNNING', state_details: { deployment_concurrency_lease_id: null } }, NEW_CLIENT);
    expect(r.body.state.state_details.deployment_concurrency_lease_id).toBe(lease);
    expect(await leasesOn(limitId)).toHaveLength(1);
    expect((await setState(a, { type: 'COMPLETED' }, NEW_CLIENT)).body.status).toBe('ACCEPT');
    expect((await limitRow(limitId)).active_slots).toBe(0);
    expect(await leasesOn(limitId)).toHaveLength(0);

    const b = await scheduledRun();
    expect((await setState(b, { type: 'PENDING' }, NEW_CLIENT)).body.status).toBe('ACCEPT');
    await setState(b, { type: 'RUNNING' }, NEW_CLIENT);
    await setState(b, { type: 'CANCELLING' }, NEW_CLIENT);
    expect((await limitRow(limitId)).active_slots).toBe(1);
    await setState(b, { type: 'CANCELLED' }, NEW_CLIENT);
    expect((await limitRow(limitId)).active_slots).toBe(0);
  });

  it.each([
    ['3.0.0rc20', 0],
    ['3.0.0', 0],
    ['3.0.1', 0],
    ['3.0.2', 0],
    ['3.0.3', 0],
    ['3.0.4', 1],
    ['2.19.3', 1],
    [null, 1],
  ] as const)('46. client %s → active_slots %i after PENDING', async (version, slots) => {
    const { limitId, scheduledRun } = await limitedDeployment(1);
    const headers: Record<string, string> = version === null ? {} : { 'user-agent': `prefect/${version} (API 2.19.3)` };
    expect((await setState(await scheduledRun(), { type: 'PENDING' }, headers)).body.status).toBe('ACCEPT');
    expect((await limitRow(limitId)).active_slots).toBe(slots);
  });

  it.each([
    [null, 0],
    ['3.4.10', 0],
    ['3.4.11', 1],
  ] as const)('47. client %s: leases after RUNNING = %i, the slot stays taken', async (version, leases) => {
    const { limitId, scheduledRun } = await limitedDeployment(1);
    const headers = version === null ? {} : ua(version);
    const a = await scheduledRun();
    await setState(a, { type: 'PENDING' }, headers);
    expect((await setState(a, { type: 'RUNNING' }, headers)).body.status).toBe('ACCEPT');
    expect(await leasesOn(limitId)).toHaveLength(leases);
    expect((await limitRow(limitId)).active_slots).toBe(1);
    // The "lease missing" fallback still frees the slot at the end.
    await setState(a, { type: 'COMPLETED' }, headers);
    expect((await limitRow(limitId)).active_slots).toBe(0);
  });

  it('48. grace_period_seconds sets the lease TTL', async () => {
    const { limitId, scheduledRun } = await limitedDeployment(1, { collision_strategy: 'ENQUEUE', grace_period_seconds: 720 });
    await setState(await scheduledRun(), { type: 'PENDING' });
    const [lease] = await leasesOn(limitId);
    expect(lease.ttl).toBeGreaterThan(710);
    expect(lease.ttl).toBeLessThanOrEqual(720);
  });

  it('49. forced PENDING takes no slot, but finishing still releases one (clamped at 0)', async () => {
    const { limitId, scheduledRun } = await limitedDeployment(2);
    const a = await scheduledRun();
    const p = await setState(a, { type: 'PENDING' }, undefined, true);
    expect([p.body.status, p.body.state.state_details.deployment_concurrency_lease_id]).toEqual(['ACCEPT', null]);
    expect((await limitRow(limitId)).active_slots).toBe(0);
    await setState(a, { type: 'RUNNING' });
    await setState(a, { type: 'COMPLETED' });
    expect((await limitRow(limitId)).active_slots).toBe(0);
  });

  it('50. pausing releases the slot; resuming does not take it again', async () => {
    const { limitId, scheduledRun } = await limitedDeployment(1);
    const a = await scheduledRun();
    await setState(a, { type: 'PENDING' }, NEW_CLIENT);
    await setState(a, { type: 'RUNNING' }, NEW_CLIENT);
    expect((await limitRow(limitId)).active_slots).toBe(1);
    expect((await setState(a, { type: 'PAUSED' }, NEW_CLIENT)).body.status).toBe('ACCEPT');
    expect((await limitRow(limitId)).active_slots).toBe(0);
    expect((await setState(a, { type: 'RUNNING' }, NEW_CLIENT)).body.status).toBe('ACCEPT');
    expect((await limitRow(limitId)).active_slots).toBe(0);
  });

  it('lease renewal: 204 while the lease exists, 410 once it is gone', async () => {
    const { scheduledRun } = await limitedDeployment(1);
    const a = await scheduledRun();
    const lease = (await setState(a, { type: 'PENDING' }, NEW_CLIENT)).body.state.state_details.deployment_concurrency_lease_id;
    const renewed = await post(`/v2/concurrency_limits/leases/${lease}/renew`, { lease_duration: 300 });
    expect(renewed.status).toBe(204);
    await setState(a, { type: 'CANCELLED' }, NEW_CLIENT);
    expect((await post(`/v2/concurrency_limits/leases/${lease}/renew`, { lease_duration: 300 })).status).toBe(410);
  });

  it('a limit of 1: the second run waits in AwaitingConcurrencySlot until the first finishes', async () => {
    const { limitId, scheduledRun } = await limitedDeployment(1);
    const [a, b] = [await scheduledRun(), await scheduledRun()];
    await setState(a, { type: 'PENDING' }, NEW_CLIENT);
    expect((await setState(b, { type: 'PENDING' }, NEW_CLIENT)).body.state.name).toBe('AwaitingConcurrencySlot');
    await setState(a, { type: 'RUNNING' }, NEW_CLIENT);
    const retry = await setState(b, { type: 'PENDING' }, NEW_CLIENT);
    expect([retry.body.status, retry.body.state.name]).toEqual(['REJECT', 'AwaitingConcurrencySlot']);
    await setState(a, { type: 'COMPLETED' }, NEW_CLIENT);
    const later = await setState(b, { type: 'PENDING' }, NEW_CLIENT);
    expect([later.status, later.body.status]).toEqual([201, 'ACCEPT']);
    expect((await limitRow(limitId)).active_slots).toBe(1);
  });
});
