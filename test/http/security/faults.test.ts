/**
 * Losing the database mid-transaction: the failure is a 503, nothing is committed, and the next request
 * works. The bulk endpoints' fault tests are in bulk-faults.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { env } from 'cloudflare:workers';
import { sql } from 'drizzle-orm';
import { createDb } from '../../../src/db/client';
import { toHttpError } from '../../../src/http/errors';
import { get, isPglite, post, randomName, withDb } from '../helpers';
import { cutWhileBlocked, dropConnections } from './faults';

const SERVICE_UNAVAILABLE = { exception_message: 'Service Unavailable' };

const flowCount = (name: string) =>
  withDb(async (db) => Number((await db.execute(sql`select count(*)::int as n from flow where name = ${name}`)).rows[0]?.n));

async function expectHealthyAfterwards() {
  expect(await withDb(async (db) => (await db.execute(sql`select 1 as ok`)).rows[0]?.ok)).toBe(1);
  expect((await get('/hello')).status).toBe(200);
}

describe('a dropped database connection', () => {
  it('between two statements of a transaction: 503, rolled back, next request fine', async () => {
    const name = randomName('fault');
    const handle = createDb(env);
    let error: unknown;
    try {
      await handle.db.transaction(async (tx) => {
        await tx.execute(sql`insert into flow (name) values (${name})`);
        await dropConnections();
        await tx.execute(sql`update flow set tags = '["after-drop"]' where name = ${name}`);
      });
    } catch (e) {
      error = e;
    } finally {
      await handle.close();
    }
    expect(error).toBeDefined();
    expect(toHttpError(error).status).toBe(503);
    expect(toHttpError(error).body).toEqual(SERVICE_UNAVAILABLE);
    expect(await flowCount(name)).toBe(0);
    await expectHealthyAfterwards();
  });

  it.skipIf(isPglite())('while a statement waits for a lock mid-transaction: 503, nothing committed', async () => {
    const [first, second] = [randomName('fault-a'), randomName('fault-b')];
    await withDb((db) => db.execute(sql`insert into flow (name) values (${first})`));
    const handle = createDb(env);
    try {
      // Statement 1 writes, statement 2 blocks on the held row: the connection is cut in between.
      const error = await cutWhileBlocked(sql`select id from flow where name = ${first} for update`, () =>
        handle.db
          .transaction(async (tx) => {
            await tx.execute(sql`insert into flow (name) values (${second})`);
            await tx.execute(sql`update flow set tags = '["victim"]' where name = ${first}`);
          })
          .then(
            () => null,
            (e: unknown) => e,
          ),
      );
      expect(error).not.toBeNull();
      expect(toHttpError(error).status).toBe(503);
    } finally {
      await handle.close();
    }
    expect(await flowCount(second)).toBe(0);
    const tags = await withDb(async (db) => (await db.execute(sql`select tags from flow where name = ${first}`)).rows[0]?.tags);
    expect(tags).toEqual([]);
    await expectHealthyAfterwards();
  });

  it.skipIf(isPglite())('under a real request (POST /flows/filter): 503 in Prefect\'s shape, and the next request works', async () => {
    const res = await cutWhileBlocked(sql`lock table flow in access exclusive mode`, () => post('/flows/filter', {}));
    expect(res.status).toBe(503);
    expect(res.body).toEqual(SERVICE_UNAVAILABLE);
    const next = await post('/flows/filter', { limit: 1 });
    expect(next.status).toBe(200);
    expect(Array.isArray(next.body)).toBe(true);
  });
});
