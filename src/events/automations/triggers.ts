/**
 * What a trigger is interested in (Prefect's EventTrigger.covers / expects / starts_after /
 * bucketing_key and ResourceSpecification): pure functions over an event.
 */
import type { EventTrigger, ResourceSpec, Trigger } from '../../schemas/automations';
import type { EventResponse } from '../../queries/events-read';

/** An event as the evaluator sees it (Prefect's ReceivedEvent, serialised): the API's event shape. */
export type AutomationEvent = EventResponse;

const globCache = new Map<string, RegExp>();

/** Python's fnmatchcase: `*`, `?`, `[seq]`, `[!seq]`, case-sensitive, whole string. */
export function fnmatch(pattern: string, value: string): boolean {
  let re = globCache.get(pattern);
  if (!re) {
    let out = '';
    for (let i = 0; i < pattern.length; i += 1) {
      const ch = pattern[i] as string;
      if (ch === '*') out += '[\\s\\S]*';
      else if (ch === '?') out += '[\\s\\S]';
      else if (ch === '[') {
        const close = pattern.indexOf(']', i + 2);
        if (close < 0) out += '\\[';
        else {
          let body = pattern.slice(i + 1, close);
          if (body.startsWith('!')) body = `^${body.slice(1)}`;
          out += `[${body.replace(/\\/g, '\\\\')}]`;
          i = close;
        }
      } else out += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    }
    re = new RegExp(`^${out}$`);
    if (globCache.size > 1000) globCache.clear();
    globCache.set(pattern, re);
  }
  return re.test(value);
}

/** Prefect's `matches`: a glob, negated by a leading `!`; a missing label never matches. */
export function labelMatches(expected: string, value: string | undefined): boolean {
  if (value === undefined) return false;
  const negated = expected.startsWith('!');
  const ok = fnmatch(negated ? expected.slice(1) : expected, value);
  return negated ? !ok : ok;
}

const values = (x: string | string[]) => (typeof x === 'string' ? [x] : x);

export function specMatches(spec: ResourceSpec, resource: Record<string, string>): boolean {
  return Object.entries(spec).every(([label, expected]) => values(expected).some((e) => labelMatches(e, resource[label])));
}

/** True when the spec is empty or some candidate matches it. */
export function specIncludes(spec: ResourceSpec, candidates: readonly Record<string, string>[]): boolean {
  if (Object.keys(spec).length === 0) return true;
  return candidates.some((c) => specMatches(spec, c));
}

export function expects(trigger: EventTrigger, event: string): boolean {
  return trigger.expect.length === 0 || trigger.expect.some((e) => fnmatch(e, event));
}

export function startsAfter(trigger: EventTrigger, event: string): boolean {
  return trigger.after.some((e) => fnmatch(e, event));
}

/** Whether the trigger looks at this event at all: its name and its resources. */
export function covers(trigger: EventTrigger, e: AutomationEvent): boolean {
  if (trigger.expect.length > 0 && !expects(trigger, e.event) && !startsAfter(trigger, e.event)) return false;
  if (!specIncludes(trigger.match, [e.resource])) return false;
  const related = Array.isArray(trigger.match_related) ? trigger.match_related : [trigger.match_related];
  return related.every((spec) => specIncludes(spec, e.related));
}

/** A label of the event's resource, or `related:<role>:<label>` of its first related resource in that role. */
export function findResourceLabel(e: AutomationEvent, label: string): string | undefined {
  const colon = label.lastIndexOf(':');
  const directive = colon >= 0 ? label.slice(0, colon) : '';
  const relatedLabel = label.slice(colon + 1);
  const [kind, role] = [directive.split(':')[0], directive.split(':').slice(1).join(':')];
  if (kind === 'related') {
    const r = e.related.find((x) => x['prefect.resource.role'] === role);
    if (r) return r[relatedLabel];
  }
  return e.resource[label];
}

/** The `for_each` values of an event, in the sorted order of the labels. */
export function bucketingKey(trigger: EventTrigger, e: AutomationEvent): string[] {
  return [...trigger.for_each].sort().map((label) => findResourceLabel(e, label) ?? '');
}

export function meetsThreshold(trigger: EventTrigger, count: number): boolean {
  return trigger.posture === 'Reactive' ? count >= trigger.threshold : count < trigger.threshold;
}

/** A trigger with the composite triggers above it (nearest first). */
export interface PlacedTrigger {
  trigger: EventTrigger;
  parents: Trigger[];
}

/** Every event trigger of a trigger tree, with its parents. */
export function eventTriggersOf(root: Trigger, parents: Trigger[] = []): PlacedTrigger[] {
  if (root.type === 'event') return [{ trigger: root, parents }];
  return root.triggers.flatMap((t) => eventTriggersOf(t, [root, ...parents]));
}

/** How many child firings a composite trigger needs. */
export function expectedFirings(t: Trigger): number {
  if (t.type === 'compound') return t.require === 'any' ? 1 : t.require === 'all' ? t.triggers.length : t.require;
  if (t.type === 'sequence') return t.triggers.length;
  return 1;
}
