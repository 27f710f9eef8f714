/**
 * Deployment concurrency rules (spec §3.2 #1, #7, #8, #9, #17; §3.3): a run holds one slot of its
 * deployment's limit while PENDING, RUNNING or CANCELLING, under a lease the flow engine renews.
 */
import { abort, ALL, reject, type RuleDef } from '../rules';
import { formatMicros } from '../../time';
import { clientVersionAtLeast } from '../versions';
import { allBut, initial, LEASE_RENEWING_CLIENT, leaseTtl, proposed, SELF_MANAGING_CLIENTS, SLOT_HOLDING } from './shared';

export const PreserveDeploymentConcurrencyLeaseId: RuleDef = {
  name: 'PreserveDeploymentConcurrencyLeaseId',
  from: ALL,
  to: ALL,
  universal: true,
  before: (ctx) => {
    // Workers send an explicit null lease id; the lease must survive the transition anyway.
    const lease = ctx.initial?.stateDetails.deployment_concurrency_lease_id;
    if (ctx.proposed && lease && !ctx.proposed.stateDetails.deployment_concurrency_lease_id) {
      ctx.proposed.stateDetails.deployment_concurrency_lease_id = lease;
    }
  },
};

export const ValidateDeploymentConcurrencyAtRunning: RuleDef = {
  name: 'ValidateDeploymentConcurrencyAtRunning',
  from: ['PENDING'],
  to: ['RUNNING'],
  before: (ctx, self) => {
    const leaseId = initial(ctx).stateDetails.deployment_concurrency_lease_id;
    proposed(ctx).stateDetails.deployment_concurrency_lease_id = leaseId;
    if (!leaseId || !clientVersionAtLeast(ctx.clientVersion, LEASE_RENEWING_CLIENT)) return;
    const limitId = ctx.deployment?.concurrencyLimitId;
    if (!limitId) return;
    const ttl = leaseTtl(ctx);
    if (ctx.ledger.renewLease(leaseId, ttl, ctx.now)) return;
    // The lease was reaped while the run was provisioning: take a slot again if there is one.
    if (ctx.ledger.takeSlots(limitId)) {
      proposed(ctx).stateDetails.deployment_concurrency_lease_id = ctx.ledger.createLease([limitId], ttl, ctx.now, {
        slots: 1,
        holder: { type: 'flow_run', id: ctx.run.id },
      });
      return;
    }
    reject(
      ctx,
      self,
      ctx.newState('CANCELLED', {
        message: 'Deployment concurrency slot lost during provisioning - no slots available to continue execution',
      }),
      'Deployment concurrency limit reached after lease expiry.',
    );
  },
};

export const SecureFlowConcurrencySlots: RuleDef = {
  name: 'SecureFlowConcurrencySlots',
  from: [...allBut(...SLOT_HOLDING), null],
  to: ['PENDING'],
  before: (ctx, self) => {
    if (ctx.run.deploymentId === null || (ctx.clientVersion !== null && SELF_MANAGING_CLIENTS.has(ctx.clientVersion))) return;
    if (!ctx.deployment) return abort(ctx, self, 'Deployment not found.');
    const limitId = ctx.deployment.concurrencyLimitId;
    const limit = limitId ? ctx.ledger.limit(limitId) : undefined;
    if (!limitId || !limit) return;
    if (limit.limit === 0) {
      return abort(ctx, self, 'The deployment concurrency limit is 0. The flow will deadlock if submitted again.');
    }
    if (ctx.ledger.takeSlots(limitId)) {
      const leaseId = ctx.ledger.createLease([limitId], leaseTtl(ctx), ctx.now, { slots: 1, holder: null });
      proposed(ctx).stateDetails.deployment_concurrency_lease_id = leaseId;
      self.scratch.leaseId = leaseId;
      return;
    }
    const reason = 'Deployment concurrency limit reached.';
    if (ctx.deployment.concurrencyOptions?.collision_strategy === 'CANCEL_NEW') {
      return reject(ctx, self, ctx.newState('CANCELLED', { message: reason }), reason);
    }
    const wakeAt = ctx.now + ctx.settings.concurrencySlotWaitSeconds * 1_000_000;
    reject(
      ctx,
      self,
      ctx.newState('SCHEDULED', { name: 'AwaitingConcurrencySlot', stateDetails: { scheduled_time: formatMicros(wakeAt) } }),
      reason,
    );
  },
  cleanup: (ctx, self) => {
    // A later rule changed the transition after a slot was taken: give it back.
    const leaseId = self.scratch.leaseId as string | undefined;
    if (!leaseId) return;
    if (!ctx.ledger.releaseLease(leaseId)) {
      const limitId = ctx.deployment?.concurrencyLimitId;
      if (limitId) ctx.ledger.releaseSlots(limitId, 1);
    }
    if (ctx.validated?.stateDetails.deployment_concurrency_lease_id === leaseId) {
      ctx.validated.stateDetails.deployment_concurrency_lease_id = null;
    }
  },
};

export const RemoveDeploymentConcurrencyLeaseForOldClientVersions: RuleDef = {
  name: 'RemoveDeploymentConcurrencyLeaseForOldClientVersions',
  from: ['PENDING'],
  to: ['RUNNING', 'CANCELLING'],
  after: (ctx) => {
    // Old clients never renew leases; without this the reaper would take the slot of a live run.
    const leaseId = initial(ctx).stateDetails.deployment_concurrency_lease_id;
    if (leaseId && !clientVersionAtLeast(ctx.clientVersion, LEASE_RENEWING_CLIENT)) ctx.ledger.revokeLease(leaseId);
  },
};

export const ReleaseFlowConcurrencySlots: RuleDef = {
  name: 'ReleaseFlowConcurrencySlots',
  from: ALL,
  to: ALL,
  universal: true,
  after: (ctx) => {
    const from = ctx.initialType;
    const to = ctx.proposedType;
    if (to === null || from === null || !SLOT_HOLDING.includes(from) || SLOT_HOLDING.includes(to)) return;
    if (ctx.run.deploymentId === null) return;
    const leaseId = ctx.initial?.stateDetails.deployment_concurrency_lease_id;
    if (leaseId && ctx.ledger.releaseLease(leaseId)) return;
    // No lease (forced PENDING, old client) or it was reaped: release one slot of the current limit.
    // An inactive limit cannot be released; Prefect answers 500 there, we leave it (Appendix A6).
    const limitId = ctx.deployment?.concurrencyLimitId;
    if (limitId) ctx.ledger.releaseSlots(limitId, 1);
  },
};
