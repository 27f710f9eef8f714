/** Builders for pure orchestration tests: runs, states and deployments in memory. */
import { ConcurrencyLedger, type ConcurrencyLimit } from '../../../src/orchestration/concurrency';
import type { DeploymentSnapshot, RunSnapshot } from '../../../src/orchestration/context';
import { orchestrate } from '../../../src/orchestration/engine';
import { uuid7 } from '../../../src/orchestration/ids';
import {
  defaultStateName,
  normalizePolicy,
  STATE_DETAILS_DEFAULTS,
  type OrchState,
  type StateDetails,
  type StateType,
} from '../../../src/orchestration/states';
import { formatMicros } from '../../../src/time';

export const NOW = Date.UTC(2030, 0, 1, 12) * 1000;
export const SECOND = 1_000_000;
export const iso = (us: number) => formatMicros(us);

export function state(type: StateType, opts: Partial<Omit<OrchState, 'stateDetails'>> & { details?: Partial<StateDetails> } = {}): OrchState {
  return {
    id: opts.id ?? uuid7(NOW),
    type,
    name: opts.name ?? defaultStateName(type),
    timestamp: opts.timestamp ?? NOW - 60 * SECOND,
    message: opts.message ?? null,
    data: opts.data ?? null,
    stateDetails: { ...STATE_DETAILS_DEFAULTS, ...(opts.details ?? {}) },
  };
}

export function run(current: OrchState | null, opts: Partial<RunSnapshot> & { policy?: Record<string, unknown> } = {}): RunSnapshot {
  return {
    id: opts.id ?? crypto.randomUUID(),
    runCount: opts.runCount ?? 0,
    startTime: opts.startTime ?? null,
    endTime: opts.endTime ?? null,
    totalRunTime: opts.totalRunTime ?? 0,
    expectedStartTime: opts.expectedStartTime ?? null,
    nextScheduledStartTime: opts.nextScheduledStartTime ?? null,
    empiricalPolicy: normalizePolicy(opts.policy ?? {}),
    deploymentId: opts.deploymentId ?? null,
    parentTaskRunId: opts.parentTaskRunId ?? null,
    infrastructurePid: opts.infrastructurePid ?? null,
    state: current,
    recentStateTimestamps: opts.recentStateTimestamps ?? [],
  };
}

export interface Scenario {
  run: RunSnapshot;
  proposed: OrchState;
  force?: boolean;
  deployment?: DeploymentSnapshot | null;
  limits?: ConcurrencyLimit[];
  ledger?: ConcurrencyLedger;
  apiVersion?: [number, number, number] | null;
  clientVersion?: string | null;
  now?: number;
}

export function propose(s: Scenario) {
  const ledger = s.ledger ?? new ConcurrencyLedger(s.limits ?? []);
  const outcome = orchestrate({
    run: s.run,
    deployment: s.run.deploymentId === null ? undefined : s.deployment,
    proposed: { ...s.proposed, timestamp: s.now ?? NOW },
    force: s.force ?? false,
    apiVersion: s.apiVersion ?? null,
    clientVersion: s.clientVersion === undefined ? '3.4.11' : s.clientVersion,
    now: s.now ?? NOW,
    ledger,
  });
  return { ...outcome, ledger, reason: 'reason' in outcome.details ? outcome.details.reason : undefined };
}

export const deployment = (limitId: string | null = null, options: DeploymentSnapshot['concurrencyOptions'] = null): DeploymentSnapshot => ({
  id: crypto.randomUUID(),
  concurrencyLimitId: limitId,
  concurrencyOptions: options,
});
