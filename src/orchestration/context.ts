/**
 * What one orchestration works on: the run as loaded (and locked), its deployment, the proposed
 * state, and the outcome so far. Rules read and change this object only; the store turns the
 * finished context into database writes.
 */
import { formatMicros as formatIso, type Micros } from '../time';
import type { ConcurrencyLedger } from './concurrency';
import type { ApiVersion } from './versions';
import { defaultStateName, STATE_DETAILS_DEFAULTS, type FlowRunPolicy, type OrchState, type StateDetails, type StateType } from './states';
import { uuid7 } from './ids';

/** The flow_run columns orchestration reads and writes (§1.6). */
export interface RunSnapshot {
  id: string;
  runCount: number;
  startTime: Micros | null;
  endTime: Micros | null;
  totalRunTime: Micros;
  expectedStartTime: Micros | null;
  nextScheduledStartTime: Micros | null;
  empiricalPolicy: FlowRunPolicy;
  deploymentId: string | null;
  parentTaskRunId: string | null;
  infrastructurePid: string | null;
  /** The run's current state, or null. */
  state: OrchState | null;
  /** Timestamps of this run's states that are not before "now": the only ones a new state can collide with. */
  recentStateTimestamps: Micros[];
}

/** A run just inserted, before its first state: what the engine sees when that state is proposed. */
export function newRunSnapshot(run: Pick<RunSnapshot, 'id' | 'empiricalPolicy' | 'deploymentId' | 'parentTaskRunId'>): RunSnapshot {
  return {
    ...run,
    runCount: 0,
    startTime: null,
    endTime: null,
    totalRunTime: 0,
    expectedStartTime: null,
    nextScheduledStartTime: null,
    infrastructurePid: null,
    state: null,
    recentStateTimestamps: [],
  };
}

export interface DeploymentSnapshot {
  id: string;
  concurrencyLimitId: string | null;
  concurrencyOptions: { collision_strategy?: 'ENQUEUE' | 'CANCEL_NEW' | null; grace_period_seconds?: number | null } | null;
}

export interface OrchestrationSettings {
  /** Server setting `initial_deployment_lease_duration` (seconds). */
  initialDeploymentLeaseDuration: number;
  /** Server setting `deployments.concurrency_slot_wait_seconds`. */
  concurrencySlotWaitSeconds: number;
}

export const DEFAULT_SETTINGS: OrchestrationSettings = {
  initialDeploymentLeaseDuration: 300,
  concurrencySlotWaitSeconds: 30,
};

export type Status = 'ACCEPT' | 'REJECT' | 'WAIT' | 'ABORT';
export type Details =
  | { type: 'accept_details' }
  | { type: 'reject_details'; reason: string | null }
  | { type: 'wait_details'; delay_seconds: number; reason: string | null }
  | { type: 'abort_details'; reason: string | null };

/** A forced task-run state that mirrors a subflow's new state on its parent task run (global #11). */
export interface ParentTaskSync {
  taskRunId: string;
  state: OrchState;
}

export interface OrchestrationInput {
  run: RunSnapshot;
  /** undefined: the run has no deployment_id; null: it names a deployment that does not exist. */
  deployment: DeploymentSnapshot | null | undefined;
  proposed: OrchState;
  force: boolean;
  apiVersion: ApiVersion;
  clientVersion: string | null;
  now: Micros;
  ledger: ConcurrencyLedger;
  settings?: OrchestrationSettings;
}

export class OrchestrationContext {
  readonly run: RunSnapshot;
  readonly initial: OrchState | null;
  proposed: OrchState | null;
  status: Status = 'ACCEPT';
  details: Details = { type: 'accept_details' };
  readonly deployment: DeploymentSnapshot | null | undefined;
  readonly now: Micros;
  readonly apiVersion: ApiVersion;
  readonly clientVersion: string | null;
  readonly ledger: ConcurrencyLedger;
  readonly settings: OrchestrationSettings;
  /** Set after validation: the state written, or the current state when nothing was written. */
  validated: OrchState | null = null;
  parentTaskSync: ParentTaskSync | null = null;
  /** Legacy clients (API < 0.8.3): an automatic retry also resets the run's FAILED task runs. */
  retryFailedTaskRuns = false;
  /** An exception thrown by a before hook: the transition is aborted and the error surfaces. */
  error: unknown = undefined;

  constructor(input: OrchestrationInput) {
    // The run is copied: rules change it, and a failed orchestration must leave no trace.
    this.run = structuredClone(input.run);
    this.initial = this.run.state;
    this.proposed = input.proposed;
    this.deployment = input.deployment;
    this.now = input.now;
    this.apiVersion = input.apiVersion;
    this.clientVersion = input.clientVersion;
    this.ledger = input.ledger;
    this.settings = input.settings ?? DEFAULT_SETTINGS;
  }

  get initialType(): StateType | null {
    return this.initial?.type ?? null;
  }

  get proposedType(): StateType | null {
    return this.proposed?.type ?? null;
  }

  /** A fresh server-built state (a rule's replacement), as Prefect's `states.X()` helpers make. */
  newState(
    type: StateType,
    fields: Partial<Omit<OrchState, 'type' | 'stateDetails'>> & { stateDetails?: Partial<StateDetails> } = {},
  ): OrchState {
    const details = { ...STATE_DETAILS_DEFAULTS, ...(fields.stateDetails ?? {}) };
    if (type === 'SCHEDULED' && details.scheduled_time === null) details.scheduled_time = formatIso(this.now);
    return {
      id: uuid7(this.now),
      type,
      name: fields.name ?? defaultStateName(type),
      timestamp: this.now,
      message: fields.message ?? null,
      data: fields.data ?? null,
      stateDetails: details,
    };
  }
}
