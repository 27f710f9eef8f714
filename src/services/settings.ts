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
  eventRetention: {
    /** Prefect's db_vacuum "events" type, which it also turns off with the event persister. */
    enabled: boolean;
    /** PREFECT_EVENTS_RETENTION_PERIOD in seconds, or null when the value is not a duration we read. */
    retentionSeconds: number | null;
    /** Ours: events deleted per tick at most (with their resource rows); the rest wait for the next tick. */
    eventsPerTick: number;
  };
  /** Prefect's triggers (reactive and proactive evaluation) and actions services. */
  automations: { triggersEnabled: boolean; actionsEnabled: boolean };
}

/**
 * A duration as Prefect's settings (pydantic `timedelta`) read it from the environment, in seconds:
 * ISO 8601 (`P7D`, `PT12H`, `P1W`, `P1DT2H30M`), or Python's own form (`7 days`, `2d`,
 * `1 day, 01:00:00`, `01:00:00`). Ours also takes a bare number of seconds (`604800`). Null when
 * the text is none of these (or negative).
 */
export function parseDuration(raw: string): number | null {
  const text = raw.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  const n = '(\\d+(?:\\.\\d+)?)';
  const iso = new RegExp(`^P(?:${n}W)?(?:${n}D)?(?:T(?:${n}H)?(?:${n}M)?(?:${n}S)?)?$`, 'i').exec(text);
  if (iso && text.length > 1 && !/T$/i.test(text)) {
    const [w, d, h, m, s] = iso.slice(1).map((x) => Number(x ?? 0));
    return w! * 604_800 + d! * 86_400 + h! * 3600 + m! * 60 + s!;
  }
  const py = /^(?:(\d+)\s*(?:d|days?)\s*,?\s*)?(?:(\d{1,2}):(\d{2}):(\d{2}(?:\.\d+)?))?$/i.exec(text);
  if (py && text !== '' && (py[1] !== undefined || py[2] !== undefined)) {
    const [d, h, m, s] = py.slice(1).map((x) => Number(x ?? 0));
    return d! * 86_400 + h! * 3600 + m! * 60 + s!;
  }
  return null;
}

/** Prefect's PREFECT_SERVER_SERVICES_DB_VACUUM_ENABLED: a comma-separated set; true/false/empty keep "events". */
function vacuumTypes(env: Vars): Set<string> {
  const raw = env[`PREFECT_SERVER_SERVICES_DB_VACUUM_ENABLED`]?.trim().toLowerCase() ?? '';
  if (['', 'false', '0'].includes(raw)) return new Set(['events']);
  if (['true', '1'].includes(raw)) return new Set(['events', 'flow_runs', 'orphans']);
  return new Set(raw.split(',').map((t) => t.trim()).filter(Boolean));
}

function retentionPeriod(env: Vars): number | null {
  const raw = env.PREFECT_SERVER_EVENTS_RETENTION_PERIOD?.trim() || env.PREFECT_EVENTS_RETENTION_PERIOD?.trim();
  return raw ? parseDuration(raw) : 7 * 86_400;
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
    eventRetention: {
      enabled: vacuumTypes(e).has('events') && bool(e, `${P}EVENT_PERSISTER_ENABLED`, true),
      retentionSeconds: retentionPeriod(e),
      eventsPerTick: num(e, `${P}DB_VACUUM_EVENTS_PER_TICK`, 2000),
    },
    automations: {
      triggersEnabled: bool(e, `${P}TRIGGERS_ENABLED`, true),
      actionsEnabled: bool(e, `${P}ACTIONS_ENABLED`, true),
    },
  };
}
