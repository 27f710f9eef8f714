/** Every connection starts with time limits, so no request can hold a connection or its locks indefinitely. */
import { describe, expect, it } from 'vitest';
import { env } from 'cloudflare:workers';
import { sql } from 'drizzle-orm';
import { createDb, type Db } from '../../../src/db/client';
import { toHttpError } from '../../../src/http/errors';
import { randomName, withDb } from '../helpers';

/** Runs fn on a connection opened with the given STATEMENT_TIMEOUT_MS. */
async function withTimeout<T>(ms: string, fn: (db: Db) => Promise<T>): Promise<T> {
  const handle = createDb({ ...env, STATEMENT_TIMEOUT_MS: ms });
  try {
    return await fn(handle.db);
  } finally {
    await handle.close();
  }
}

const show = async (db: Db, setting: string) =>
  (await db.execute(sql.raw(`show ${setting}`))).rows[0]?.[setting];

/** Awaits a promise that must fail; returns the error and how long the failure took. */
async function failure(promise: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = Date.now();
  try {
    await promise;
  } catch (error) {
    return { error, ms: Date.now() - started };
  }
  throw new Error('expected the promise to fail');
}

const SERVICE_UNAVAILABLE = { exception_message: 'Service Unavailable' };

describe('session time limits', () => {
  it('are set at connection start-up: 10 s by default, STATEMENT_TIMEOUT_MS otherwise, 0 for none', async () => {
    await withTimeout('', async (db) => {
      expect(await show(db, 'statement_timeout')).toBe('10s');
      expect(await show(db, 'idle_in_transaction_session_timeout')).toBe('10s');
    });
    await withTimeout('250', async (db) => {
      expect(await show(db, 'statement_timeout')).toBe('250ms');
      expect(await show(db, 'idle_in_transaction_session_timeout')).toBe('250ms');
    });
    await withTimeout('0', async (db) => expect(await show(db, 'statement_timeout')).toBe('0'));
  });

  it('cancel a slow statement: SQLSTATE 57014, answered as 503', async () => {
    const { error, ms } = await failure(withTimeout('300', (db) => db.execute(sql`select pg_sleep(5)`)));
    expect(ms).toBeLessThan(4000);
    expect(toHttpError(error).status).toBe(503);
    expect(toHttpError(error).body).toEqual(SERVICE_UNAVAILABLE);
  });

  it('bound a wait for a row lock that another transaction holds', async () => {
    const name = randomName('locked');
    await withDb((db) => db.execute(sql`insert into flow (name) values (${name})`));
    const holder = createDb(env);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    const holding = holder.db.transaction(async (tx) => {
      await tx.execute(sql`select id from flow where name = ${name} for update`);
      locked();
      await held;
    });
    try {
      await isLocked;
      const { error } = await failure(withTimeout('300', (db) => db.execute(sql`update flow set tags = '["x"]' where name = ${name}`)));
      expect(toHttpError(error).status).toBe(503);
    } finally {
      release();
      await holding;
      await holder.close();
    }
    const tags = await withDb(async (db) => (await db.execute(sql`select tags from flow where name = ${name}`)).rows[0]?.tags);
    expect(tags).toEqual([]);
  });

  it('end a transaction left idle (a request that died mid-way), which releases its locks', async () => {
    const name = randomName('idle');
    await withDb((db) => db.execute(sql`insert into flow (name) values (${name})`));
    const { error } = await failure(
      withTimeout('300', (db) =>
        db.transaction(async (tx) => {
          await tx.execute(sql`update flow set tags = '["idle"]' where name = ${name}`);
          await new Promise((r) => setTimeout(r, 1000));
          await tx.execute(sql`select 1`);
        }),
      ),
    );
    expect(toHttpError(error).status).toBe(503);
    // The row is free again and the update was rolled back.
    const tags = await withTimeout('1000', async (db) =>
      (await db.execute(sql`select tags from flow where name = ${name} for update nowait`)).rows[0]?.tags,
    );
    expect(tags).toEqual([]);
  });

  it('stop the driver waiting even when the server-side limit is missing (as on Neon)', async () => {
    // Neon's proxy drops timeout startup parameters; simulate that by switching the server limit off.
    const { error, ms } = await failure(
      withTimeout('300', (db) =>
        db.transaction(async (tx) => {
          await tx.execute(sql`set local statement_timeout = 0`);
          await tx.execute(sql`select pg_sleep(8)`);
        }),
      ),
    );
    // The driver waits STATEMENT_TIMEOUT_MS + 2 s for the statement, then as long again for the rollback.
    expect(ms).toBeGreaterThanOrEqual(2000);
    expect(ms).toBeLessThan(7500);
    expect(toHttpError(error).status).toBe(503);
  });
});
