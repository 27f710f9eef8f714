/**
 * Webhook calls in concurrent bursts while the database connections are cut: every call answered 204
 * has exactly one event, none has two, and bad templates and oversize bodies still get their 4xx.
 *
 * Each burst cuts every connection twice. A call retries each database step up to three times on fresh
 * connections, and a cut can fail only the attempt it interrupts, so no call may answer 5xx either.
 * Calls go through the Worker's fetch (`hook`), which answers without waiting for the request's
 * waitUntil work: closing a pool whose connection was cut can take long, and it is not the response.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { isPglite, resetDb, withDb } from '../helpers';
import { dropConnections } from '../security/faults';
import { createWebhook, hook } from './support';

beforeEach(async () => {
  await resetDb();
});

const BURSTS = 4;
const GOOD_PER_BURST = 20;
const CUTS_PER_BURST = 2;

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('webhooks under dropped database connections', () => {
  it.skipIf(isPglite())('bursts of calls: one event per accepted call, 4xx for bad ones, never 5xx', async () => {
    const good = await createWebhook({ template: '{"event": "burst.call", "resource": {"prefect.resource.id": "burst.{{ body.n }}"}}' });
    const bad = await createWebhook({ template: '{"event": "burst.bad", "resource": {"prefect.resource.id": "{{ body }}"}}' });
    const big = 'x'.repeat(512 * 1024 + 1);

    const outcomes: { n: number; status: number }[] = [];
    const badStatuses: number[] = [];
    for (let burst = 0; burst < BURSTS; burst += 1) {
      const calls: Promise<void>[] = [];
      for (let i = 0; i < GOOD_PER_BURST; i += 1) {
        const n = burst * GOOD_PER_BURST + i;
        calls.push(
          hook(good.slug, 'POST', { n }).then((r) => void outcomes.push({ n, status: r.status })),
        );
      }
      calls.push(
        hook(bad.slug, 'POST', 'has "quotes"', { 'content-type': 'text/plain' }).then((r) => void badStatuses.push(r.status)),
        hook(good.slug, 'POST', big).then((r) => void badStatuses.push(r.status)),
      );
      // The cuts land while the burst's calls are in flight (where exactly does not matter).
      const cuts = (async () => {
        for (let k = 0; k < CUTS_PER_BURST; k += 1) {
          await pause(5 + 10 * k);
          await dropConnections();
        }
      })();
      await Promise.all([...calls, cuts]);
    }

    expect(outcomes).toHaveLength(BURSTS * GOOD_PER_BURST);
    expect(outcomes.filter((o) => o.status !== 204)).toEqual([]);
    expect([...badStatuses].sort()).toEqual([...Array(BURSTS).fill(400), ...Array(BURSTS).fill(413)].sort());

    const perResource = await withDb(
      async (db) =>
        (await db.execute(sql`select resource_id, count(*)::int as n from event where event = 'burst.call' group by resource_id`)).rows as {
          resource_id: string;
          n: number;
        }[],
    );
    const counts = new Map(perResource.map((r) => [r.resource_id, Number(r.n)]));
    for (const o of outcomes) expect(counts.get(`burst.${o.n}`), `call ${o.n}`).toBe(1);
    expect(counts.size).toBe(outcomes.length);
    // Every stored event has its resource rows (the event and its resources commit together).
    const orphans = await withDb(
      async (db) =>
        (await db.execute(sql`select count(*)::int as n from event e where e.event = 'burst.call' and not exists (select 1 from event_resource r where r.event_id = e.id and r.resource_role = 'webhook')`))
          .rows[0]?.n,
    );
    expect(Number(orphans)).toBe(0);
  }, 120_000);
});
