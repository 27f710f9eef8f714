// The database behind `npm run dev`, migrated, and the Worker bindings that reach it.
import net from 'node:net';
import path from 'node:path';
import { startWsProxy } from './wsproxy.mjs';
import { addressOf, isLocalUrl, migrate, startPglite } from './localdb.mjs';
import { startPgBouncer } from './pgbouncer.mjs';

/**
 * - no databaseUrl: embedded PGlite persisted in pgliteDir, through the local WebSocket proxy;
 * - a local databaseUrl (localhost, 127.x, [::1]): that Postgres, through the proxy;
 * - any other databaseUrl (Neon): handed to the Worker as is; the driver uses Neon's own WebSocket endpoint.
 * pooler 'pgbouncer' (DEV_POOLER): PgBouncer in transaction mode between the Worker and a local
 * PostgreSQL, the production-like path (Neon's pooled endpoint); migrations still go direct.
 * `onStarted` receives each close function as soon as there is something to close, so an interrupted
 * start still cleans up what it made.
 * @param {{ databaseUrl?: string, pgliteDir: string, pooler?: string, onStarted: (close: () => Promise<void>) => void }} options
 * @returns {Promise<{ description: string, bindings: Record<string, string> }>}
 */
export async function startDevDatabase({ databaseUrl, pgliteDir, pooler, onStarted }) {
  if (pooler && pooler !== 'pgbouncer') throw new Error(`DEV_POOLER must be "pgbouncer", not "${pooler}"`);
  if (pooler && (!databaseUrl || !isLocalUrl(databaseUrl))) {
    throw new Error('DEV_POOLER=pgbouncer needs DATABASE_URL of a local PostgreSQL (PGlite has one backend; Neon has its own pooler)');
  }
  if (databaseUrl && !isLocalUrl(databaseUrl)) {
    await migrate({ url: databaseUrl, pipelineConnect: 'password' });
    return { description: `${new URL(databaseUrl).hostname} (DATABASE_URL)`, bindings: { DATABASE_URL: databaseUrl } };
  }

  let db;
  let description;
  if (databaseUrl) {
    await assertListening(addressOf(databaseUrl));
    db = { url: databaseUrl, address: addressOf(databaseUrl) };
    description = `PostgreSQL at ${db.address} (DATABASE_URL)`;
  } else {
    db = await startPglite({ dataDir: pgliteDir });
    onStarted(() => db.close());
    const where = path.relative(process.cwd(), pgliteDir) || '.';
    description = `PGlite in ${where} (PostgreSQL 18 in WASM, one backend; set DATABASE_URL for a real server)`;
  }
  const bouncer = pooler ? await startPgBouncer({ upstreamUrl: db.url }) : null;
  if (bouncer) onStarted(() => bouncer.close());
  const proxy = await startWsProxy({ allow: bouncer ? [db.address, bouncer.address] : [db.address] });
  onStarted(() => proxy.close());
  // pipelineConnect must be off locally: PGlite has no auth step to pipeline into (and 'password'
  // has blown its socket server up), and trust or SCRAM auth would reject a pipelined password.
  await migrate({ url: db.url, wsproxy: proxy.url, pipelineConnect: false });
  const workerUrl = bouncer ? bouncer.urlFor(new URL(db.url).pathname.slice(1) || 'postgres') : db.url;
  if (bouncer) description += `, through PgBouncer in transaction mode at ${bouncer.address}`;
  return {
    description,
    bindings: { DATABASE_URL: workerUrl, WSPROXY: proxy.url, PG_PIPELINE_CONNECT: 'false' },
  };
}

/** Fails with a plain message when nothing listens at host:port (the driver's own error is opaque). */
function assertListening(address) {
  const i = address.lastIndexOf(':');
  const host = address.slice(0, i).replace(/^\[|\]$/g, '');
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port: Number(address.slice(i + 1)) });
    sock.setTimeout(5000);
    sock.once('connect', () => {
      sock.destroy();
      resolve();
    });
    const fail = (why) => {
      sock.destroy();
      reject(new Error(`no PostgreSQL answers at ${address} (DATABASE_URL): ${why}`));
    };
    sock.once('timeout', () => fail('timed out'));
    sock.once('error', (e) => fail(e.code ?? e.message));
  });
}
