/** Trigger matching: Prefect's fnmatch globs, negation, resource specifications and for_each keys. */
import { describe, expect, it } from 'vitest';
import { bucketingKey, covers, fnmatch, labelMatches, type AutomationEvent } from '../../../src/events/automations/triggers';
import type { EventTrigger } from '../../../src/schemas/automations';

const trigger = (t: Partial<EventTrigger>): EventTrigger => ({
  type: 'event',
  id: 't',
  match: {},
  match_related: {},
  after: [],
  expect: [],
  for_each: [],
  posture: 'Reactive',
  threshold: 1,
  within: 0,
  ...t,
});
const event = (e: Partial<AutomationEvent>): AutomationEvent => ({
  occurred: '2026-01-01T00:00:00Z',
  event: 'prefect.flow-run.Failed',
  resource: { 'prefect.resource.id': 'prefect.flow-run.1' },
  related: [],
  payload: {},
  id: 'e',
  follows: null,
  received: '2026-01-01T00:00:00Z',
  ...e,
});

describe('fnmatch', () => {
  it('matches like Python fnmatchcase', () => {
    expect(fnmatch('prefect.flow-run.*', 'prefect.flow-run.Failed')).toBe(true);
    expect(fnmatch('prefect.flow-run.*', 'prefect.flow-run.')).toBe(true);
    expect(fnmatch('prefect.flow-run.*', 'prefect.task-run.Failed')).toBe(false);
    expect(fnmatch('a?c', 'abc')).toBe(true);
    expect(fnmatch('a[bc]d', 'acd')).toBe(true);
    expect(fnmatch('a[!bc]d', 'acd')).toBe(false);
    expect(fnmatch('A*', 'abc')).toBe(false);
    expect(fnmatch('a.b', 'axb')).toBe(false);
  });

  it('negates with a leading !, and a missing label never matches', () => {
    expect(labelMatches('!prod-*', 'dev-1')).toBe(true);
    expect(labelMatches('!prod-*', 'prod-1')).toBe(false);
    expect(labelMatches('!prod-*', undefined)).toBe(false);
  });
});

describe('covers', () => {
  it('needs the event name in expect or after, the resource, and every related spec', () => {
    const t = trigger({ expect: ['prefect.flow-run.Failed'], match_related: [{ 'prefect.resource.role': 'flow' }, { 'prefect.resource.role': 'tag', 'prefect.resource.id': 'prefect.tag.a' }] });
    const related = [
      { 'prefect.resource.id': 'prefect.flow.f', 'prefect.resource.role': 'flow' },
      { 'prefect.resource.id': 'prefect.tag.a', 'prefect.resource.role': 'tag' },
    ];
    expect(covers(t, event({ related }))).toBe(true);
    expect(covers(t, event({ related: related.slice(0, 1) }))).toBe(false);
    expect(covers(t, event({ related, event: 'prefect.flow-run.Completed' }))).toBe(false);
    expect(covers(trigger({ after: ['prefect.flow-run.Running'], expect: ['x'] }), event({ event: 'prefect.flow-run.Running' }))).toBe(true);
    expect(covers(trigger({}), event({ event: 'anything' }))).toBe(true);
  });
});

describe('bucketingKey', () => {
  it('reads labels of the resource or of the first related resource in a role, in sorted label order', () => {
    const t = trigger({ for_each: ['related:flow:prefect.resource.id', 'prefect.resource.id'] });
    const e = event({ related: [{ 'prefect.resource.id': 'prefect.flow.f', 'prefect.resource.role': 'flow' }] });
    expect(bucketingKey(t, e)).toEqual(['prefect.flow-run.1', 'prefect.flow.f']);
    expect(bucketingKey(trigger({ for_each: ['related:deployment:prefect.resource.id'] }), e)).toEqual(['']);
  });
});
