/** Bodies of the UI's aggregate endpoints (POST /ui/...), embedded parameters as in Prefect 3.9.1. */
import * as v from 'valibot';
import { enumOf, issueMessage, list, nonNegativeInt, opt, uuid } from './common';
import {
  DeploymentFilter,
  FLOW_RUN_SORTS,
  FlowFilter,
  FlowRunFilter,
  TaskRunFilter,
  WorkPoolFilter,
  WorkQueueFilter,
} from './filters';

/** Prefect caps the id lists of the per-flow and per-run counts at 200 (`max_length=200`). */
export const MAX_UI_IDS = 200;

const idList = () =>
  v.pipe(
    list(uuid()),
    v.rawCheck(({ dataset, addIssue }) => {
      if (dataset.typed && dataset.value.length > MAX_UI_IDS) {
        const n = dataset.value.length;
        addIssue({
          message: issueMessage('too_long', `List should have at most ${MAX_UI_IDS} items after validation, not ${n}`, {
            field_type: 'List',
            max_length: MAX_UI_IDS,
            actual_length: n,
          }),
        });
      }
    }),
  );

export const FlowIdsBody = v.object({ flow_ids: idList() });
export const FlowRunIdsBody = v.object({ flow_run_ids: idList() });

/** POST /ui/flow_runs/history: a flow-run read (sort, limit up to 1000) reduced to what the chart shows. */
export const UiFlowRunHistoryBody = v.object({
  sort: opt(enumOf(FLOW_RUN_SORTS)),
  // Prefect checks only the upper bound (a negative limit fails in the database); ours refuses both.
  limit: opt(v.pipe(nonNegativeInt(), v.maxValue(1000, issueMessage('less_than_equal', 'Input should be less than or equal to 1000', { le: 1000 })))),
  offset: opt(nonNegativeInt()),
  flows: opt(FlowFilter),
  flow_runs: opt(FlowRunFilter),
  task_runs: opt(TaskRunFilter),
  deployments: opt(DeploymentFilter),
  work_pools: opt(WorkPoolFilter),
});

const taskRunFilters = {
  flows: opt(FlowFilter),
  flow_runs: opt(FlowRunFilter),
  deployments: opt(DeploymentFilter),
};

/** POST /ui/task_runs/dashboard/counts: `task_runs` is required (and must bound start_time below). */
export const DashboardCountsBody = v.object({
  task_runs: TaskRunFilter,
  ...taskRunFilters,
  work_pools: opt(WorkPoolFilter),
  work_queues: opt(WorkQueueFilter),
});

/** POST /ui/task_runs/count. */
export const TaskRunCountByStateBody = v.object({ task_runs: opt(TaskRunFilter), ...taskRunFilters });
