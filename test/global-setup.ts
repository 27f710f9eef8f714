/**
 * Starts the database the workerd tests use, the WebSocket proxy the Neon driver reaches it through,
 * and applies the migrations. Choice, in order:
 *   1. TEST_DATABASE_URL (a dedicated, empty database: tests truncate its tables);
 *   2. a throwaway PostgreSQL cluster, when the machine has PostgreSQL installed;
 *   3. embedded PGlite — said loudly, since it hides concurrency behaviour (one backend).
 * TEST_DB=pglite forces 3.
 * TEST_POOLER=pgbouncer (`npm run test:pooled`) puts PgBouncer in transaction mode between the Worker
 * and a real PostgreSQL, as Neon's pooled endpoint is in production; migrations still go direct.
 */
import http from 'node:http';
import type { TestProject } from 'vitest/node';
import { startWsProxy } from '../scripts/wsproxy.mjs';
import { addressOf, findPostgresBin, migrate, startPglite, startThrowawayCluster } from '../scripts/localdb.mjs';
import { startPgBouncer } from '../scripts/pgbouncer.mjs';
import { recordingReceiver } from './receiver';

interface LocalDb {
  kind: string;
  url: string;
  address: string;
  pipelineConnect: 'password' | false;
  close: () => Promise<void>;
}

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    wsproxy: string;
    pipelineConnect: string;
    dbKind: string;
    proxyControl: string;
  }
}

export default async function setup(project: TestProject) {
  let db: LocalDb;
  const forced = process.env.TEST_DB;
  if (process.env.TEST_DATABASE_URL && forced !== 'pglite') {
    const url = process.env.TEST_DATABASE_URL;
    db = { kind: 'postgresql (TEST_DATABASE_URL)', url, address: addressOf(url), pipelineConnect: false, close: async () => {} };
  } else if (forced !== 'pglite' && findPostgresBin()) {
    db = (await startThrowawayCluster()) as LocalDb;
  } else {
    const why = forced === 'pglite' ? 'TEST_DB=pglite' : 'no PostgreSQL installation found';
    console.warn(
      `\n!!! ${why}: running the database tests on embedded PGlite (PostgreSQL 18 in WASM, one backend).\n` +
        '!!! Lock and concurrency behaviour is NOT exercised; concurrency tests are skipped. Install PostgreSQL for full coverage.\n',
    );
    db = (await startPglite()) as LocalDb;
  }
  let pooler: Awaited<ReturnType<typeof startPgBouncer>> | null = null;
  if (process.env.TEST_POOLER === 'pgbouncer') {
    if (db.kind.startsWith('pglite')) throw new Error('TEST_POOLER=pgbouncer needs PostgreSQL, not PGlite');
    try {
      // A cleartext password, as Neon's pooled endpoint asks for, so the Worker pipelines it with the
      // startup message as in production (pipelineConnect 'password').
      pooler = await startPgBouncer({ upstreamUrl: db.url, clientPassword: 'test-pooled' });
    } catch (e) {
      await db.close();
      throw e;
    }
  }
  const proxy = await startWsProxy({ allow: pooler ? [db.address, pooler.address] : [db.address] });
  // A tiny control server so fault tests (inside workerd) can cut every live database connection,
  // and outgoing-request tests can send to a real HTTP receiver (test/receiver.ts) and read what it got.
  const receiver = recordingReceiver();
  const control = http.createServer((req, res) => {
    if (receiver.handles(req, res)) return;
    if (req.url === '/drop') proxy.dropAll();
    res.end('ok');
  });
  await new Promise<void>((r) => control.listen(0, '127.0.0.1', () => r()));
  const controlPort = (control.address() as { port: number }).port;
  try {
    await migrate({ url: db.url, wsproxy: proxy.url, pipelineConnect: db.pipelineConnect });
  } catch (e) {
    await proxy.close();
    control.close();
    await pooler?.close();
    await db.close();
    throw e;
  }
  const database = new URL(db.url).pathname.slice(1) || 'postgres';
  console.log(`database tests run on ${db.kind} (${db.address})${pooler ? `, through PgBouncer in transaction mode (${pooler.address})` : ''}`);
  project.provide('databaseUrl', pooler ? pooler.urlFor(database) : db.url);
  project.provide('wsproxy', proxy.url);
  // PgBouncer here trusts loopback clients: the driver must not pipeline a password it never asks for.
  project.provide('pipelineConnect', pooler || db.pipelineConnect === 'password' ? 'password' : 'false');
  project.provide('dbKind', pooler ? `${db.kind} via pgbouncer` : db.kind);
  project.provide('proxyControl', `http://127.0.0.1:${controlPort}`);
  return async () => {
    control.close();
    await proxy.close();
    await pooler?.close();
    await db.close();
  };
}
