/**
 * Reactive and proactive evaluation, composite triggers, and exactly-once firing under concurrent
 * evaluators. Evaluation is driven by the tests (AUTOMATIONS_AFTER_WRITES is off in the test env).
 */
import { env } from 'cloudflare:workers';
import { sql } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import { evaluateProactiveTriggers, evaluateQueuedEvents, runTriggeredActions } from '../../../src/events/automations/engine';
import { nowMicros, formatMicros } from '../../../src/time';
import { del, post, resetDb, withDb } from '../helpers';

beforeEach(async () => {
  await resetDb();
});

const evaluate = (opts: Parameters<typeof evaluateQueuedEvents>[1] = {}) => withDb((db) => evaluateQueuedEvents(db, opts));
const runActions = () => withDb((db) => runTriggeredActions(db, env));
const triggered = () =>
  withDb(async (db) => (await db.execute<{ automation_id: string; status: string; action: { type: string }; triggered_action: Record<string, any> }>(sql`SELECT automation_id, status, action, triggered_action FROM automation_triggered_action ORDER BY triggered, action_index`)).rows);
const eventsNamed = (prefix: string) =>
  withDb(async (db) => (await db.execute<{ event: string; resource: Record<string, string>; related: Record<string, string>[]; payload: Record<string, any> }>(sql`SELECT event, resource, related, payload FROM event WHERE event LIKE ${`${prefix}%`} ORDER BY occurred, id`)).rows);

let seq = 0;
const event = (name: string, resource: string, at = nowMicros(), related: Record<string, string>[] = []) => ({
  id: crypto.randomUUID(),
  occurred: formatMicros(at + (seq += 1)),
  event: name,
  resource: { 'prefect.resource.id': resource },
  related,
  payload: {},
});

async function automation(trigger: Record<string, unknown>, actions: unknown[] = [{ type: 'do-nothing' }], extra: Record<string, unknown> = {}) {
  const res = await post('/automations/', { name: 'auto', trigger, actions, ...extra });
  expect(res.status).toBe(201);
  return res.body as { id: string; trigger: { id: string } };
}

describe('reactive triggers', () => {
  it('fire once per window when the threshold is met, per for_each key', async () => {
    const a = await automation({ posture: 'Reactive', expect: ['app.ping'], for_each: ['prefect.resource.id'], threshold: 3, within: 60 });
    const events = [...[1, 2, 3, 4].map(() => event('app.ping', 'r1')), ...[1, 2].map(() => event('app.ping', 'r2')), event('app.other', 'r2')];
    expect((await post('/events', events)).status).toBe(204);
    const result = await evaluate();
    expect(result.fired).toBe(1);
    const actions = await triggered();
    expect(actions).toHaveLength(1);
    expect(actions[0]).toMatchObject({ automation_id: a.id, status: 'PENDING', action: { type: 'do-nothing' } });
    expect(actions[0]!.triggered_action).toMatchObject({ triggering_labels: { 'prefect.resource.id': 'r1' }, triggering_event: { id: events[2]!.id }, action_index: 0 });

    const [fired] = await eventsNamed('prefect.automation.triggered');
    expect(fired).toMatchObject({
      resource: { 'prefect.resource.id': `prefect.automation.${a.id}`, 'prefect.resource.name': 'auto', 'prefect.posture': 'Reactive' },
      related: [{ 'prefect.resource.id': `prefect.event.${events[2]!.id}`, 'prefect.resource.role': 'triggering-event' }],
      payload: { triggering_labels: { 'prefect.resource.id': 'r1' }, triggering_event: { id: events[2]!.id, event: 'app.ping' } },
    });

    // One more r2 event meets r2's threshold; r1's fourth event fell in the window that already fired.
    await post('/events', [event('app.ping', 'r2')]);
    expect((await evaluate()).fired).toBe(1);
    expect((await triggered()).map((t) => t.triggered_action.triggering_labels)).toEqual([{ 'prefect.resource.id': 'r1' }, { 'prefect.resource.id': 'r2' }]);
  });

  it('matches resources and related resources with globs and negation', async () => {
    await automation({
      posture: 'Reactive',
      expect: ['prefect.flow-run.*'],
      match: { 'prefect.resource.id': ['prefect.flow-run.*'], 'prefect.resource.name': '!skip-*' },
      match_related: { 'prefect.resource.role': 'flow', 'prefect.resource.id': 'prefect.flow.f1' },
    });
    const flow = { 'prefect.resource.id': 'prefect.flow.f1', 'prefect.resource.role': 'flow' };
    const other = { 'prefect.resource.id': 'prefect.flow.f2', 'prefect.resource.role': 'flow' };
    const e = (name: string, runName: string, related: Record<string, string>[]) => ({ ...event(name, 'prefect.flow-run.1', nowMicros(), related), resource: { 'prefect.resource.id': 'prefect.flow-run.1', 'prefect.resource.name': runName } });
    await post('/events', [e('prefect.flow-run.Failed', 'skip-me', [flow]), e('prefect.flow-run.Failed', 'ok', [other]), e('prefect.task-run.Failed', 'ok', [flow])]);
    expect((await evaluate()).fired).toBe(0);
    await post('/events', [e('prefect.flow-run.Failed', 'ok', [flow])]);
    expect((await evaluate()).fired).toBe(1);
  });

  it('fires exactly once when many evaluators race over the events of one window', async () => {
    await automation({ posture: 'Reactive', expect: ['app.burst'], threshold: 5, within: 300 });
    const start = nowMicros();
    // 40 events in 40 concurrent requests, then 6 evaluators taking 3 events at a time, concurrently.
    const sent = await Promise.all(Array.from({ length: 40 }, (_, i) => post('/events', [event('app.burst', `r${i}`, start)])));
    expect(sent.every((r) => r.status === 204)).toBe(true);
    const results = await Promise.all(Array.from({ length: 6 }, () => evaluate({ batchSize: 3, maxBatches: 50 })));
    expect(results.reduce((n, r) => n + r.events, 0)).toBeGreaterThanOrEqual(40);
    expect(results.reduce((n, r) => n + r.fired, 0)).toBe(1);
    expect(await triggered()).toHaveLength(1);
    const left = await withDb(async (db) => (await db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM automation_event_queue`)).rows[0]!.n);
    expect(left).toBe(0);
  });

  it('evaluates the server-side events of flow-run state changes', async () => {
    const flow = await post('/flows/', { name: 'auto-flow' });
    await automation({
      posture: 'Reactive',
      expect: ['prefect.flow-run.Failed'],
      match: { 'prefect.resource.id': 'prefect.flow-run.*' },
      match_related: { 'prefect.resource.id': `prefect.flow.${flow.body.id}`, 'prefect.resource.role': 'flow' },
    });
    const run = await post('/flow_runs/', { flow_id: flow.body.id, state: { type: 'RUNNING' } });
    expect(run.status).toBe(201);
    expect((await evaluate()).fired).toBe(0);
    const failed = await post(`/flow_runs/${run.body.id}/set_state`, { state: { type: 'FAILED', message: 'boom' } });
    expect(failed.body.status).toBe('ACCEPT');
    expect((await evaluate()).fired).toBe(1);
    const [t] = await triggered();
    expect(t!.triggered_action.triggering_event).toMatchObject({ event: 'prefect.flow-run.Failed', resource: { 'prefect.resource.id': `prefect.flow-run.${run.body.id}` } });
  });

  it('does not evaluate disabled automations', async () => {
    const a = await automation({ posture: 'Reactive', expect: ['app.x'] });
    expect((await post(`/automations/${a.id}`, undefined)).status).toBe(405);
    await withDb((db) => db.execute(sql`UPDATE automation SET enabled = false`));
    await post('/events', [event('app.x', 'r')]);
    expect((await evaluate()).fired).toBe(0);
  });

  it("fires on the server's own lifecycle events (a variable created, its flow's deletion)", async () => {
    const a = await automation({ posture: 'Reactive', expect: ['prefect.variable.created', 'prefect.flow.deleted'], threshold: 1, within: 0 });
    expect((await post('/variables/', { name: 'watched_var', value: 1 })).status).toBe(201);
    const flowId = (await post('/flows/', { name: 'watched-flow' })).body.id as string;
    expect((await evaluate()).fired).toBe(1);
    await del(`/flows/${flowId}`);
    expect((await evaluate()).fired).toBe(1);
    const actions = await triggered();
    expect(actions.map((t) => [t.automation_id, t.triggered_action.triggering_event.event])).toEqual([
      [a.id, 'prefect.variable.created'],
      [a.id, 'prefect.flow.deleted'],
    ]);
  });
});

describe('proactive triggers', () => {
  it('fire when the expected events do not arrive within the window, and not when they do', async () => {
    const a = await automation({ posture: 'Proactive', expect: ['app.heartbeat'], threshold: 1, within: 30 });
    const t0 = nowMicros();
    const proactive = (at: number) => withDb((db) => evaluateProactiveTriggers(db, at));
    expect((await proactive(t0)).fired).toBe(0); // opens the window [t0, t0 + 30 s)
    await post('/events', [event('app.heartbeat', 'svc', t0 + 5_000_000)]);
    await evaluate();
    // A heartbeat came: the window is dropped (Prefect removes buckets that met the threshold) and
    // the next pass opens a new one, which sees no heartbeat.
    expect((await proactive(t0 + 31_000_000)).fired).toBe(0);
    expect((await proactive(t0 + 32_000_000)).fired).toBe(0);
    expect((await proactive(t0 + 63_000_000)).fired).toBe(1);
    const [fired] = await eventsNamed('prefect.automation.triggered');
    expect(fired!.resource).toMatchObject({ 'prefect.resource.id': `prefect.automation.${a.id}`, 'prefect.posture': 'Proactive' });
  });

  it('with `after`, fire for each key whose follow-up event is missing', async () => {
    await automation({
      posture: 'Proactive',
      after: ['job.started'],
      expect: ['job.finished'],
      for_each: ['prefect.resource.id'],
      within: 60,
    });
    const t0 = nowMicros();
    await post('/events', [event('job.started', 'j1', t0), event('job.started', 'j2', t0), event('job.finished', 'j2', t0 + 10_000_000)]);
    await evaluate();
    const fired = await withDb((db) => evaluateProactiveTriggers(db, t0 + 61_000_000));
    expect(fired.fired).toBe(1);
    const [t] = await triggered();
    expect(t!.triggered_action.triggering_labels).toEqual({ 'prefect.resource.id': 'j1' });
    expect(t!.triggered_action.triggering_event).toMatchObject({ event: 'job.started', resource: { 'prefect.resource.id': 'j1' } });
  });
});

describe('actions_on_resolve (ours: Prefect documents the resolved state, its 3.9.1 server never resolves)', () => {
  it('a proactive trigger that fired resolves once the expected event is back, and runs only actions_on_resolve', async () => {
    const a = await automation({ posture: 'Proactive', expect: ['app.heartbeat'], threshold: 1, within: 30 }, [{ type: 'do-nothing' }], {
      actions_on_trigger: [{ type: 'do-nothing' }],
      actions_on_resolve: [{ type: 'do-nothing' }],
    });
    const t0 = nowMicros();
    const proactive = (at: number) => withDb((db) => evaluateProactiveTriggers(db, at));
    const beat = async (at: number) => {
      await post('/events', [event('app.heartbeat', 'svc', at)]);
      return (await evaluate({ clock: () => at + 500_000 })).fired; // the evaluator's clock follows the test's
    };
    // A heartbeat before the trigger ever fired resolves nothing.
    expect((await proactive(t0)).fired).toBe(0);
    expect(await beat(t0 + 1_000_000)).toBe(0);
    expect((await proactive(t0 + 31_000_000)).fired).toBe(0); // drops the window that saw it
    expect((await proactive(t0 + 32_000_000)).fired).toBe(0); // opens [32 s, 62 s)
    expect((await proactive(t0 + 63_000_000)).fired).toBe(1); // silent for a whole window
    expect((await proactive(t0 + 94_000_000)).fired).toBe(1); // still silent: fires again, still triggered
    expect(await beat(t0 + 95_000_000)).toBe(1); // back: resolved
    expect(await beat(t0 + 96_000_000)).toBe(0); // once

    const states = await eventsNamed('prefect.automation.');
    expect(states.map((e) => e.event)).toEqual(['prefect.automation.created', 'prefect.automation.triggered', 'prefect.automation.triggered', 'prefect.automation.resolved']);
    const resolved = states[3]!;
    expect(resolved.resource).toEqual({ 'prefect.resource.id': `prefect.automation.${a.id}`, 'prefect.resource.name': 'auto', 'prefect.posture': 'Proactive' });
    expect(resolved.related).toEqual([{ 'prefect.resource.id': expect.stringMatching(/^prefect\.event\./), 'prefect.resource.role': 'triggering-event' }]);
    expect(resolved.payload.triggering_event).toMatchObject({ event: 'app.heartbeat', occurred: formatMicros(t0 + 95_000_000 + seq - 1) });

    // Each triggering ran `actions` (index 0) and `actions_on_trigger` (1); the resolution ran
    // `actions_on_resolve` only, numbered after `actions`, following the resolved event.
    const rows = await triggered();
    expect(rows.map((r) => [r.triggered_action.action_index, r.triggered_action.triggering_event?.event ?? null])).toEqual([
      [0, null],
      [1, 'prefect.automation.triggered'],
      [0, null],
      [1, 'prefect.automation.triggered'],
      [1, 'prefect.automation.resolved'],
    ]);
    const resolvedId = await withDb(async (db) => (await db.execute<{ id: string }>(sql`SELECT id FROM event WHERE event = 'prefect.automation.resolved'`)).rows[0]!.id);
    expect(rows[4]!.triggered_action.automation_triggered_event_id).toBe(resolvedId);
    expect(await runActions()).toEqual({ executed: 5, failed: 0, retrying: 0 });

    // Silent again: the trigger fires anew, and resolves anew when the heartbeat returns.
    expect((await proactive(t0 + 130_000_000)).fired).toBe(0); // the window that saw the heartbeats is dropped
    expect((await proactive(t0 + 131_000_000)).fired).toBe(0);
    expect((await proactive(t0 + 162_000_000)).fired).toBe(1);
    expect(await beat(t0 + 163_000_000)).toBe(1);
    expect((await eventsNamed('prefect.automation.resolved')).length).toBe(2);
  });

  it('reactive triggers and triggers inside a compound trigger never resolve', async () => {
    await automation({ posture: 'Reactive', expect: ['x.happened'] }, [{ type: 'do-nothing' }], { actions_on_resolve: [{ type: 'do-nothing' }] });
    await automation(
      { type: 'compound', require: 'any', within: 60, triggers: [{ posture: 'Proactive', expect: ['y.beat'], threshold: 1, within: 30 }] },
      [{ type: 'do-nothing' }],
      { actions_on_resolve: [{ type: 'do-nothing' }] },
    );
    const t0 = nowMicros();
    await post('/events', [event('x.happened', 'r', t0), event('x.happened', 'r', t0 + 1_000_000)]);
    expect((await evaluate()).fired).toBe(2);
    await withDb((db) => evaluateProactiveTriggers(db, t0));
    expect((await withDb((db) => evaluateProactiveTriggers(db, t0 + 31_000_000))).fired).toBe(1);
    await post('/events', [event('y.beat', 'r', t0 + 32_000_000)]);
    expect((await evaluate()).fired).toBe(0);
    expect(await eventsNamed('prefect.automation.resolved')).toEqual([]);
  });
});

describe('composite triggers', () => {
  it('compound "all" fires once both children fired; sequence needs the order', async () => {
    await automation({
      type: 'compound',
      require: 'all',
      within: 300,
      triggers: [
        { posture: 'Reactive', expect: ['a.done'] },
        { posture: 'Reactive', expect: ['b.done'] },
      ],
    });
    await post('/events', [event('a.done', 'x')]);
    expect((await evaluate()).fired).toBe(0);
    await post('/events', [event('b.done', 'x')]);
    expect((await evaluate()).fired).toBe(1);

    await resetDb();
    await automation({ type: 'sequence', within: 300, triggers: [{ posture: 'Reactive', expect: ['first'] }, { posture: 'Reactive', expect: ['second'] }] });
    await post('/events', [event('second', 'x')]);
    await evaluate();
    await post('/events', [event('first', 'x')]);
    expect((await evaluate()).fired).toBe(0);
    await post('/events', [event('second', 'x')]);
    expect((await evaluate()).fired).toBe(1);
  });
});

describe('actions', () => {
  it('run and record their events; do-nothing executes', async () => {
    const a = await automation({ posture: 'Reactive', expect: ['app.go'] });
    const e = event('app.go', 'r');
    await post('/events', [e]);
    await evaluate();
    expect(await runActions()).toEqual({ executed: 1, failed: 0, retrying: 0 });
    expect((await triggered())[0]!.status).toBe('EXECUTED');
    const actionEvents = await eventsNamed('prefect.automation.action');
    expect(actionEvents.map((x) => x.event)).toEqual(['prefect.automation.action.triggered', 'prefect.automation.action.executed']);
    expect(actionEvents[1]).toMatchObject({
      resource: { 'prefect.resource.id': `prefect.automation.${a.id}`, 'prefect.trigger-type': 'event', 'prefect.posture': 'Reactive' },
      payload: { action_index: 0, action_type: 'do-nothing', invocation: expect.any(String) },
    });
    expect(actionEvents[1]!.related.map((r) => r['prefect.resource.role'])).toEqual(['automation-triggered-event', 'triggering-event']);
    expect(await runActions()).toEqual({ executed: 0, failed: 0, retrying: 0 });
  });

  it('record a failure with its reason (and do not retry it)', async () => {
    await automation({ posture: 'Reactive', expect: ['app.go'] }, [{ type: 'cancel-flow-run' }]);
    await post('/events', [event('app.go', 'not-a-run')]);
    await evaluate();
    expect(await runActions()).toEqual({ executed: 0, failed: 1, retrying: 0 });
    const [failed] = await eventsNamed('prefect.automation.action.failed');
    expect(failed!.payload).toMatchObject({ action_type: 'cancel-flow-run', reason: 'No flow run could be inferred' });
    expect((await triggered())[0]!.status).toBe('FAILED');
  });
});
