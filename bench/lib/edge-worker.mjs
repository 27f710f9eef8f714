// @ts-check
// Our server under test: the Worker under `wrangler dev` (workerd, local mode), reaching the bench
// database through the WebSocket proxy like `npm run dev`, with SQL statement counts exposed.
import path from 'node:path';
import net from 'node:net';
import { startChild, waitForHttp } from './processes.mjs';

const ROOT = new URL('../../', import.meta.url).pathname;

export const freePort = () =>
  /** @type {Promise<number>} */ (
    new Promise((resolve, reject) => {
      const srv = net.createServer();
      srv.on('error', reject);
      srv.listen(0, '127.0.0.1', () => {
        const address = srv.address();
        const port = typeof address === 'object' && address ? address.port : 0;
        srv.close(() => resolve(port));
      });
    })
  );

/**
 * @param {{ databaseUrl: string, wsproxy: string, logDir: string, pipelineConnect?: 'password' | 'false' }} options
 * @returns {Promise<{ baseUrl: string, stop: () => Promise<void> }>}
 */
export async function startEdgeWorker({ databaseUrl, wsproxy, logDir, pipelineConnect = 'password' }) {
  const port = await freePort();
  const inspectorPort = await freePort();
  const args = [
    'dev',
    '--ip', '127.0.0.1',
    '--port', String(port),
    '--inspector-port', String(inspectorPort),
    '--show-interactive-dev-session=false',
    '--log-level', 'warn',
    '--var', `DATABASE_URL:${databaseUrl}`,
    '--var', `WSPROXY:${wsproxy}`,
    // The bench cluster uses cleartext password auth on loopback, so the driver's pipelined connect
    // (Neon's production default) works and saves a round trip per request. PgBouncer here trusts
    // loopback clients and asks for no password: there the driver must not pipeline one.
    '--var', `PG_PIPELINE_CONNECT:${pipelineConnect}`,
    '--var', 'EXPOSE_SQL_COUNT:1',
  ];
  const child = startChild(path.join(ROOT, 'node_modules/.bin/wrangler'), args, {
    cwd: ROOT,
    logFile: path.join(logDir, 'wrangler.log'),
    env: {
      ...process.env,
      // wrangler needs Node >= 22.12: run it on the Node running us (npm run puts node_modules' Node 22
      // first on PATH; this also holds when the runner is started some other way).
      PATH: [path.dirname(process.execPath), path.join(ROOT, 'node_modules/.bin'), process.env.PATH].join(path.delimiter),
      WRANGLER_SEND_METRICS: 'false',
      XDG_CONFIG_HOME: path.join(ROOT, '.config'),
    },
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${baseUrl}/api/health`, child);
  } catch (e) {
    await child.stop();
    throw e;
  }
  return { baseUrl, stop: child.stop };
}
