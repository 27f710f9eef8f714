import type { Hono } from 'hono';
import type { AppEnv } from '../env';
import { flowReadRoutes } from './flows-read';
import { flowRunReadRoutes } from './flow-runs-read';
import { taskRunReadRoutes } from './task-runs-read';
import { deploymentReadRoutes } from './deployments-read';
import { workPoolReadRoutes } from './work-pools-read';
import { workQueueReadRoutes } from './work-queues-read';
import { concurrencyLeaseRoutes } from './concurrency-leases';
import { flowRunStateRoutes } from './flow-run-states';
import { flowRunOrchestrationRoutes } from './flow-runs-orchestration';
import { flowRunBulkRoutes } from './flow-runs-bulk';
import { deploymentFlowRunBulkRoutes } from './deployment-flow-runs-bulk';

/** Every resource router and where it is mounted (relative to the API root). */
export const routeTable: [string, Hono<AppEnv>][] = [
  ['/flows', flowReadRoutes],
  ['/flow_runs', flowRunReadRoutes],
  ['/flow_runs', flowRunOrchestrationRoutes],
  ['/flow_runs', flowRunBulkRoutes],
  ['/flow_run_states', flowRunStateRoutes],
  ['/task_runs', taskRunReadRoutes],
  ['/deployments', deploymentReadRoutes],
  ['/deployments', deploymentFlowRunBulkRoutes],
  ['/work_pools', workPoolReadRoutes],
  ['/work_queues', workQueueReadRoutes],
  ['/v2/concurrency_limits', concurrencyLeaseRoutes],
];
