/**
 * Background-service settings, read from Worker vars under Prefect's own names
 * (`prefect/settings/models/server/services.py`) with Prefect's defaults. Durations are seconds.
 */
import type { Env } from '../env';

type Vars = Partial<Record<string, string | undefined>>;

function num(env: Vars, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  return Number.isFinite(n) ? n : fallback;
}

function bool(env: Vars, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  return !['0', 'false', 'no', 'off'].includes(raw);
}

export interface SchedulerSettings {
  enabled: boolean;
  loopSeconds: number;
  deploymentBatchSize: number;
  maxRuns: number;
  minRuns: number;
  /** seconds */
  maxScheduledTime: number;
  /** seconds */
  minScheduledTime: number;
  insertBatchSize: number;
  recentDeploymentsLoopSeconds: number;
  /** Ours: deployments one pass looks at, at most (the rest wait for the next tick). */
  maxDeploymentsPerPass: number;
}

export interface ServiceSettings {
  scheduler: SchedulerSettings;
  lateRuns: { enabled: boolean; loopSeconds: number; afterSeconds: number; batchSize: number };
  foreman: {
    enabled: boolean;
    loopSeconds: number;
    inactivityHeartbeatMultiple: number;
    fallbackHeartbeatIntervalSeconds: number;
    deploymentLastPolledTimeoutSeconds: number;
    workQueueLastPolledTimeoutSeconds: number;
  };
  pauseExpirations: { enabled: boolean; loopSeconds: number; batchSize: number };
  cancellationCleanup: { enabled: boolean; loopSeconds: number; cancellingTimeoutSeconds: number; batchSize: number };
  repossessor: { enabled: boolean; loopSeconds: number; batchSize: number };
}

const P = 'PREFECT_SERVER_SERVICES_';

export function serviceSettings(env: Env | Vars): ServiceSettings {
  const e = env as Vars;
  return {
    scheduler: {
      enabled: bool(e, `${P}SCHEDULER_ENABLED`, true),
      loopSeconds: num(e, `${P}SCHEDULER_LOOP_SECONDS`, 60),
      deploymentBatchSize: num(e, `${P}SCHEDULER_DEPLOYMENT_BATCH_SIZE`, 100),
      maxRuns: num(e, `${P}SCHEDULER_MAX_RUNS`, 100),
      minRuns: num(e, `${P}SCHEDULER_MIN_RUNS`, 3),
      maxScheduledTime: num(e, `${P}SCHEDULER_MAX_SCHEDULED_TIME`, 100 * 86_400),
      minScheduledTime: num(e, `${P}SCHEDULER_MIN_SCHEDULED_TIME`, 3600),
      insertBatchSize: num(e, `${P}SCHEDULER_INSERT_BATCH_SIZE`, 500),
      recentDeploymentsLoopSeconds: num(e, `${P}SCHEDULER_RECENT_DEPLOYMENTS_LOOP_SECONDS`, 5),
      maxDeploymentsPerPass: num(e, `${P}SCHEDULER_MAX_DEPLOYMENTS_PER_PASS`, 1000),
    },
    lateRuns: {
      enabled: bool(e, `${P}LATE_RUNS_ENABLED`, true),
      loopSeconds: num(e, `${P}LATE_RUNS_LOOP_SECONDS`, 5),
      afterSeconds: num(e, `${P}LATE_RUNS_AFTER_SECONDS`, 15),
      batchSize: 400,
    },
    foreman: {
      enabled: bool(e, `${P}FOREMAN_ENABLED`, true),
      loopSeconds: num(e, `${P}FOREMAN_LOOP_SECONDS`, 15),
      inactivityHeartbeatMultiple: num(e, `${P}FOREMAN_INACTIVITY_HEARTBEAT_MULTIPLE`, 3),
      fallbackHeartbeatIntervalSeconds: num(e, `${P}FOREMAN_FALLBACK_HEARTBEAT_INTERVAL_SECONDS`, 30),
      deploymentLastPolledTimeoutSeconds: num(e, `${P}FOREMAN_DEPLOYMENT_LAST_POLLED_TIMEOUT_SECONDS`, 60),
      workQueueLastPolledTimeoutSeconds: num(e, `${P}FOREMAN_WORK_QUEUE_LAST_POLLED_TIMEOUT_SECONDS`, 60),
    },
    pauseExpirations: {
      enabled: bool(e, `${P}PAUSE_EXPIRATIONS_ENABLED`, true),
      loopSeconds: num(e, `${P}PAUSE_EXPIRATIONS_LOOP_SECONDS`, 5),
      batchSize: 200,
    },
    cancellationCleanup: {
      enabled: bool(e, `${P}CANCELLATION_CLEANUP_ENABLED`, true),
      loopSeconds: num(e, `${P}CANCELLATION_CLEANUP_LOOP_SECONDS`, 20),
      cancellingTimeoutSeconds: num(e, `${P}CANCELLATION_CLEANUP_CANCELLING_TIMEOUT_SECONDS`, 300),
      batchSize: 200,
    },
    repossessor: {
      enabled: bool(e, `${P}REPOSSESSOR_ENABLED`, true),
      loopSeconds: num(e, `${P}REPOSSESSOR_LOOP_SECONDS`, 15),
      batchSize: 500,
    },
  };
}
