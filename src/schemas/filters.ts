/**
 * Prefect's filter language as Valibot schemas (../shared/spec/prefect-filters.md §0.3, §0.6, §2).
 *
 * - Every filter object rejects unknown keys (422 extra_forbidden), at every level.
 * - Only "operator" filters accept `operator` ("and_" | "or_"); an explicit `operator: null` is a 422.
 * - Every criterion accepts an explicit null, meaning "no criterion" (the Python SDK sends them all).
 * - Parsed values keep Prefect's snake_case keys; src/queries/filters.ts turns them into SQL.
 */
import * as v from 'valibot';
import { STATE_TYPES } from '../db/schema';
import { dateTime, enumOf, laxBool, laxInt, list, maxChars, model, opt, str, uuid } from './common';

const operator = () => v.optional(enumOf(['and_', 'or_'] as const));
const uuids = () => opt(list(uuid()));
const strings = () => opt(list(str()));
const bool = () => opt(laxBool());
const time = () => opt(dateTime());
const stateTypes = () => opt(list(enumOf(STATE_TYPES)));

/** An operator filter: its own criteria combined with `operator` (default and_). */
const operatorModel = <T extends v.ObjectEntries>(entries: T) => model({ operator: operator(), ...entries });

// Leaf filters shared by several entities (same keys, same meaning).
const idAnyNotAny = () => opt(model({ any_: uuids(), not_any_: uuids() }));
const idAny = () => opt(model({ any_: uuids() }));
const nameAnyLike = () => opt(model({ any_: strings(), like_: opt(str()) }));
const timeRange = () => opt(model({ before_: time(), after_: time() }));
const timeRangeOrNull = () => opt(model({ before_: time(), after_: time(), is_null_: bool() }));

export const FlowFilter = operatorModel({
  id: idAnyNotAny(),
  deployment: opt(operatorModel({ is_null_: bool() })),
  name: nameAnyLike(),
  tags: opt(operatorModel({ all_: strings(), is_null_: bool() })),
});

export const FlowRunFilterState = operatorModel({
  type: opt(model({ any_: stateTypes(), not_any_: stateTypes() })),
  name: opt(model({ any_: strings(), not_any_: strings() })),
});

export const FlowRunFilter = operatorModel({
  id: idAnyNotAny(),
  name: nameAnyLike(),
  tags: opt(operatorModel({ all_: strings(), any_: strings(), is_null_: bool() })),
  deployment_id: opt(operatorModel({ any_: uuids(), is_null_: bool() })),
  work_queue_name: opt(operatorModel({ any_: strings(), is_null_: bool() })),
  state: opt(FlowRunFilterState),
  flow_version: opt(model({ any_: strings() })),
  start_time: timeRangeOrNull(),
  end_time: timeRangeOrNull(),
  expected_start_time: timeRange(),
  next_scheduled_start_time: timeRange(),
  parent_flow_run_id: opt(operatorModel({ any_: uuids() })),
  parent_task_run_id: opt(operatorModel({ any_: uuids(), is_null_: bool() })),
  idempotency_key: opt(model({ any_: strings(), not_any_: strings() })),
  created_by: opt(operatorModel({ id_: uuids(), type_: strings(), is_null_: bool() })),
});

export const TaskRunFilter = operatorModel({
  id: idAny(),
  name: nameAnyLike(),
  tags: opt(operatorModel({ all_: strings(), is_null_: bool() })),
  state: opt(
    operatorModel({
      type: opt(model({ any_: stateTypes() })),
      name: opt(model({ any_: strings() })),
    }),
  ),
  start_time: timeRangeOrNull(),
  end_time: timeRangeOrNull(),
  expected_start_time: timeRange(),
  subflow_runs: opt(model({ exists_: bool() })),
  // is_null_ defaults to false when absent (so `{}` means "has a flow run"); an explicit null is kept.
  flow_run_id: opt(operatorModel({ any_: uuids(), is_null_: v.optional(v.nullable(laxBool()), false) })),
});

export const DeploymentFilter = operatorModel({
  id: idAnyNotAny(),
  name: nameAnyLike(),
  flow_or_deployment_name: opt(model({ like_: opt(str()) })),
  paused: opt(model({ eq_: bool() })),
  tags: opt(operatorModel({ all_: strings(), any_: strings(), is_null_: bool() })),
  work_queue_name: opt(model({ any_: strings() })),
  // Deprecated in Prefect: accepted and ignored.
  concurrency_limit: opt(model({ ge_: opt(laxInt()), le_: opt(laxInt()), is_null_: bool() })),
});

export const WorkPoolFilter = operatorModel({
  id: idAny(),
  name: opt(model({ any_: strings() })),
  type: opt(model({ any_: strings() })),
});

export const WorkQueueFilter = operatorModel({
  id: idAny(),
  name: opt(model({ any_: strings(), startswith_: strings() })),
});

export const LogFilter = operatorModel({
  level: opt(model({ ge_: opt(laxInt()), le_: opt(laxInt()) })),
  timestamp: timeRange(),
  flow_run_id: opt(model({ any_: uuids() })),
  task_run_id: opt(model({ any_: uuids(), is_null_: bool() })),
  // Prefect 3.9.1's text search over message and logger name (src/queries/filter-sql/text-search.ts).
  text: opt(model({ query: v.pipe(str(), maxChars(200)) })),
});

export type FlowFilter = v.InferOutput<typeof FlowFilter>;
export type FlowRunFilter = v.InferOutput<typeof FlowRunFilter>;
export type FlowRunFilterState = v.InferOutput<typeof FlowRunFilterState>;
export type TaskRunFilter = v.InferOutput<typeof TaskRunFilter>;
export type DeploymentFilter = v.InferOutput<typeof DeploymentFilter>;
export type WorkPoolFilter = v.InferOutput<typeof WorkPoolFilter>;
export type WorkQueueFilter = v.InferOutput<typeof WorkQueueFilter>;
export type LogFilter = v.InferOutput<typeof LogFilter>;

// Sort enums (§3). The first value listed in each is not necessarily the default.
export const FLOW_RUN_SORTS = [
  'ID_DESC',
  'START_TIME_ASC',
  'START_TIME_DESC',
  'EXPECTED_START_TIME_ASC',
  'EXPECTED_START_TIME_DESC',
  'NAME_ASC',
  'NAME_DESC',
  'NEXT_SCHEDULED_START_TIME_ASC',
  'END_TIME_DESC',
] as const;
export const TASK_RUN_SORTS = [
  'ID_DESC',
  'EXPECTED_START_TIME_ASC',
  'EXPECTED_START_TIME_DESC',
  'NAME_ASC',
  'NAME_DESC',
  'NEXT_SCHEDULED_START_TIME_ASC',
  'END_TIME_DESC',
  'DURATION_DESC',
  'DURATION_ASC',
] as const;
export const FLOW_SORTS = ['CREATED_DESC', 'UPDATED_DESC', 'NAME_ASC', 'NAME_DESC'] as const;
export const DEPLOYMENT_SORTS = ['CREATED_DESC', 'UPDATED_DESC', 'NAME_ASC', 'NAME_DESC'] as const;
export const LOG_SORTS = ['TIMESTAMP_ASC', 'TIMESTAMP_DESC'] as const;
export type FlowRunSort = (typeof FLOW_RUN_SORTS)[number];
export type TaskRunSort = (typeof TASK_RUN_SORTS)[number];
export type FlowSort = (typeof FLOW_SORTS)[number];
export type DeploymentSort = (typeof DEPLOYMENT_SORTS)[number];
export type LogSort = (typeof LOG_SORTS)[number];

export const VariableFilter = operatorModel({
  id: idAny(),
  name: nameAnyLike(),
  tags: opt(operatorModel({ all_: strings(), is_null_: bool() })),
});
export type VariableFilter = v.InferOutput<typeof VariableFilter>;
export const VARIABLE_SORTS = ['CREATED_DESC', 'UPDATED_DESC', 'NAME_DESC', 'NAME_ASC'] as const;
export type VariableSort = (typeof VARIABLE_SORTS)[number];

/** ArtifactFilter and ArtifactCollectionFilter: the same criteria, `id` on one and `latest_id` on the other. */
const artifactCriteria = {
  key: opt(model({ any_: strings(), like_: opt(str()), exists_: bool() })),
  flow_run_id: opt(model({ any_: uuids() })),
  task_run_id: opt(model({ any_: uuids() })),
  type: opt(model({ any_: strings(), not_any_: strings() })),
};
export const ArtifactFilter = operatorModel({ id: idAny(), ...artifactCriteria });
export const ArtifactCollectionFilter = operatorModel({ latest_id: idAny(), ...artifactCriteria });
export type ArtifactFilter = v.InferOutput<typeof ArtifactFilter>;
export type ArtifactCollectionFilter = v.InferOutput<typeof ArtifactCollectionFilter>;
export const ARTIFACT_SORTS = ['CREATED_DESC', 'UPDATED_DESC', 'ID_DESC', 'KEY_DESC', 'KEY_ASC'] as const;
export type ArtifactSort = (typeof ARTIFACT_SORTS)[number];
