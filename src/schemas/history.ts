/** Bodies of POST /flow_runs/history, /task_runs/history and /flow_runs/lateness (embedded parameters). */
import * as v from 'valibot';
import { dateTime, laxFloat, opt } from './common';
import { DeploymentFilter, FlowFilter, FlowRunFilter, TaskRunFilter, WorkPoolFilter, WorkQueueFilter } from './filters';

const range = { history_start: dateTime(), history_end: dateTime(), history_interval_seconds: laxFloat() };
const runFilters = {
  flows: opt(FlowFilter),
  flow_runs: opt(FlowRunFilter),
  task_runs: opt(TaskRunFilter),
  deployments: opt(DeploymentFilter),
};

/** Flow-run history takes the pool and queue filters too; Prefect names the queue filter `work_queues` here. */
export const FlowRunHistoryBody = v.object({
  ...range,
  ...runFilters,
  work_pools: opt(WorkPoolFilter),
  work_queues: opt(WorkQueueFilter),
});

/** Task-run history: the four run filters only. */
export const TaskRunHistoryBody = v.object({ ...range, ...runFilters });

/** Lateness takes flow-run filters under their /flow_runs/filter names (`work_pool_queues`). */
export const LatenessBody = v.object({
  ...runFilters,
  work_pools: opt(WorkPoolFilter),
  work_pool_queues: opt(WorkQueueFilter),
});
