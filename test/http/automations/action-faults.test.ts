/**
 * The action runner losing its database connection while it records an action's outcome: the record is
 * retried on a fresh connection, so the action is EXECUTED with its events stored once, and the other
 * actions of the batch still run (none is left RUNNING until its 5-minute lease runs out).
 */
import { env } from 'cloudflare:workers';
import { sql } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import { evaluateQueuedEvents, runTriggeredActions } from '../../../src/events/automations/engine';
import { formatMicros, nowMicros } from '../../../src/time';
import { isPglite, post, resetDb, withDb } from '../helpers';
import { cutWhileBlocked } from '../security/faults';

beforeEach(async () => {
  await resetDb();
});

describe('triggered actions under a dropped connection', () => {
  it.skipIf(isPglite())('recording an outcome is retried: each action EXECUTED once, with one event pair', async () => {
    const auto = await post('/automations/', {
      name: 'two actions',
      trigger: { posture: 'Reactive', expect: ['go'] },
      actions: [{ type: 'do-nothing' }, { type: 'do-nothing' }],
    });
    expect(auto.status).toBe(201);
    await post('/events', [{ id: crypto.randomUUID(), occurred: formatMicros(nowMicros()), event: 'go', resource: { 'prefect.resource.id': 'x' } }]);
    expect((await withDb((db) => evaluateQueuedEvents(db))).fired).toBe(1);

    // Recording the first outcome inserts its events: hold the event table so that it blocks there, then cut.
    const ran = await cutWhileBlocked(sql`lock table event in exclusive mode`, () =>
      withDb((db) => runTriggeredActions(db, env)).then(
        (r) => r,
        (e: unknown) => e,
      ),
    );
    expect(ran).toEqual({ executed: 2, failed: 0, retrying: 0 });

    const statuses = await withDb(async (db) => (await db.execute<{ status: string }>(sql`select status from automation_triggered_action order by action_index`)).rows);
    expect(statuses.map((s) => s.status)).toEqual(['EXECUTED', 'EXECUTED']);
    const events = await withDb(
      async (db) =>
        (await db.execute<{ event: string; n: number }>(sql`select event, count(*)::int as n from event where event like 'prefect.automation.action.%' group by event order by event`))
          .rows,
    );
    expect(events.map((e) => [e.event, Number(e.n)])).toEqual([
      ['prefect.automation.action.executed', 2],
      ['prefect.automation.action.triggered', 2],
    ]);
  });
});
