/**
 * Trigger evaluation (Prefect's server/events/triggers.py), in memory over state loaded for a set of
 * automations whose rows the caller holds locked: the buckets (counts per trigger, `for_each` key and
 * window) and the child firings of composite triggers. The caller writes back what changed, the
 * `prefect.automation.triggered` events and the triggered actions, in the same transaction, so a
 * window fires once however many isolates evaluate events at the same time.
 */
import { uuid7 } from '../../orchestration/ids';
import type { AutomationResponse } from '../../queries/automations';
import type { Action, EventTrigger, Trigger } from '../../schemas/automations';
import { formatMicros, parseMicros, type Micros } from '../../time';
import {
  bucketingKey,
  covers,
  eventTriggersOf,
  expectedFirings,
  expects,
  meetsThreshold,
  startsAfter,
  type AutomationEvent,
} from './triggers';

/** Prefect's PRECEDING_EVENT_LOOKBACK: a reactive bucket opens this long before its first event. */
const PRECEDING_EVENT_LOOKBACK_US = 15 * 60 * 1_000_000;
const US = 1_000_000;

export interface Bucket {
  automationId: string;
  triggerId: string;
  key: string[];
  start: Micros;
  end: Micros;
  count: number;
  lastEvent: AutomationEvent | null;
  triggeredAt: Micros | null;
}

/** Prefect's TriggerState: a firing either triggers the automation or resolves it. */
export type TriggerState = 'Triggered' | 'Resolved';

export interface Firing {
  id: string;
  trigger: Trigger;
  trigger_states: TriggerState[];
  triggered: string;
  triggering_labels: Record<string, string>;
  triggering_firings: Firing[];
  triggering_event: AutomationEvent | null;
  triggering_value: null;
}

export interface ChildFiring {
  parentTriggerId: string;
  childTriggerId: string;
  firing: Firing;
  firedAt: Micros;
}

/** What one evaluation pass works on and produces. */
export class EvaluationState {
  readonly buckets = new Map<string, Bucket | null>();
  readonly childFirings = new Map<string, ChildFiring[]>();
  readonly changedBuckets = new Set<string>();
  readonly changedComposites = new Set<string>();
  /** Firings of whole automations: each becomes a triggered event and its actions. */
  readonly firings: { automation: AutomationResponse; firing: Firing }[] = [];
  private tick = 0;

  constructor(
    readonly automations: Map<string, AutomationResponse>,
    private readonly clock: () => Micros,
  ) {}

  /** Distinct, increasing firing times within a pass (the Workers clock stands still between I/O). */
  now(): Micros {
    this.tick += 1;
    return this.clock() + this.tick;
  }

  static bucketId(automationId: string, triggerId: string, key: readonly string[]) {
    return JSON.stringify([automationId, triggerId, key]);
  }

  load(bucket: Bucket) {
    this.buckets.set(EvaluationState.bucketId(bucket.automationId, bucket.triggerId, bucket.key), bucket);
  }

  read(automationId: string, t: EventTrigger, key: string[]): Bucket | null {
    return this.buckets.get(EvaluationState.bucketId(automationId, t.id, key)) ?? null;
  }

  put(bucket: Bucket): Bucket {
    const id = EvaluationState.bucketId(bucket.automationId, bucket.triggerId, bucket.key);
    this.buckets.set(id, bucket);
    this.changedBuckets.add(id);
    return bucket;
  }

  remove(bucket: Bucket) {
    const id = EvaluationState.bucketId(bucket.automationId, bucket.triggerId, bucket.key);
    this.buckets.set(id, null);
    this.changedBuckets.add(id);
  }

  bucketsOf(automationId: string, triggerId: string): Bucket[] {
    return [...this.buckets.values()]
      .filter((b): b is Bucket => b !== null && b.automationId === automationId && b.triggerId === triggerId)
      .sort((a, b) => a.start - b.start);
  }
}

/** Creates the bucket unless one exists (Prefect's ensure_bucket), returning the current one. */
function ensureBucket(s: EvaluationState, automationId: string, t: EventTrigger, key: string[], start: Micros, end: Micros, lastEvent: AutomationEvent | null, initialCount = 0): Bucket {
  const existing = s.read(automationId, t, key);
  if (existing) return existing;
  return s.put({ automationId, triggerId: t.id, key, start, end, count: initialCount, lastEvent, triggeredAt: null });
}

function startNewBucket(
  s: EvaluationState,
  automationId: string,
  t: EventTrigger,
  key: string[],
  start: Micros,
  end: Micros,
  count: number,
  lastEvent: AutomationEvent | null = null,
  triggeredAt: Micros | null = null,
): Bucket {
  return s.put({ automationId, triggerId: t.id, key, start, end, count, lastEvent, triggeredAt });
}

const labelsOf = (t: EventTrigger, key: string[]) => Object.fromEntries([...t.for_each].sort().map((label, i) => [label, key[i] ?? '']));

/**
 * Ours, after Prefect's documented `prefect.automation.resolved` (Prefect 3.9.1's server never
 * resolves): a proactive trigger that fired for a key (the bucket keeps `triggeredAt`) resolves once
 * the expected events are back, that is its current window has reached the threshold. Only an
 * automation's own trigger resolves; one inside a compound or sequence trigger does not.
 */
function resolveIfResumed(s: EvaluationState, automation: AutomationResponse, t: EventTrigger, parents: Trigger[], bucket: Bucket, event: AutomationEvent | null): Bucket {
  if (t.posture !== 'Proactive' || parents.length > 0 || bucket.triggeredAt === null || bucket.count < t.threshold) return bucket;
  const at = s.now();
  s.firings.push({
    automation,
    firing: {
      id: uuid7(at),
      trigger: t,
      trigger_states: ['Resolved'],
      triggered: formatMicros(at),
      triggering_labels: labelsOf(t, bucket.key),
      triggering_firings: [],
      triggering_event: event ?? bucket.lastEvent,
      triggering_value: null,
    },
  });
  return s.put({ ...bucket, triggeredAt: null });
}

const occurredOf = (e: AutomationEvent) => parseMicros(e.occurred) ?? 0;

/** Prefect's `evaluate`: counts the event into the bucket, fires when the threshold is met, rolls the window. */
export function evaluateBucket(s: EvaluationState, automation: AutomationResponse, t: EventTrigger, parents: Trigger[], bucket: Bucket, now: Micros, event: AutomationEvent | null): Bucket | null {
  let count = event ? 1 : 0;
  if (now < bucket.start) return bucket; // a late event for a window that has not opened
  const previousLastEvent = bucket.lastEvent;
  const immediate = t.posture === 'Reactive' && t.within === 0;
  if (count && (immediate || (bucket.start <= now && now < bucket.end))) {
    bucket = s.put({ ...bucket, count: bucket.count + count, lastEvent: event ?? bucket.lastEvent });
    count = 0;
    bucket = resolveIfResumed(s, automation, t, parents, bucket, event);
  }
  // A proactive trigger stays triggered into its next windows until it resolves.
  let triggeredAt = bucket.triggeredAt;
  const readyToFire = t.posture === 'Reactive' || bucket.end <= now;
  const meets = meetsThreshold(t, bucket.count);
  if (readyToFire && meets) {
    const firedAt = s.now();
    if (t.posture === 'Proactive') triggeredAt = firedAt;
    fire(s, automation, parents, {
      id: uuid7(firedAt),
      trigger: t,
      trigger_states: ['Triggered'],
      triggered: formatMicros(firedAt),
      triggering_labels: labelsOf(t, bucket.key),
      triggering_firings: [],
      triggering_event: event ?? bucket.lastEvent,
      triggering_value: null,
    });
    s.remove(bucket);
  } else if (now < bucket.end) {
    if (event && t.posture === 'Proactive' && !meets && startsAfter(t, event.event) && expects(t, event.event)) {
      s.remove(bucket);
      let lastEvent = event;
      if (previousLastEvent && expects(t, previousLastEvent.event) && !startsAfter(t, previousLastEvent.event) && occurredOf(previousLastEvent) >= occurredOf(event)) {
        lastEvent = previousLastEvent;
      }
      const start = occurredOf(event);
      return startNewBucket(s, automation.id, t, bucket.key, start, start + t.within * US, 0, lastEvent);
    }
    return bucket;
  }
  if (t.after.length > 0) {
    s.remove(bucket);
    return null;
  }
  if (t.within === 0) return null;
  const start = Math.max(bucket.end, now);
  const end = start + t.within * US;
  if (t.posture === 'Reactive' && count > 0) {
    const fresh = startNewBucket(s, automation.id, t, bucket.key, start, end, 0);
    return evaluateBucket(s, automation, t, parents, fresh, now, event);
  }
  return startNewBucket(s, automation.id, t, bucket.key, start, end, count, null, triggeredAt);
}

/** A trigger fired: the automation acts, or its composite parent counts the firing. */
function fire(s: EvaluationState, automation: AutomationResponse, parents: Trigger[], firing: Firing) {
  const [parent, ...rest] = parents;
  if (!parent) {
    s.firings.push({ automation, firing });
    return;
  }
  const parentFiring = (firings: Firing[]): Firing => ({
    id: uuid7(s.now()),
    trigger: parent,
    trigger_states: ['Triggered'],
    triggered: formatMicros(s.now()),
    triggering_labels: {},
    triggering_firings: firings,
    triggering_event: firing.triggering_event,
    triggering_value: null,
  });
  if (expectedFirings(parent) === 1) {
    fire(s, automation, rest, parentFiring([firing]));
    return;
  }
  const firedAt = parseMicros(firing.triggered) ?? s.now();
  const within = parent.type === 'event' ? null : parent.within;
  let held = (s.childFirings.get(parent.id) ?? []).filter((c) => within === null || c.firedAt >= firedAt - within * US);
  held = [...held.filter((c) => c.childTriggerId !== firing.trigger.id), { parentTriggerId: parent.id, childTriggerId: firing.trigger.id, firing, firedAt }];
  s.childFirings.set(parent.id, held);
  s.changedComposites.add(parent.id);
  const firings = held.map((c) => c.firing);
  const ready =
    parent.type === 'sequence'
      ? JSON.stringify([...held].sort((a, b) => a.firedAt - b.firedAt).map((c) => c.childTriggerId)) === JSON.stringify(parent.triggers.map((t) => t.id))
      : firings.length >= expectedFirings(parent);
  if (!ready) return;
  s.childFirings.set(parent.id, []);
  fire(s, automation, rest, parentFiring(firings));
}

/** Prefect's reactive_evaluation of one event against every interested trigger of the loaded automations. */
export function evaluateEvent(s: EvaluationState, event: AutomationEvent) {
  const occurred = occurredOf(event);
  for (const automation of s.automations.values()) {
    if (!automation.enabled) continue;
    for (const { trigger: t, parents } of eventTriggersOf(automation.trigger)) {
      if (!covers(t, event)) continue;
      const key = bucketingKey(t, event);
      let bucket: Bucket | null = null;
      if (t.after.length > 0 && startsAfter(t, event.event)) {
        bucket = ensureBucket(s, automation.id, t, key, occurred, occurred + t.within * US, event, expects(t, event.event) ? -1 : 0);
      }
      if (!bucket && t.after.length === 0 && expects(t, event.event)) {
        bucket = ensureBucket(s, automation.id, t, key, occurred - PRECEDING_EVENT_LOOKBACK_US, occurred + t.within * US, event);
      }
      if (!expects(t, event.event)) continue;
      bucket ??= s.read(automation.id, t, key);
      if (!bucket) continue;
      evaluateBucket(s, automation, t, parents, bucket, occurred, event);
    }
  }
}

/** Triggers that need the clock: proactive event triggers. */
export const proactiveTriggersOf = (a: AutomationResponse) => eventTriggersOf(a.trigger).filter((p) => p.trigger.posture === 'Proactive');

/** Does any event trigger of the automation cover this event? (Which automations a batch must lock.) */
export const interestedIn = (a: AutomationResponse, e: AutomationEvent) => a.enabled && eventTriggersOf(a.trigger).some(({ trigger }) => covers(trigger, e));

/** Prefect's proactive_evaluation of the automation's proactive triggers as of `asOf`. */
export function evaluateProactively(s: EvaluationState, automation: AutomationResponse, asOf: Micros) {
  for (const { trigger: t, parents } of proactiveTriggersOf(automation)) {
    if (t.for_each.length === 0) ensureBucket(s, automation.id, t, [], asOf, asOf + t.within * US, null);
    for (const bucket of s.bucketsOf(automation.id, t.id)) {
      if (bucket.count >= t.threshold) {
        resolveIfResumed(s, automation, t, parents, bucket, null);
        s.remove(bucket); // it can no longer fire in this window
        continue;
      }
      evaluateBucket(s, automation, t, parents, bucket, asOf, null);
    }
  }
}

// ---- what a firing produces -----------------------------------------------------------------

export interface TriggeredActionRecord {
  id: string;
  automationId: string;
  actionIndex: number;
  action: Action;
  triggered: string;
  triggeredAction: Record<string, unknown>;
}

/**
 * Prefect's `act`: the `prefect.automation.triggered` event, and one triggered action per action
 * (`actions` follow the triggering event; `actions_on_trigger` follow the triggered event). A
 * resolving firing stores `prefect.automation.resolved` and runs only `actions_on_resolve` (following
 * the resolved event), numbered after `actions` as in Prefect's list. Prefect's act would run `actions`
 * again too; its server never resolves, so ours keeps `actions` to the triggering that users expect.
 */
export function actOn(automation: AutomationResponse, firing: Firing, at: Micros): { event: AutomationEvent; actions: TriggeredActionRecord[] } {
  const resource: Record<string, string> = {
    'prefect.resource.id': `prefect.automation.${automation.id}`,
    'prefect.resource.name': automation.name,
  };
  if (firing.trigger.type === 'event') resource['prefect.posture'] = firing.trigger.posture;
  const triggering = firing.triggering_event;
  const resolved = !firing.trigger_states.includes('Triggered') && firing.trigger_states.includes('Resolved');
  const event: AutomationEvent = {
    occurred: firing.triggered,
    event: resolved ? 'prefect.automation.resolved' : 'prefect.automation.triggered',
    resource,
    related: triggering ? [{ 'prefect.resource.id': `prefect.event.${triggering.id}`, 'prefect.resource.role': 'triggering-event' }] : [],
    payload: { triggering_labels: firing.triggering_labels, triggering_event: triggering },
    id: uuid7(at),
    follows: null,
    received: formatMicros(at),
  };
  const sources: [AutomationEvent | null, Action, number][] = resolved
    ? automation.actions_on_resolve.map((a, i): [AutomationEvent | null, Action, number] => [event, a, automation.actions.length + i])
    : [
        ...automation.actions.map((a, i): [AutomationEvent | null, Action, number] => [triggering, a, i]),
        ...automation.actions_on_trigger.map((a, i): [AutomationEvent | null, Action, number] => [event, a, automation.actions.length + i]),
      ];
  const actions = sources.map(([triggeringEvent, action, index]): TriggeredActionRecord => {
    const id = uuid7(at + index + 1);
    return {
      id,
      automationId: automation.id,
      actionIndex: index,
      action,
      triggered: firing.triggered,
      triggeredAction: {
        automation,
        id,
        firing,
        triggered: firing.triggered,
        triggering_labels: firing.triggering_labels,
        triggering_event: triggeringEvent,
        action,
        action_index: index,
        automation_triggered_event_id: event.id,
      },
    };
  });
  return { event, actions };
}
