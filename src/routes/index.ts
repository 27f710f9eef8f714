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
import { concurrencyLimitRoutes } from './concurrency-limits';
import { deploymentRoutes } from './deployments';
import { flowRunUpdateRoutes } from './flow-runs';
import { flowRoutes } from './flows';
import { taskRunRoutes } from './task-runs';
import { workPoolRoutes } from './work-pools';
import { workQueueRoutes } from './work-queues';
import { logRoutes } from './logs';
import { workerRoutes } from './workers';
import { collectionRoutes } from './collections';
import { workQueuePollingRoutes } from './work-queue-polling';
import { automationRoutes } from './automations';
import { deploymentPollingRoutes } from './deployment-polling';
import { eventRoutes } from './events';
import { taskRunStateRoutes } from './task-run-states';
import { variableRoutes } from './variables';
import { artifactRoutes } from './artifacts';
import { tagConcurrencyLimitRoutes } from './tag-concurrency-limits';
import { flowRunHistoryRoutes, taskRunHistoryRoutes } from './run-history';
import { flowRunGraphRoutes } from './flow-run-graph';
import { flowRunLogRoutes } from './flow-run-logs';
import { taskWorkerRoutes } from './task-workers';
import { webhookRoutes } from './webhooks';
import { hookRoutes } from './hooks';
import { uiFlowRoutes, uiFlowRunRoutes, uiTaskRunRoutes } from './ui';
import { uiSchemaRoutes } from './ui-schemas';
import { savedSearchRoutes } from './saved-searches';
import { observedStateRoutes } from './observed-states';

import { flowRunInputRoutes } from './flow-run-input';
import { templateRoutes } from './templates';

/** Every resource router and where it is mounted (relative to the API root). */
export const routeTable: [string, Hono<AppEnv>][] = [
  ['/flows', flowReadRoutes],
  ['/flows', flowRoutes],
  ['/flow_runs', flowRunHistoryRoutes],
  ['/flow_runs', flowRunGraphRoutes],
  ['/flow_runs', flowRunLogRoutes],
  ['/flow_runs', flowRunInputRoutes],
  ['/flow_runs', flowRunReadRoutes],
  ['/flow_runs', flowRunOrchestrationRoutes],
  ['/flow_runs', flowRunBulkRoutes],
  ['/flow_runs', flowRunUpdateRoutes],
  ['/flow_run_states', flowRunStateRoutes],
  ['/task_runs', taskRunHistoryRoutes],
  ['/task_runs', taskRunReadRoutes],
  ['/task_runs', taskRunRoutes],
  ['/deployments', deploymentPollingRoutes],
  ['/task_run_states', taskRunStateRoutes],
  ['/deployments', deploymentReadRoutes],
  ['/deployments', deploymentFlowRunBulkRoutes],
  ['/deployments', deploymentRoutes],
  ['/work_pools', workPoolReadRoutes],
  ['/work_pools', workPoolRoutes],
  ['/work_pools', workerRoutes],
  ['/work_queues', workQueueReadRoutes],
  ['/work_queues', workQueueRoutes],
  ['/work_queues', workQueuePollingRoutes],
  ['/v2/concurrency_limits', concurrencyLeaseRoutes],
  ['/v2/concurrency_limits', concurrencyLimitRoutes],
  ['/logs', logRoutes],
  ['/collections', collectionRoutes],
  ['/templates', templateRoutes],
  ['/automations/templates', templateRoutes],
  ['/automations', automationRoutes],
  ['/events', eventRoutes],
  ['/variables', variableRoutes],
  ['/artifacts', artifactRoutes],
  ['/concurrency_limits', tagConcurrencyLimitRoutes],
  ['/task_workers', taskWorkerRoutes],
  ['/webhooks', webhookRoutes],
  ['/hooks', hookRoutes],
  ['/ui/flows', uiFlowRoutes],
  ['/ui/flow_runs', uiFlowRunRoutes],
  ['/ui/task_runs', uiTaskRunRoutes],
  ['/ui/schemas', uiSchemaRoutes],
  ['/saved_searches', savedSearchRoutes],
  ['/observed-states', observedStateRoutes],
];
