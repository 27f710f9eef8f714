// `npm run test:pooled`: a subset of the HTTP tests, with PgBouncer in transaction mode between the
// Worker and PostgreSQL (TEST_POOLER=pgbouncer, see test/global-setup.ts), as Neon's pooled endpoint is
// in production. It shows that the seed endpoints, orchestration, locking and polling keep no session
// state across transactions. Without pgbouncer it is skipped, loudly; under CI=true that is a failure
// (.ci/run installs it). Extra arguments go to vitest.
import { spawnSync } from 'node:child_process';
import { findPgBouncer } from './pgbouncer.mjs';

export const POOLED_TEST_FILES = [
  'test/http/crud/statement-counts.test.ts',
  'test/http/db-pipeline.test.ts',
  'test/http/crud/bulk-delete.test.ts',
  'test/http/crud/deployments.test.ts',
  'test/http/crud/flow-runs.test.ts',
  'test/http/filters/deployments.test.ts',
  'test/http/orchestration/basics.test.ts',
  'test/http/orchestration/bulk.test.ts',
  'test/http/orchestration/locking.test.ts',
  'test/http/orchestration/deployment-concurrency.test.ts',
  'test/http/workers/work-queue-polling.test.ts',
  'test/http/services/services.test.ts',
];

if (!findPgBouncer()) {
  const banner = '!'.repeat(100);
  console.error(`\n${banner}\n!!! pgbouncer is not installed: the transaction-mode pooler tests are SKIPPED.`);
  console.error(`!!! Install it (Debian: apt-get install pgbouncer) to run them.\n${banner}\n`);
  process.exit(process.env.CI === 'true' ? 1 : 0);
}

const r = spawnSync('vitest', ['run', '--project', 'workers', ...POOLED_TEST_FILES, ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, TEST_POOLER: 'pgbouncer' },
});
process.exit(r.status ?? 1);
