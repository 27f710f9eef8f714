/**
 * Automations (Prefect's triggers and actions services): each tick evaluates the proactive triggers
 * as of `now`, evaluates the events still queued (reactive triggers; requests that store events
 * usually evaluate them right after their response, see `evaluateAutomationsSoon`), and runs the
 * triggered actions that are due, retries included.
 */
import type { MiddlewareHandler } from 'hono';
import { createDb } from '../db/client';
import type { AppEnv, Env } from '../env';
import { SELF_API_HEADER } from '../http/self-api';
import { sweepAutomationState } from '../queries/automation-evaluation';
import { evaluateProactiveTriggers, evaluateQueuedEvents, runTriggeredActions } from '../events/automations/engine';
import { nowMicros } from '../time';
import type { ServiceContext } from './context';
import { serviceSettings } from './settings';

export async function runAutomations(ctx: ServiceContext, opts: { proactive?: boolean } = {}): Promise<Record<string, number>> {
  const { triggersEnabled, actionsEnabled } = ctx.settings.automations;
  const out: Record<string, number> = { events: 0 };
  if (triggersEnabled) {
    if (opts.proactive ?? true) {
      out.proactiveFired = (await evaluateProactiveTriggers(ctx.db, ctx.now)).fired;
      // Finished actions are kept as long as events are.
      const swept = await sweepAutomationState(ctx.db, ctx.now, ctx.settings.eventRetention.retentionSeconds ?? 7 * 86_400);
      out.bucketsSwept = swept.buckets;
      out.actionsSwept = swept.actions;
    }
    const reactive = await evaluateQueuedEvents(ctx.db);
    if (reactive.automations === 0) noAutomationsSince = nowMicros();
    out.events = reactive.events;
    out.reactiveFired = reactive.fired;
  }
  if (actionsEnabled) {
    const ran = await runTriggeredActions(ctx.db, ctx.env);
    Object.assign(out, ran);
    // What the actions did (runs created, states set) may trigger automations in turn.
    if (triggersEnabled && ran.executed + ran.failed > 0) out.events = (out.events ?? 0) + (await evaluateQueuedEvents(ctx.db, { maxBatches: 2 })).events;
  }
  return out;
}

/** Per isolate: a pass is running (in the request that started it), and whether another was asked for meanwhile. */
let running: Promise<void> | null = null;
let runningSince = 0;
let again = false;
/** A pass older than this is presumed cut off with its request (its promise may never settle). */
const STALE_US = 60 * 1_000_000;
/**
 * Per isolate: when a pass last found no enabled automation. For a few seconds after that, requests
 * skip the pass (and its connection); the cron tick and other isolates still evaluate what is queued.
 */
let noAutomationsSince: number | null = null;
const QUIET_US = 10 * 1_000_000;

/** An automation was created or changed in this isolate: evaluate again after writes. */
export function automationsChanged(): void {
  noAutomationsSince = null;
}

/**
 * After a request that stored events: evaluate them (and run the actions they trigger) right after
 * the response, on a connection of its own. Passes in one isolate do not overlap; a request during a
 * pass asks for one more pass after it. Other isolates and the cron tick may evaluate concurrently:
 * the queue and the automation locks keep that correct.
 */
export function evaluateAutomationsSoon(env: Env, ctx: { waitUntil(p: Promise<unknown>): void }): void {
  const settings = serviceSettings(env).automations;
  if (!settings.triggersEnabled || env.AUTOMATIONS_AFTER_WRITES?.trim().toLowerCase() === 'false') return;
  if (noAutomationsSince !== null && nowMicros() - noAutomationsSince < QUIET_US) return;
  if (running && nowMicros() - runningSince < STALE_US) {
    // Not awaited here: a promise of another request cannot be waited on in workerd. The running pass
    // (kept alive by its own request's waitUntil) goes round once more.
    again = true;
    return;
  }
  const pass = async () => {
    do {
      again = false;
      const handle = createDb(env);
      try {
        await runAutomations({ db: handle.db, env, settings: serviceSettings(env), now: nowMicros() }, { proactive: false });
      } catch (e) {
        console.error('[automations] evaluation after a request failed:', e);
      } finally {
        await handle.close();
      }
    } while (again);
  };
  runningSince = nowMicros();
  running = pass().finally(() => {
    running = null;
  });
  ctx.waitUntil(running);
}

/**
 * After every successful write request (it may have stored events: ingestion, or the server-side
 * events of a state change, a deployment, a pool…), evaluate automations once the response is sent.
 */
export const automationsAfterWrites: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  if (c.req.method === 'GET' || c.req.method === 'HEAD' || c.res.status >= 400 || !c.env.DATABASE_URL) return;
  // Only stored events queue work for automations. Prefect's reads are POSTs too (`/flow_runs/filter`,
  // the UI's counts, polled all the time), and some writes store no event (bulk_delete): neither needs
  // a pass and its second connection.
  if (!c.get('statements')?.eventWrites) return;
  // An action's own API call runs inside a pass, which evaluates what it stored when it goes round again.
  if (c.req.header(SELF_API_HEADER)) return;
  if (c.req.path.includes('/automations')) automationsChanged();
  let ctx: { waitUntil(p: Promise<unknown>): void };
  try {
    ctx = c.executionCtx;
  } catch {
    return; // no execution context (plain app.request in unit tests): nothing can run after the response
  }
  evaluateAutomationsSoon(c.env, ctx);
};
