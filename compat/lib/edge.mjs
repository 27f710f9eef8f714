// @ts-check
// Our server under test: the Worker under `wrangler dev` (workerd, local mode) on its own database,
// reached through the local WebSocket proxy like `npm run dev`.
import path from 'node:path';
import { freePort, startChild, waitForHttp } from './processes.mjs';

/**
 * @param {{ root: string, databaseUrl: string, wsproxy: string, workDir: string }} options
 *   root: the checkout whose Worker runs (normally this one)
 */
export async function startEdge({ root, databaseUrl, wsproxy, workDir }) {
  const { migrate } = await import(path.join(root, 'scripts/localdb.mjs'));
  const { nodeForWrangler } = await import(path.join(root, 'scripts/wrangler-dev.mjs'));
  await migrate({ url: databaseUrl, wsproxy, pipelineConnect: 'password' });
  const port = await freePort();
  const inspectorPort = await freePort();
  const args = [
    path.join(root, 'node_modules/wrangler/bin/wrangler.js'),
    'dev',
    '--ip', '127.0.0.1',
    '--port', String(port),
    '--inspector-port', String(inspectorPort),
    '--show-interactive-dev-session=false',
    '--log-level', 'warn',
    '--var', `DATABASE_URL:${databaseUrl}`,
    '--var', `WSPROXY:${wsproxy}`,
    // The throwaway cluster uses cleartext password auth on loopback, like Neon's pipelined connect.
    '--var', 'PG_PIPELINE_CONNECT:password',
    // Prefect runs with --no-services, so no scheduler: ours neither (not even after deployment writes).
    '--var', 'PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED:false',
  ];
  const child = startChild(nodeForWrangler(root), args, {
    cwd: root,
    logFile: path.join(workDir, 'wrangler.log'),
    env: {
      ...process.env,
      WRANGLER_SEND_METRICS: 'false',
      CLOUDFLARE_CF_FETCH_ENABLED: 'false',
      XDG_CONFIG_HOME: path.join(root, '.wrangler', 'config'),
    },
  });
  const baseUrl = `http://127.0.0.1:${port}/api`;
  try {
    await waitForHttp(`${baseUrl}/health`, child);
  } catch (e) {
    await child.stop();
    throw e;
  }
  return { baseUrl, stop: child.stop };
}
