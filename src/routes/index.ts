import type { Hono } from 'hono';
import type { AppEnv } from '../env';
import { concurrencyLeaseRoutes } from './concurrency-leases';
import { flowRunStateRoutes } from './flow-run-states';
import { flowRunOrchestrationRoutes } from './flow-runs-orchestration';

/** Every resource router and where it is mounted (relative to the API root). */
export const routeTable: [string, Hono<AppEnv>][] = [
  ['/flow_runs', flowRunOrchestrationRoutes],
  ['/flow_run_states', flowRunStateRoutes],
  ['/v2/concurrency_limits', concurrencyLeaseRoutes],
];
