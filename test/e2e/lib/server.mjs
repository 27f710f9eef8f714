// @ts-check
// Our server, started the way a user starts it: `npm run dev` with PORT and DATABASE_URL, over a
// throwaway PostgreSQL cluster (scripts/localdb.mjs, as the workerd tests and the benchmark use), or
// over a fresh PGlite folder when this machine has no PostgreSQL.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { findPostgresBin, startThrowawayCluster } from '../../../scripts/localdb.mjs';
import { start, tail } from './processes.mjs';
import { GiveUp, waitFor } from './api.mjs';

export const freePort = () =>
  /** @type {Promise<number>} */ (
    new Promise((resolve, reject) => {
      const srv = net.createServer();
      srv.once('error', reject);
      srv.listen(0, '127.0.0.1', () => {
        const address = srv.address();
        srv.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    })
  );

/**
 * @param {{ root: string, workDir: string, logDir: string, log: (msg: string) => void, onCleanup: (fn: () => Promise<void>) => void }} options
 * @returns {Promise<{ port: number, database: string, databaseUrl: string, proc: import('./processes.mjs').Proc }>}
 */
export async function startServer({ root, workDir, logDir, log, onCleanup }) {
  /** @type {NodeJS.ProcessEnv} */
  const env = { ...process.env };
  let database;
  if (process.env.E2E_DB !== 'pglite' && findPostgresBin()) {
    const cluster = await startThrowawayCluster();
    onCleanup(() => cluster.close());
    env.DATABASE_URL = cluster.url;
    database = `a throwaway PostgreSQL cluster (${cluster.address})`;
  } else {
    const why = process.env.E2E_DB === 'pglite' ? 'E2E_DB=pglite' : 'no PostgreSQL installation found';
    console.warn(`\n!!! ${why}: the end-to-end suite runs our server on embedded PGlite (one backend).\n`);
    env.DATABASE_URL = '';
    env.PGLITE_DIR = path.join(workDir, 'pglite');
    database = `PGlite (${why})`;
  }
  // A free port can be taken by someone else before wrangler binds it (the machine is shared): a
  // port the suite chose itself is chosen again, twice at most.
  for (let attempt = 1; ; attempt += 1) {
    const port = process.env.E2E_PORT ? Number(process.env.E2E_PORT) : await freePort();
    env.PORT = String(port);
    const proc = start('npm', ['run', 'dev'], { label: 'dev', logDir, env, cwd: root });
    const ready = `export PREFECT_API_URL=http://127.0.0.1:${port}/api`;
    try {
      await waitFor(
        '`npm run dev` to print its PREFECT_API_URL line',
        async () => {
          if (!proc.running()) throw new GiveUp(`npm run dev exited early:\n${tail(proc.output())}`);
          return proc.output().includes(ready);
        },
        { timeoutMs: 180_000, intervalMs: 250 },
      );
    } catch (e) {
      await proc.stop();
      if (!process.env.E2E_PORT && attempt < 3 && /Address already in use/.test(proc.output())) {
        log(`port ${port} was taken meanwhile; trying another`);
        continue;
      }
      throw e;
    }
    log(`our server: npm run dev on port ${port}, database: ${database}`);
    fs.writeFileSync(path.join(logDir, 'server.txt'), `port ${port}\n${database}\n`);
    return { port, database, databaseUrl: env.DATABASE_URL ?? '', proc };
  }
}

/**
 * The requests that got 404 in the dev log (wrangler prints one line per request:
 * "[wrangler:info] GET /api/x 404 Not Found (3ms)"), limited to the API mount Prefect's tools use.
 * @param {string} output
 * @returns {string[]} "METHOD /path" once each
 */
export function notFoundRoutes(output) {
  const found = new Set();
  // eslint-disable-next-line no-control-regex
  const plain = output.replace(/\u001b\[[0-9;]*m/g, '');
  for (const m of plain.matchAll(/\b(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) (\/api\/\S*) 404\b/g)) found.add(`${m[1]} ${m[2]}`);
  return [...found];
}
