/**
 * Closing a connection whose backend the server killed (pg_terminate_backend, as a failover or an
 * admin would): the close settles instead of hanging the request, and the next requests work.
 * A stress test that killed backends under load made workerd log "the Worker's code had hung" for
 * the waitUntil(close) of requests whose BEGIN failed (src/db/client.ts, closePool).
 */
import { describe, expect, it } from 'vitest';
import { env } from 'cloudflare:workers';
import { sql } from 'drizzle-orm';
import { createDb } from '../../../src/db/client';
import { isPglite, post, withDb } from '../helpers';
import { holdLock, waitForLockWait } from './faults';

/** Kills every other client backend of this database; how many were killed. */
const killBackends = (where = sql`true`) =>
  withDb(async (db) => {
    const r = await db.execute(
      sql`select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
          where datname = current_database() and pid <> pg_backend_pid() and backend_type = 'client backend' and ${where}`,
    );
    return Number(r.rows[0]?.n);
  });

async function expectHealthy() {
  const res = await post('/flows/filter', { limit: 1 });
  expect(res.status).toBe(200);
  expect(Array.isArray(res.body)).toBe(true);
}

describe.skipIf(isPglite())('a backend killed by the server', () => {
  it('with its client still checked out (what a failed BEGIN leaves behind): close() settles and destroys the socket', async () => {
    const handle = createDb(env);
    const client = await handle.pool.connect(); // never released, as Drizzle's transaction() after a failed BEGIN
    const pid = Number((await client.query('select pg_backend_pid() as pid')).rows[0].pid);
    const ended = new Promise((resolve) => client.once('end', resolve));
    expect(await killBackends(sql`pid = ${pid}`)).toBe(1);
    await ended;
    // The old close (`pool.end()` alone) waited for that client forever.
    expect(await handle.close()).toBe('destroyed');
    await expectHealthy();
  });

  it("mid-request, while its statement waits for a lock: 503 in Prefect's shape, and the next requests work", async () => {
    const lock = await holdLock(sql`lock table flow in access exclusive mode`);
    let res;
    try {
      const pending = post('/flows/filter', {});
      await waitForLockWait();
      expect(await killBackends(sql`wait_event_type = 'Lock'`)).toBe(1);
      res = await pending;
    } finally {
      await lock.release();
    }
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ exception_message: 'Service Unavailable' });
    for (let i = 0; i < 3; i += 1) await expectHealthy();
  });

  it('again and again under load: every answer is 200 or 503, every close settles, and then all is well', async () => {
    let stop = false;
    let kills = 0;
    const killer = (async () => {
      while (!stop) {
        kills += await killBackends().catch(() => 0);
        await new Promise((r) => setTimeout(r, 3));
      }
    })();
    const statuses = new Map<number, number>();
    const closes = new Map<string, number>();
    const bump = <K>(m: Map<K, number>, k: K) => m.set(k, (m.get(k) ?? 0) + 1);
    try {
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          for (let i = 0; i < 12; i += 1) {
            bump(statuses, (await post('/flow_runs/bulk_delete', { flow_runs: { id: { any_: [crypto.randomUUID()] } } })).status);
            // The request's own close runs in waitUntil, out of sight: do what it does, in sight.
            const handle = createDb(env);
            await handle.db.transaction((tx) => tx.execute(sql`select 1`)).catch(() => {});
            bump(closes, await handle.close());
          }
        }),
      );
    } finally {
      stop = true;
      await killer;
    }
    expect(kills).toBeGreaterThan(0);
    expect([...statuses.keys()].filter((s) => s !== 200 && s !== 503)).toEqual([]);
    expect([...closes.values()].reduce((a, b) => a + b, 0)).toBe(48);
    await expectHealthy();
  });
});
