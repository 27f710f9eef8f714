import type { Hono } from 'hono';
import type { AppEnv } from '../env';
import { concurrencyLimitRoutes } from './concurrency-limits';
import { deploymentRoutes } from './deployments';
import { flowRunUpdateRoutes } from './flow-runs';
import { flowRoutes } from './flows';
import { taskRunRoutes } from './task-runs';
import { workPoolRoutes } from './work-pools';
import { workQueueRoutes } from './work-queues';

/** Every resource router and where it is mounted (relative to the API root). */
export const routeTable: [string, Hono<AppEnv>][] = [
  ['/flows', flowRoutes],
  ['/flow_runs', flowRunUpdateRoutes],
  ['/task_runs', taskRunRoutes],
  ['/deployments', deploymentRoutes],
  ['/work_pools', workPoolRoutes],
  ['/work_queues', workQueueRoutes],
  ['/v2/concurrency_limits', concurrencyLimitRoutes],
];
