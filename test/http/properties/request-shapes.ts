/**
 * The request bodies of the endpoints, described from the specs: the filter language
 * (../shared/spec/prefect-filters.md §2.2–§2.6), sorts (§3), pagination (§0.2), StateCreate and the
 * flow-run bodies (prefect-orchestration.md §1.3–§1.4, §4, §5).
 */
import {
  bool,
  custom,
  datetime,
  dict,
  embedded,
  enumOf,
  float,
  int,
  json,
  labels,
  list,
  looseModel,
  model,
  notNull,
  record,
  required,
  string,
  uuid,
  valid,
  invalid,
  type Shape,
} from './shapes';
import { STATE_TYPES } from './response-schemas';

const operator = notNull(enumOf(['and_', 'or_']));
/** An operator filter: its criteria combined with `operator` (and_ by default). */
const op = (entries: Parameters<typeof model>[0]) => model({ operator, ...entries });
const uuids = () => list(uuid());
const strings = () => list(string());
const stateTypes = () => list(enumOf(STATE_TYPES));
const times = () => model({ before_: datetime(), after_: datetime() });
const timesOrNull = () => model({ before_: datetime(), after_: datetime(), is_null_: bool() });

export const FlowFilter = op({
  id: model({ any_: uuids(), not_any_: uuids() }),
  deployment: op({ is_null_: bool() }),
  name: model({ any_: strings(), like_: string() }),
  tags: op({ all_: strings(), is_null_: bool() }),
});

export const FlowRunFilter = op({
  id: model({ any_: uuids(), not_any_: uuids() }),
  name: model({ any_: strings(), like_: string() }),
  tags: op({ all_: strings(), any_: strings(), is_null_: bool() }),
  deployment_id: op({ any_: uuids(), is_null_: bool() }),
  work_queue_name: op({ any_: strings(), is_null_: bool() }),
  state: op({ type: model({ any_: stateTypes(), not_any_: stateTypes() }), name: model({ any_: strings(), not_any_: strings() }) }),
  flow_version: model({ any_: strings() }),
  start_time: timesOrNull(),
  end_time: timesOrNull(),
  expected_start_time: times(),
  next_scheduled_start_time: times(),
  parent_flow_run_id: op({ any_: uuids() }),
  parent_task_run_id: op({ any_: uuids(), is_null_: bool() }),
  idempotency_key: model({ any_: strings(), not_any_: strings() }),
  created_by: op({ id_: uuids(), type_: strings(), is_null_: bool() }),
});

export const TaskRunFilter = op({
  id: model({ any_: uuids() }),
  name: model({ any_: strings(), like_: string() }),
  tags: op({ all_: strings(), is_null_: bool() }),
  state: op({ type: model({ any_: stateTypes() }), name: model({ any_: strings() }) }),
  start_time: timesOrNull(),
  end_time: timesOrNull(),
  expected_start_time: times(),
  subflow_runs: model({ exists_: bool() }),
  flow_run_id: op({ any_: uuids(), is_null_: bool() }),
});

export const DeploymentFilter = op({
  id: model({ any_: uuids(), not_any_: uuids() }),
  name: model({ any_: strings(), like_: string() }),
  flow_or_deployment_name: model({ like_: string() }),
  paused: model({ eq_: bool() }),
  tags: op({ all_: strings(), any_: strings(), is_null_: bool() }),
  work_queue_name: model({ any_: strings() }),
  concurrency_limit: model({ ge_: int(), le_: int(), is_null_: bool() }),
});

export const WorkPoolFilter = op({
  id: model({ any_: uuids() }),
  name: model({ any_: strings() }),
  type: model({ any_: strings() }),
});

export const WorkQueueFilter = op({
  id: model({ any_: uuids() }),
  name: model({ any_: strings(), startswith_: strings() }),
});

export const FLOW_RUN_SORTS = ['ID_DESC', 'START_TIME_ASC', 'START_TIME_DESC', 'EXPECTED_START_TIME_ASC', 'EXPECTED_START_TIME_DESC', 'NAME_ASC', 'NAME_DESC', 'NEXT_SCHEDULED_START_TIME_ASC', 'END_TIME_DESC'];
export const TASK_RUN_SORTS = ['ID_DESC', 'EXPECTED_START_TIME_ASC', 'EXPECTED_START_TIME_DESC', 'NAME_ASC', 'NAME_DESC', 'NEXT_SCHEDULED_START_TIME_ASC', 'END_TIME_DESC'];
export const FLOW_SORTS = ['CREATED_DESC', 'UPDATED_DESC', 'NAME_ASC', 'NAME_DESC'];
export const DEPLOYMENT_SORTS = FLOW_SORTS;

/** The read endpoints' limit: 0..200, and out-of-range values are `{"detail"}` 422s (§0.2). */
export const readLimit = () => int({ min: 0, max: 200, detailRange: true });
export const offset = () => int({ min: 0, upTo: 100_000 });
const page = () => int({ min: 1, upTo: 100_000 });

/** The top-level filter keys each read family accepts (§2.9). */
export const FLOW_FILTERS = { flows: FlowFilter, flow_runs: FlowRunFilter, task_runs: TaskRunFilter, deployments: DeploymentFilter, work_pools: WorkPoolFilter };
export const FLOW_RUN_FILTERS = { ...FLOW_FILTERS, work_pool_queues: WorkQueueFilter };
export const TASK_RUN_FILTERS = { flows: FlowFilter, flow_runs: FlowRunFilter, task_runs: TaskRunFilter, deployments: DeploymentFilter };
export const DEPLOYMENT_FILTERS = FLOW_RUN_FILTERS;

/** filter, count and paginate bodies of one family. */
export function readBodies(filters: Record<string, Shape>, sorts: string[]) {
  return {
    filter: embedded({ ...filters, sort: enumOf(sorts), limit: readLimit(), offset: offset() }),
    count: embedded(filters),
    paginate: embedded({ ...filters, sort: enumOf(sorts), limit: readLimit(), page: page() }),
  };
}

export const StateDetails = looseModel({
  flow_run_id: uuid(),
  task_run_id: uuid(),
  child_flow_run_id: uuid(),
  scheduled_time: datetime(),
  cache_key: string(),
  cache_expiration: datetime(),
  deferred: bool(),
  // Plain bools in Prefect (§1.11: "bool, false"), unlike the optional ones around them.
  untrackable_result: notNull(bool()),
  pause_timeout: datetime(),
  pause_reschedule: notNull(bool()),
  pause_key: string(),
  run_input_keyset: record(string()),
  refresh_cache: bool(),
  retriable: bool(),
  transition_id: uuid(),
  task_parameters_id: uuid(),
  traceparent: string(),
  deployment_concurrency_lease_id: uuid(),
});

/** StateCreate: unknown keys (id, timestamp...) are forbidden (orchestration §1.4). */
export const StateCreate = model({
  type: required(enumOf(STATE_TYPES)),
  name: string(),
  message: string(),
  data: json(),
  state_details: StateDetails,
});

const FlowRunPolicyFields = looseModel({
  // Deprecated, but plain `int` / `float` fields in Prefect: null is a 422.
  max_retries: notNull(int({ upTo: 100 })),
  // Copied into retry_delay (an int) before validation when retry_delay is falsy: whole values only.
  retry_delay_seconds: notNull(float({ integral: true })),
  retries: int({ upTo: 100 }),
  retry_delay: int({ upTo: 100_000 }),
  pause_keys: strings(),
  resuming: bool(),
  retry_type: enumOf(['in_process', 'reschedule']),
});

/** Python's truthiness, and `x != 0` (False == 0 in Python). */
const pyFalsy = (x: unknown) => x === null || x === undefined || x === false || x === 0 || x === '' || (typeof x === 'object' && Object.keys(x).length === 0);
const pyNonZero = (x: unknown) => x !== 0 && x !== false;

/**
 * FlowRunPolicy. Before validation Prefect copies max_retries into a falsy `retries`, and
 * retry_delay_seconds into a falsy `retry_delay`, when the deprecated field is present and not 0:
 * a falsy bad value there ('' or [] for an int) is then no fault at all.
 */
export const FlowRunPolicy = custom(
  valid(FlowRunPolicyFields),
  invalid(FlowRunPolicyFields)!.filter((f) => {
    const p = f.value as Record<string, unknown> | null;
    if (!p || typeof p !== 'object' || Array.isArray(p) || f.loc.length !== 1) return true;
    const at = String(f.loc[0]);
    const from = at === 'retries' ? 'max_retries' : at === 'retry_delay' ? 'retry_delay_seconds' : null;
    return !(from && pyFalsy(p[at]) && from in p && pyNonZero(p[from]));
  }),
);

export const setStateBody = embedded({ state: required(StateCreate), force: bool() });
export const resumeBody = embedded({ run_input: dict() });
const bulkLimit = () => int({ min: 1, max: 50 });
export const bulkSetStateBody = embedded({ flow_runs: FlowRunFilter, state: required(StateCreate), force: bool(), limit: bulkLimit() });
export const bulkDeleteBody = embedded({ flow_runs: FlowRunFilter, limit: bulkLimit() });
// Not range-checked here (a documented difference: Prefect bounds it).
export const leaseRenewBody = embedded({ lease_duration: float() });

/** FlowRunCreate (filters spec §4.2); references are filled with existing rows by the caller. */
export function flowRunCreate(refs: { flowId: Shape; parentTaskRunId: Shape }) {
  return model({
    flow_id: required(refs.flowId),
    name: string(),
    deployment_id: uuid(),
    state: StateCreate,
    flow_version: string(),
    parameters: dict(),
    context: dict(),
    parent_task_run_id: refs.parentTaskRunId,
    infrastructure_document_id: uuid(),
    empirical_policy: FlowRunPolicy,
    tags: strings(),
    labels: labels(),
    idempotency_key: string(),
    // Pool and queue names must exist to get a 2xx; the valid generator handles them separately.
    work_queue_name: string(),
    job_variables: dict(),
  });
}
