/**
 * Fault-injection helpers: cut the database connections at a chosen moment of a transaction.
 *
 * To fail a request in the middle of its transaction: hold a lock the request will need (holdLock),
 * start the request, wait until its statement is blocked on that lock (waitForLockWait), then cut every
 * connection (dropConnections). The request has run its earlier statements, has not committed, and
 * loses its connection, deterministically.
 */
import { env } from 'cloudflare:workers';
import { sql, type SQL } from 'drizzle-orm';
import { createDb } from '../../../src/db/client';
import { withDb } from '../helpers';

/** Cuts every live database connection through the test proxy's control endpoint. */
export async function dropConnections(): Promise<void> {
  const res = await fetch(`${env.PROXY_CONTROL}/drop`);
  await res.text();
}

/** Waits until `count` backends are blocked waiting for a lock. */
export async function waitForLockWait(count = 1, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const waiting = await withDb(async (db) => {
      const r = await db.execute(sql`select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock'`);
      return Number(r.rows[0]?.n);
    });
    if (waiting >= count) return;
    if (Date.now() > deadline) throw new Error(`no backend waited for a lock within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Runs `lockingStatement` (e.g. `select … for update`) in a transaction on its own connection and keeps
 * the transaction open until `release()`. A drop ends it too: release() then resolves quietly.
 */
export async function holdLock(lockingStatement: SQL): Promise<{ release: () => Promise<void> }> {
  const handle = createDb(env);
  let finish!: () => void;
  const done = new Promise<void>((r) => (finish = r));
  let locked!: () => void;
  let failed!: (e: unknown) => void;
  const isLocked = new Promise<void>((resolve, reject) => {
    locked = resolve;
    failed = reject;
  });
  const holding = handle.db
    .transaction(async (tx) => {
      await tx.execute(lockingStatement);
      locked();
      await done;
    })
    .catch((e: unknown) => failed(e));
  await isLocked;
  return {
    release: async () => {
      finish();
      await holding.catch(() => {});
      await handle.close();
    },
  };
}

/**
 * Runs `request` while another transaction holds `lockingStatement`'s lock; once the request blocks on
 * that lock (and `whileBlocked`, if given, has looked at the database), cuts every connection.
 * Returns what the request returned (or threw).
 */
export async function cutWhileBlocked<T>(lockingStatement: SQL, request: () => Promise<T>, whileBlocked?: () => Promise<void>): Promise<T> {
  const lock = await holdLock(lockingStatement);
  try {
    const pending = request();
    pending.catch(() => {}); // observed below; avoids an unhandled rejection while we wait
    await waitForLockWait();
    if (whileBlocked) await whileBlocked();
    await dropConnections();
    return await pending;
  } finally {
    await lock.release();
  }
}
