/**
 * The automations engine: reactive evaluation of queued events, proactive evaluation on the clock,
 * and the runner of triggered actions. Each evaluation is one transaction: it claims events from the
 * queue, locks the automations they concern, evaluates in memory, and writes the buckets, the
 * `prefect.automation.triggered` events and the triggered actions before committing. Actions run
 * afterwards, each recorded with its status, retried on transient failures, never dropped.
 */
import { createDb, type Db, type Tx } from '../../db/client';
import type { Env } from '../../env';
import { toHttpError } from '../../http/errors';
import { selfApi } from '../../http/self-api';
import { uuid7 } from '../../orchestration/ids';
import type { AutomationResponse } from '../../queries/automations';
import {
  claimQueuedEvents,
  loadEnabledAutomations,
  loadTriggerState,
  lockAutomations,
  recordFirings,
  saveTriggerState,
} from '../../queries/automation-evaluation';
import { claimTriggeredActions, finishTriggeredAction, retryTriggeredAction } from '../../queries/automation-actions';
import { formatMicros, nowMicros, type Micros } from '../../time';
import { act, ActionFailed, type ActionOutcome, type TriggeredAction } from './actions';
import { actOn, evaluateEvent, evaluateProactively, EvaluationState, interestedIn, proactiveTriggersOf } from './evaluation';
import type { AutomationEvent } from './triggers';

/** Events claimed per transaction. */
const EVENT_BATCH = 200;
/** Attempts before a failing action is given up (recorded FAILED with its last error). */
export const MAX_ACTION_ATTEMPTS = 3;

async function evaluateAndRecord(automations: AutomationResponse[], clock: () => Micros, evaluate: (s: EvaluationState) => void, tx: Tx) {
  const ids = automations.map((a) => a.id);
  await lockAutomations(tx, ids);
  const state = new EvaluationState(new Map(automations.map((a) => [a.id, a])), clock);
  await loadTriggerState(tx, ids, state);
  evaluate(state);
  await saveTriggerState(tx, state);
  const events: AutomationEvent[] = [];
  const actions = [];
  for (const { automation, firing } of state.firings) {
    const produced = actOn(automation, firing, state.now());
    events.push(produced.event);
    actions.push(...produced.actions);
  }
  await recordFirings(tx, events, actions);
  return state.firings.length;
}

/**
 * Evaluates queued events, batch by batch, until the queue is empty or `maxBatches` were done.
 * Returns how many events were evaluated and how many triggers fired.
 */
export async function evaluateQueuedEvents(
  db: Db,
  opts: { maxBatches?: number; batchSize?: number; clock?: () => Micros } = {},
): Promise<{ events: number; fired: number; automations: number }> {
  const clock = opts.clock ?? nowMicros;
  let events = 0;
  let fired = 0;
  let enabled = 0;
  for (let i = 0; i < (opts.maxBatches ?? 10); i += 1) {
    const automations = await loadEnabledAutomations(db);
    enabled = automations.length;
    const done = await db.transaction(async (tx) => {
      const batch = await claimQueuedEvents(tx, opts.batchSize ?? EVENT_BATCH);
      if (batch.length === 0) return null;
      const interested = automations.filter((a) => batch.some((e) => interestedIn(a, e)));
      if (interested.length === 0) return { events: batch.length, fired: 0 };
      const n = await evaluateAndRecord(interested, clock, (s) => batch.forEach((e) => evaluateEvent(s, e)), tx);
      return { events: batch.length, fired: n };
    });
    if (!done) break;
    events += done.events;
    fired += done.fired;
  }
  return { events, fired, automations: enabled };
}

/** Evaluates every enabled automation with a proactive trigger as of `now`. */
export async function evaluateProactiveTriggers(db: Db, now: Micros, clock: () => Micros = () => now): Promise<{ automations: number; fired: number }> {
  const automations = (await loadEnabledAutomations(db)).filter((a) => proactiveTriggersOf(a).length > 0);
  let fired = 0;
  for (const automation of automations) {
    fired += await db.transaction((tx) => evaluateAndRecord([automation], clock, (s) => evaluateProactively(s, automation, now), tx));
  }
  return { automations: automations.length, fired };
}

/** Prefect's `prefect.automation.action.{triggered,executed,failed}` events of one action. */
function actionEvents(ta: TriggeredAction, outcome: ActionOutcome, failure: string | null, at: Micros): AutomationEvent[] {
  const resource: Record<string, string> = {
    'prefect.resource.id': `prefect.automation.${ta.automation.id}`,
    'prefect.resource.name': ta.automation.name,
    'prefect.trigger-type': ta.automation.trigger.type,
  };
  if (ta.automation.trigger.type === 'event' && ta.automation.trigger.posture) resource['prefect.posture'] = ta.automation.trigger.posture;
  const related = [...outcome.related];
  if (ta.automation_triggered_event_id) {
    related.push({ 'prefect.resource.id': `prefect.event.${ta.automation_triggered_event_id}`, 'prefect.resource.role': 'automation-triggered-event' });
  }
  if (ta.triggering_event) related.push({ 'prefect.resource.id': `prefect.event.${ta.triggering_event.id}`, 'prefect.resource.role': 'triggering-event' });
  const details = { action_index: ta.action_index, action_type: ta.action.type, invocation: ta.id };
  const triggeredAt = Date.parse(ta.triggered) * 1000;
  const occurredAt = ta.triggering_event ? Date.parse(ta.triggering_event.occurred) * 1000 : NaN;
  const follows = ta.triggering_event && Math.abs(triggeredAt - occurredAt) < 5 * 60 * 1_000_000 ? ta.triggering_event.id : null;
  const triggeredId = uuid7(at);
  const received = formatMicros(at);
  return [
    { occurred: ta.triggered, event: 'prefect.automation.action.triggered', resource, related, payload: details, id: triggeredId, follows, received },
    {
      occurred: formatMicros(at + 1),
      event: `prefect.automation.action.${failure === null ? 'executed' : 'failed'}`,
      resource,
      related,
      payload: failure === null ? { ...details, ...outcome.details } : { ...details, reason: failure, ...outcome.details },
      id: uuid7(at + 1),
      follows: triggeredId,
      received,
    },
  ];
}

/** Attempts at recording an action's outcome when the connection is lost. */
const FINISH_ATTEMPTS = 3;

/**
 * Records an action's outcome, again on a fresh connection when the connection is lost (a cut would
 * otherwise leave this action, and the rest of the batch, RUNNING until their lease runs out, and the
 * action would run a second time). Safe to repeat: a second record of a finished action changes nothing.
 */
async function finishWithRetries(db: Db, env: Env, id: string, failure: string | null, outcome: ActionOutcome, events: AutomationEvent[]): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    const handle = attempt === 1 ? null : createDb(env);
    try {
      return await finishTriggeredAction(handle ? handle.db : db, id, failure, outcome, events);
    } catch (err) {
      if (toHttpError(err).status !== 503 || attempt >= FINISH_ATTEMPTS) throw err;
    } finally {
      if (handle) await handle.close();
    }
  }
}

/**
 * Runs the triggered actions that are due (new ones, retries whose time came, and ones whose runner
 * disappeared), each claimed so that two runners never run the same one at once.
 */
export async function runTriggeredActions(db: Db, env: Env, opts: { limit?: number } = {}): Promise<{ executed: number; failed: number; retrying: number }> {
  const claimed = await claimTriggeredActions(db, opts.limit ?? 20);
  const counts = { executed: 0, failed: 0, retrying: 0 };
  for (const row of claimed) {
    const ta = row.triggeredAction as unknown as TriggeredAction;
    const api = selfApi(env, {
      'prefect-automation-id': ta.automation.id,
      'prefect-automation-name': btoa(String.fromCharCode(...new TextEncoder().encode(ta.automation.name))),
    });
    const outcome: ActionOutcome = { details: {}, related: [] };
    let failure: string | null = null;
    try {
      await act(api, ta, outcome);
    } catch (e) {
      if (e instanceof ActionFailed) failure = e.reason;
      else if (row.attempts < MAX_ACTION_ATTEMPTS) {
        await retryTriggeredAction(db, row.id, e instanceof Error ? e.message : String(e), row.attempts);
        counts.retrying += 1;
        continue;
      } else failure = `Action failed after ${row.attempts} attempts: ${e instanceof Error ? e.message : String(e)}`;
    }
    await finishWithRetries(db, env, row.id, failure, outcome, actionEvents(ta, outcome, failure, nowMicros()));
    if (failure === null) counts.executed += 1;
    else counts.failed += 1;
  }
  return counts;
}

/** One full pass: queued events, then the actions they produced. */
export async function runAutomationsPass(db: Db, env: Env): Promise<Record<string, number>> {
  const evaluated = await evaluateQueuedEvents(db);
  const ran = await runTriggeredActions(db, env);
  // Actions emit events (and their API calls do), which may trigger other automations.
  const again = evaluated.fired > 0 ? await evaluateQueuedEvents(db, { maxBatches: 2 }) : { events: 0, fired: 0, automations: 0 };
  const ranAgain = again.fired > 0 ? await runTriggeredActions(db, env) : { executed: 0, failed: 0, retrying: 0 };
  return {
    events: evaluated.events + again.events,
    fired: evaluated.fired + again.fired,
    executed: ran.executed + ranAgain.executed,
    failed: ran.failed + ranAgain.failed,
    retrying: ran.retrying + ranAgain.retrying,
  };
}
