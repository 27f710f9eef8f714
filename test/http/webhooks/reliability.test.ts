/**
 * Webhook calls in concurrent bursts while the database connections are cut, with an automation on
 * the webhook's event evaluated and acted on during the bursts (and cut too). Every call answered 204
 * has exactly one event, that event exactly one triggered action and one `action.triggered` /
 * `action.executed` pair, none has two, and bad templates and oversize bodies still get their 4xx.
 *
 * Each burst cuts every connection twice. A call retries each database step up to three times on fresh
 * connections, and a cut can fail only the attempt it interrupts, so no call may answer 5xx either.
 * Calls go through the Worker's fetch (`hook`), which answers without waiting for the request's
 * waitUntil work: closing a pool whose connection was cut can take long, and it is not the response.
 *
 * `npm test` sends 100 calls; `npm run test:reliability` (run by CI) sends 1,000
 * (RELIABILITY_CALLS, passed in by vitest.config.ts).
 */
import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { evaluateQueuedEvents, runTriggeredActions } from '../../../src/events/automations/engine';
import { isPglite, post, resetDb, withDb } from '../helpers';
import { dropConnections } from '../security/faults';
import { createWebhook, hook } from './support';

beforeEach(async () => {
  await resetDb();
});

const CALLS = Number(env.RELIABILITY_CALLS) > 0 ? Number(env.RELIABILITY_CALLS) : 100;
const GOOD_PER_BURST = 25;
const BURSTS = Math.ceil(CALLS / GOOD_PER_BURST);
/** When each burst cuts every connection (ms after it starts): one early, then while the calls and the evaluators are busy. */
const CUTS_AT_MS = [5, 400];
// A webhook takes 600 calls a minute (WEBHOOK_RATE_LIMIT_PER_MINUTE); a retried lookup counts twice.
const GOOD_HOOKS = Math.ceil(CALLS / 400);

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rows = <T>(q: ReturnType<typeof sql>) => withDb(async (db) => (await db.execute(q)).rows as T[]);

/** One evaluation and one action run, as the services do after writes; a cut connection fails it, quietly. */
async function automationsPass(): Promise<void> {
  try {
    await withDb(async (db) => {
      await evaluateQueuedEvents(db, { maxBatches: 2, batchSize: 50 });
      await runTriggeredActions(db, env, { limit: 50 });
    });
  } catch {
    /* the next pass (or the drain below) picks up what this one left */
  }
}

describe('webhooks under dropped database connections', () => {
  it.skipIf(isPglite())(
    `${CALLS} calls in bursts with an automation: one event and one action per accepted call, 4xx for bad ones, never 5xx`,
    async () => {
      const template = '{"event": "burst.call", "resource": {"prefect.resource.id": "burst.{{ body.n }}"}}';
      const good = await Promise.all(Array.from({ length: GOOD_HOOKS }, (_, i) => createWebhook({ name: `burst-${i}`, template })));
      const bad = await createWebhook({ template: '{"event": "burst.bad", "resource": {"prefect.resource.id": "{{ body }}"}}' });
      // Reactive, threshold 1, within 0: every event fires once, and the action is cheap and countable.
      const automation = await post('/automations/', {
        name: 'on every burst call',
        trigger: { posture: 'Reactive', expect: ['burst.call'], match: { 'prefect.resource.id': 'burst.*' } },
        actions: [{ type: 'do-nothing' }],
      });
      expect(automation.status).toBe(201);
      const big = 'x'.repeat(512 * 1024 + 1);

      const started = Date.now();
      const outcomes: { n: number; status: number }[] = [];
      const badStatuses: number[] = [];
      for (let burst = 0; burst < BURSTS; burst += 1) {
        const calls: Promise<void>[] = [];
        for (let i = 0; i < GOOD_PER_BURST && burst * GOOD_PER_BURST + i < CALLS; i += 1) {
          const n = burst * GOOD_PER_BURST + i;
          const target = good[n % good.length]!;
          calls.push(hook(target.slug, 'POST', { n }).then((r) => void outcomes.push({ n, status: r.status })));
        }
        calls.push(
          hook(bad.slug, 'POST', 'has "quotes"', { 'content-type': 'text/plain' }).then((r) => void badStatuses.push(r.status)),
          hook(good[burst % good.length]!.slug, 'POST', big).then((r) => void badStatuses.push(r.status)),
        );
        // The cuts land while the burst's calls and two concurrent evaluators are in flight (where
        // exactly does not matter): evaluation and actions must neither double nor lose a firing.
        const cuts = (async () => {
          let last = 0;
          for (const at of CUTS_AT_MS) {
            await pause(at - last);
            last = at;
            await dropConnections();
          }
        })();
        let answered = false;
        const evaluator = async (delay: number) => {
          await pause(delay);
          do await automationsPass();
          while (!answered);
        };
        const evaluators = [evaluator(0), evaluator(10)];
        await Promise.all([...calls, cuts]);
        answered = true;
        await Promise.all(evaluators);
      }

      expect(outcomes).toHaveLength(CALLS);
      expect(outcomes.filter((o) => o.status !== 204)).toEqual([]);
      expect([...badStatuses].sort()).toEqual([...Array(BURSTS).fill(400), ...Array(BURSTS).fill(413)].sort());

      const perResource = await rows<{ resource_id: string; n: number }>(
        sql`select resource_id, count(*)::int as n from event where event = 'burst.call' group by resource_id`,
      );
      const counts = new Map(perResource.map((r) => [r.resource_id, Number(r.n)]));
      for (const o of outcomes) expect(counts.get(`burst.${o.n}`), `call ${o.n}`).toBe(1);
      expect(counts.size).toBe(outcomes.length);
      // Every stored event has its resource rows (the event and its resources commit together).
      const [orphans] = await rows<{ n: number }>(
        sql`select count(*)::int as n from event e where e.event = 'burst.call' and not exists (select 1 from event_resource r where r.event_id = e.id and r.resource_role = 'webhook')`,
      );
      expect(Number(orphans?.n)).toBe(0);

      const burstsMs = Date.now() - started;
      const [during] = await rows<{ n: number }>(sql`select count(*)::int as n from automation_triggered_action where status = 'EXECUTED'`);
      // Drain without cuts. An action whose runner lost its connection between claiming it and
      // recording it stays RUNNING until its 5-minute lease runs out; end the leases now, as the
      // takeover would later: a taken-over action must still record its events once.
      let stuck = 0;
      for (let round = 0; ; round += 1) {
        const [left] = await rows<{ queued: number; open: number; running: number }>(sql`
          select (select count(*)::int from automation_event_queue) as queued,
                 (select count(*)::int from automation_triggered_action where status in ('PENDING', 'RUNNING')) as open,
                 (select count(*)::int from automation_triggered_action where status = 'RUNNING') as running`);
        if (Number(left?.queued) === 0 && Number(left?.open) === 0) break;
        expect(round, 'the automation work drains').toBeLessThan(100);
        if (round === 0) stuck = Number(left?.running);
        await withDb((db) => db.execute(sql`update automation_triggered_action set next_attempt_at = now() where status in ('PENDING', 'RUNNING')`));
        await withDb(async (db) => {
          await evaluateQueuedEvents(db, { batchSize: 200 });
          await runTriggeredActions(db, env, { limit: 200 });
        });
      }
      console.log(
        `[reliability] ${CALLS} calls in ${BURSTS} bursts: ${burstsMs} ms; ${Number(during?.n)} actions executed during the bursts, ` +
          `${stuck} taken over after a cut, the rest drained in ${Date.now() - started - burstsMs} ms`,
      );

      // Exactly one triggered action per event (so at most one per call), executed, with one
      // `action.triggered` and one `action.executed` event naming the triggering event.
      const actions = await rows<{ triggering: string; n: number; statuses: string[] }>(sql`
        select triggered_action->'triggering_event'->>'id' as triggering, count(*)::int as n, array_agg(status) as statuses
        from automation_triggered_action group by 1`);
      const byEvent = new Map(actions.map((a) => [a.triggering, a]));
      const eventIds = await rows<{ id: string; resource_id: string }>(sql`select id::text, resource_id from event where event = 'burst.call'`);
      const dup = actions.filter((a) => Number(a.n) !== 1);
      expect(dup, 'events with more than one triggered action').toEqual([]);
      for (const e of eventIds) {
        expect(byEvent.get(e.id)?.statuses, `action of ${e.resource_id}`).toEqual(['EXECUTED']);
      }
      expect(byEvent.size).toBe(eventIds.length);
      for (const name of ['prefect.automation.triggered', 'prefect.automation.action.triggered', 'prefect.automation.action.executed']) {
        const per = await rows<{ n: number; events: number }>(sql`
          select count(*)::int as events, count(distinct r.resource_id)::int as n from event e
          join event_resource r on r.event_id = e.id and r.resource_role = 'triggering-event'
          where e.event = ${name}`);
        expect({ name, events: Number(per[0]?.events), triggering: Number(per[0]?.n) }).toEqual({ name, events: eventIds.length, triggering: eventIds.length });
      }
      const failed = await rows<{ n: number }>(sql`select count(*)::int as n from event where event like 'prefect.automation.action.failed'`);
      expect(Number(failed[0]?.n)).toBe(0);
    },
    600_000,
  );
});
