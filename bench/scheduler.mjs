// Benchmark (not a test): one scheduler pass over N deployments (default 10,000), each with one active
// schedule (a third interval, a third cron in America/New_York, a third rrule). Prints the time and the
// SQL statements of: a full pass from empty (every deployment), a pass right after (nothing due), and
// one default-sized pass (PREFECT_SERVER_SERVICES_SCHEDULER_MAX_DEPLOYMENTS_PER_PASS, 1000).
//
//   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/edge_bench node bench/scheduler.mjs [N]
//
// The database must exist; the script migrates it and TRUNCATEs its tables. It runs the scheduler's
// own code (bundled with esbuild) in Node through the same Neon driver and WebSocket proxy as `npm run dev`.
import { build } from 'esbuild';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startWsProxy } from '../scripts/wsproxy.mjs';
import { addressOf, migrate } from '../scripts/localdb.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const url = process.env.BENCH_DATABASE_URL;
if (!url) {
  console.error('Set BENCH_DATABASE_URL to an empty database that this script may truncate.');
  process.exit(2);
}
const N = Number(process.argv[2] ?? 10_000);

const dir = mkdtempSync(path.join(os.tmpdir(), 'sched-bench-'));
const bundle = path.join(dir, 'scheduler.mjs');
await build({
  stdin: {
    contents: `export * from './src/services/scheduler.ts'; export { serviceSettings } from './src/services/settings.ts';`,
    resolveDir: root,
    loader: 'ts',
  },
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  mainFields: ['module', 'main'],
  outfile: bundle,
  logLevel: 'error',
});
const { runSchedulerPass, serviceSettings } = await import(pathToFileURL(bundle).href);

const proxy = await startWsProxy({ allow: [addressOf(url)] });
try {
  await migrate({ url, wsproxy: proxy.url, pipelineConnect: false });
  const { Pool, neonConfig } = await import('@neondatabase/serverless');
  const { drizzle } = await import('drizzle-orm/neon-serverless');
  neonConfig.webSocketConstructor = createRequire(import.meta.url)('ws');
  neonConfig.wsProxy = (host, port) => `${proxy.url.replace(/^wss?:\/\//, '')}/v1?address=${host}:${port}`;
  neonConfig.useSecureWebSocket = false;
  neonConfig.pipelineTLS = false;
  neonConfig.pipelineConnect = false;
  neonConfig.coalesceWrites = false;
  const pool = new Pool({ connectionString: url, max: 1 });
  pool.on('error', () => {});
  const counter = { count: 0, logQuery() { this.count += 1; } };
  const db = drizzle({ client: pool, logger: counter });
  const { sql } = await import('drizzle-orm');

  console.log(`seeding ${N} deployments…`);
  await db.execute(sql`TRUNCATE flow, flow_run, flow_run_state, deployment, deployment_schedule CASCADE`);
  await db.execute(sql`
    WITH f AS (INSERT INTO flow (name) SELECT 'bench-flow-' || i FROM generate_series(1, ${N}) i RETURNING id, name),
    d AS (INSERT INTO deployment (name, flow_id, tags) SELECT 'bench', f.id, '["bench"]'::jsonb FROM f RETURNING id, flow_id)
    INSERT INTO deployment_schedule (deployment_id, schedule)
    SELECT d.id, CASE (row_number() OVER ()) % 3
      WHEN 0 THEN '{"interval": 3600, "anchor_date": "2026-01-01T00:00:00Z", "timezone": "UTC"}'::jsonb
      WHEN 1 THEN '{"cron": "0 * * * *", "timezone": "America/New_York", "day_or": true}'::jsonb
      ELSE '{"rrule": "FREQ=HOURLY;BYMINUTE=30", "timezone": "UTC"}'::jsonb END
    FROM d`);
  await db.execute(sql`ANALYZE`);

  const pass = async (label, settings) => {
    counter.count = 0;
    const t = performance.now();
    const result = await runSchedulerPass(db, settings, { now: Date.now() * 1000, startAfter: '00000000-0000-0000-0000-000000000000' });
    const ms = performance.now() - t;
    console.log(`${label.padEnd(44)} ${String(Math.round(ms)).padStart(7)} ms  ${String(counter.count).padStart(5)} SQL statements  ` +
      `${result.deployments} deployments, ${result.inserted} runs inserted`);
  };
  const defaults = serviceSettings({}).scheduler;
  await pass(`full pass (${N} deployments, from empty)`, { ...defaults, maxDeploymentsPerPass: N });
  await pass('the next pass (nothing due)', { ...defaults, maxDeploymentsPerPass: N });
  await db.execute(sql`TRUNCATE flow_run, flow_run_state CASCADE`);
  await pass(`default pass (at most ${defaults.maxDeploymentsPerPass} deployments)`, defaults);
  await pool.end().catch(() => {});
} finally {
  await proxy.close();
  rmSync(dir, { recursive: true, force: true });
}
