/**
 * The connection's pipelining (src/db/pipeline.ts), on the real database and driver: BEGIN travels
 * with the first statement, deferred writes with the next statement or just before COMMIT, COMMIT
 * alone; what is sent later still runs in order, and a failure anywhere rolls everything back.
 */
import { env } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createDb, type DbHandle } from '../../src/db/client';
import { deferred } from '../../src/db/pipeline';
import { randomName, withDb } from './helpers';

let handle: DbHandle;
beforeEach(() => {
  handle = createDb(env);
});
afterEach(async () => {
  await handle.close();
});

const insertVariable = (name: string) => sql`INSERT INTO variable (name, value) VALUES (${name}, '1')`;
const variableCount = async (name: string) =>
  withDb(async (db) => Number(((await db.execute(sql`select count(*)::int as n from variable where name = ${name}`)).rows[0] as { n: number }).n));

describe('pipelined transactions', () => {
  it('an empty transaction sends nothing; one statement costs two round trips (BEGIN with it, COMMIT)', async () => {
    await handle.db.transaction(async () => {});
    expect([handle.counter.count, handle.counter.roundTrips]).toEqual([2, 0]);
    const rows = await handle.db.transaction(async (tx) => (await tx.execute(sql`select 41 + 1 as n`)).rows);
    expect(rows).toEqual([{ n: 42 }]);
    expect([handle.counter.count, handle.counter.roundTrips]).toEqual([5, 2]);
  });

  it('a deferred write runs before the statement it travels with, which sees it', async () => {
    const name = randomName('pipe');
    const seen = await handle.db.transaction(async (tx) => {
      await tx.execute(deferred(insertVariable(name)));
      await tx.execute(deferred(sql`UPDATE variable SET value = '2' WHERE name = ${name}`));
      return (await tx.execute(sql`select value from variable where name = ${name}`)).rows;
    });
    expect(seen).toEqual([{ value: 2 }]);
    // BEGIN + 2 writes + SELECT, then COMMIT.
    expect(handle.counter.roundTrips).toBe(2);
    expect(await variableCount(name)).toBe(1);
  });

  it('deferred writes at the end go together, then COMMIT alone', async () => {
    const [a, b] = [randomName('pipe'), randomName('pipe')];
    await handle.db.transaction(async (tx) => {
      await tx.execute(sql`select 1`);
      await tx.execute(deferred(insertVariable(a)));
      await tx.execute(deferred(insertVariable(b)));
    });
    expect(handle.counter.roundTrips).toBe(3);
    expect([await variableCount(a), await variableCount(b)]).toEqual([1, 1]);
  });

  it('a deferred write that fails rolls the whole transaction back, and the connection is usable after', async () => {
    const [taken, first] = [randomName('pipe'), randomName('pipe')];
    await withDb((db) => db.execute(insertVariable(taken)));
    const failing = handle.db.transaction(async (tx) => {
      await tx.execute(insertVariable(first));
      await tx.execute(deferred(insertVariable(taken))); // unique violation, reported at COMMIT time
    });
    await expect(failing).rejects.toMatchObject({ cause: { code: '23505' } });
    expect(await variableCount(first)).toBe(0);
    expect(await variableCount(taken)).toBe(1);
    const after = await handle.db.transaction(async (tx) => (await tx.execute(sql`select 1 as ok`)).rows);
    expect(after).toEqual([{ ok: 1 }]);
  });

  it('an error in the first statement leaves no transaction open (the held BEGIN ran, ROLLBACK follows)', async () => {
    const failing = handle.db.transaction(async (tx) => {
      await tx.execute(sql`select 1 / 0`);
    });
    await expect(failing).rejects.toMatchObject({ cause: { code: '22012' } });
    const status = await handle.db.execute(sql`select now() = statement_timestamp() as fresh`);
    // Outside a transaction, now() is the statement's own start time.
    expect(status.rows).toEqual([{ fresh: true }]);
  });

  it('outside a transaction a deferred statement runs at once', async () => {
    const name = randomName('pipe');
    await handle.db.execute(deferred(insertVariable(name)));
    expect(await variableCount(name)).toBe(1);
  });
});
