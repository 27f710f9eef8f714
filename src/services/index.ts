/**
 * The driver: runs every enabled background service once, in order, each in its own
 * transaction(s), an error in one not stopping the others. Called by the Worker's Cron Trigger
 * (deployed: every minute), by `wrangler dev --test-scheduled` through `/__scheduled` (under
 * `npm run dev`: every few seconds, see scripts/dev.mjs), and by tests with their own `now`.
 */
import { createDb } from '../db/client';
import type { Env } from '../env';
import { nowMicros, type Micros } from '../time';
import { runAutomations } from './automations';
import { runCancellationCleanup } from './cancellation-cleanup';
import type { ServiceContext } from './context';
import { runEventRetention } from './event-retention';
import { runForeman } from './foreman';
import { runLateRuns } from './late-runs';
import { runPauseExpirations } from './pause-expirations';
import { runRepossessor } from './repossessor';
import { runSchedulerPass, type DeploymentSelection } from './scheduler';
import { serviceSettings } from './settings';

export const SERVICES = ['scheduler', 'late_runs', 'foreman', 'pause_expirations', 'cancellation_cleanup', 'repossessor', 'event_retention', 'automations'] as const;
export type ServiceName = (typeof SERVICES)[number];

const RUNNERS: Record<ServiceName, (ctx: ServiceContext) => Promise<Record<string, number>>> = {
  scheduler: (ctx) => runSchedulerPass(ctx.db, ctx.settings.scheduler, { now: ctx.now }) as unknown as Promise<Record<string, number>>,
  late_runs: runLateRuns,
  foreman: runForeman,
  pause_expirations: runPauseExpirations,
  cancellation_cleanup: runCancellationCleanup,
  repossessor: runRepossessor,
  event_retention: runEventRetention,
  automations: runAutomations,
};

const enabled = (ctx: ServiceContext, name: ServiceName) => {
  const s = ctx.settings;
  const byName = {
    scheduler: s.scheduler.enabled,
    late_runs: s.lateRuns.enabled,
    foreman: s.foreman.enabled,
    pause_expirations: s.pauseExpirations.enabled,
    cancellation_cleanup: s.cancellationCleanup.enabled,
    repossessor: s.repossessor.enabled,
    event_retention: s.eventRetention.enabled,
    automations: s.automations.triggersEnabled || s.automations.actionsEnabled,
  };
  return byName[name];
};

export type ServiceResults = Partial<Record<ServiceName, Record<string, number> | { error: string }>>;

/** Runs the services (all, or `only`) once against `env`'s database. */
export async function runServices(env: Env, opts: { now?: Micros; only?: readonly ServiceName[] } = {}): Promise<ServiceResults> {
  const handle = createDb(env);
  const results: ServiceResults = {};
  try {
    const ctx: ServiceContext = { db: handle.db, env, settings: serviceSettings(env), now: opts.now ?? nowMicros() };
    for (const name of opts.only ?? SERVICES) {
      if (!enabled(ctx, name)) continue;
      try {
        results[name] = await RUNNERS[name](ctx);
      } catch (e) {
        console.error(`[services] ${name} failed:`, e);
        results[name] = { error: e instanceof Error ? e.message : String(e) };
      }
    }
  } finally {
    await handle.close();
  }
  return results;
}

/**
 * Prefect's "recent deployments scheduler", inline: after a write that can change what a
 * deployment schedules (create, update, resume, schedule edits), schedule it right after the
 * response is sent, with a connection of its own.
 */
export function scheduleSoon(env: Env, ctx: { waitUntil(p: Promise<unknown>): void }, deploymentIds: string[]): void {
  // PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED=false turns this off too, as it turns off Prefect's loop.
  if (!serviceSettings(env).scheduler.enabled) return;
  const selection: DeploymentSelection = { kind: 'ids', ids: deploymentIds };
  const work = (async () => {
    const handle = createDb(env);
    try {
      await runSchedulerPass(handle.db, serviceSettings(env).scheduler, { now: nowMicros(), selection, startAfter: '00000000-0000-0000-0000-000000000000' });
    } catch (e) {
      console.error('[services] scheduling after a deployment write failed:', e);
    } finally {
      await handle.close();
    }
  })();
  ctx.waitUntil(work);
}

/** The lease reaper and the cancellation cleanup, once (what the cron ran before the other services existed). */
export async function runMaintenance(env: Env): Promise<{ reaped: number; cancelled: number }> {
  const r = await runServices(env, { only: ['repossessor', 'cancellation_cleanup'] });
  const num = (result: ServiceResults[ServiceName], key: string) => {
    const x = (result as Record<string, unknown> | undefined)?.[key];
    return typeof x === 'number' ? x : 0;
  };
  return { reaped: num(r.repossessor, 'reaped'), cancelled: num(r.cancellation_cleanup, 'timedOut') };
}
