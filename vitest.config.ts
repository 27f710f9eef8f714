import { defineConfig } from 'vitest/config';
import { cloudflareTest } from '@cloudflare/vitest-plugin';

/**
 * Two projects:
 * - unit: pure logic (orchestration rules, validation, time) in plain Node; fast, no database.
 * - workers: HTTP and database tests inside workerd, against the database test/global-setup.ts
 *   provides (a throwaway PostgreSQL cluster, TEST_DATABASE_URL, or embedded PGlite).
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        plugins: [
          cloudflareTest(({ inject }) => ({
            wrangler: { configPath: './wrangler.toml' },
            miniflare: {
              bindings: {
                DATABASE_URL: inject<string>('databaseUrl'),
                WSPROXY: inject<string>('wsproxy'),
                PG_PIPELINE_CONNECT: inject<string>('pipelineConnect'),
                DB_KIND: inject<string>('dbKind'),
                EXPOSE_SQL_COUNT: '1',
                // Tests reach the Worker at http://edge.test (not loopback): run it open on purpose.
                // Auth tests pass their own env (test/http/security/).
                ALLOW_UNAUTHENTICATED: 'true',
                // Automation tests drive evaluation themselves (test/http/automations/).
                AUTOMATIONS_AFTER_WRITES: 'false',
                // The control port of the test proxy (for fault tests that cut connections).
                PROXY_CONTROL: inject<string>('proxyControl'),
                // Property tests (test/http/properties/): cases per property and the seed; empty = defaults.
                PROPERTY_RUNS: process.env.PROPERTY_RUNS ?? '',
                PROPERTY_SEED: process.env.PROPERTY_SEED ?? '',
                // Webhook calls of the reliability test (test/http/webhooks/reliability.test.ts); empty = 100.
                RELIABILITY_CALLS: process.env.RELIABILITY_CALLS ?? '',
              },
            },
          })),
        ],
        test: {
          name: 'workers',
          include: ['test/http/**/*.test.ts'],
          globalSetup: ['./test/global-setup.ts'],
          // Files share one database and some tests reset it: run files one at a time.
          fileParallelism: false,
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
