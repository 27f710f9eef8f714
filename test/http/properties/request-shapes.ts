/**
 * The request bodies of the endpoints, described from the specs: the filter language
 * (../shared/spec/prefect-filters.md §2.2–§2.6), sorts (§3), pagination (§0.2), StateCreate and the
 * flow-run bodies (prefect-orchestration.md §1.3–§1.4, §4, §5).
 */
import fc from 'fast-check';
import {
  bool,
  custom,
  datetime,
  dict,
  embedded,
  enumOf,
  literalOf,
  float,
  int,
  json,
  labels,
  list,
  looseModel,
  model,
  name,
  nonEmptyishName,
  notNull,
  record,
  required,
  string,
  uuid,
  jsonValue,
  text,
  type Fault,
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
  // Prefect 3.9.1 rejects an explicit null (422); left out, it means empty details.
  state_details: notNull(StateDetails),
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

/**
 * DeploymentFlowRunCreate: the body of create_flow_run and each item of create_flow_run/bulk. The
 * parent task run must exist and the queue names are the caller's (a missing one is a 4xx).
 */
export function deploymentFlowRunCreate(refs: { parentTaskRunId: Shape; workQueueNames: readonly string[] }) {
  return model({
    state: StateCreate,
    name: string(),
    parameters: dict(),
    context: dict(),
    infrastructure_document_id: uuid(),
    empirical_policy: FlowRunPolicy,
    tags: list(string()),
    idempotency_key: string(),
    labels: labels(),
    parent_task_run_id: refs.parentTaskRunId,
    work_queue_name: string(fc.constantFrom(...refs.workQueueNames)),
    job_variables: dict(),
  });
}

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

// ---------------------------------------------------------------------------------------------
// Work pools, work queues and global concurrency limits: the write bodies, from Prefect's action
// models (WorkPoolCreate/Update, WorkQueueCreate/Update, ConcurrencyLimitV2Create/Update; filters
// spec §1.8–§1.10 and §0.6) and the /v2/concurrency_limits/increment|decrement parameters.

const templateVariable = () => fc.stringMatching(/^[a-z][a-z0-9_]{0,7}$/);
/** JSON without anything that looks like a `{{ placeholder }}`. */
const plainJson = () => jsonValue(1).filter((x) => !JSON.stringify(x).includes('{{'));

/**
 * A base job template Prefect accepts: `{}`, or a truthy `job_configuration` and `variables` in
 * which every `{{ placeholder }}` of the job configuration is a property of the variables schema.
 */
export const baseJobTemplate = (): fc.Arbitrary<Record<string, unknown>> =>
  fc.oneof(
    fc.constant({}),
    fc.uniqueArray(templateVariable(), { minLength: 1, maxLength: 4 }).chain((vars) =>
      fc
        .record({
          used: fc.subarray(vars),
          extra: fc.dictionary(fc.stringMatching(/^[a-z]{1,6}$/), plainJson(), { minKeys: 1, maxKeys: 2 }),
          spacing: fc.constantFrom('', ' ', '  '),
          defaults: fc.array(fc.boolean(), { minLength: vars.length, maxLength: vars.length }),
        })
        .map(({ used, extra, spacing, defaults }) => ({
          job_configuration: {
            ...extra,
            ...(used.length > 0 ? { command: `run {{${spacing}${used[0]}${spacing}}}`, env: Object.fromEntries(used.map((u) => [u.toUpperCase(), `{{ ${u} }}`])) } : {}),
          },
          variables: {
            type: 'object',
            properties: Object.fromEntries(vars.map((name, i) => [name, defaults[i] ? { type: 'string', default: 'x' } : { type: 'string' }])),
          },
        })),
    ),
  );

/** Base job templates Prefect's validator rejects (a value_error at base_job_template). */
export const BAD_BASE_JOB_TEMPLATES: Record<string, unknown>[] = [
  { foo: 1 },
  { job_configuration: { command: '{{ cmd }}' } },
  { variables: { properties: { cmd: {} } } },
  { job_configuration: {}, variables: { properties: { cmd: {} } } },
  { job_configuration: { command: '{{ cmd }}' }, variables: {} },
  { job_configuration: { command: '{{ cmd }}', env: { X: '{{missing}}' } }, variables: { properties: { cmd: {} } } },
  { job_configuration: { command: 'run {{ cmd }}' }, variables: { type: 'object' } },
  // Prefect answers 500 to these two (it calls .values() / .get() on them): a 422 is the least we owe.
  { job_configuration: ['{{ cmd }}'], variables: { properties: { cmd: {} } } },
  { job_configuration: { command: 'x' }, variables: ['cmd'] },
];

/** One of BAD_BASE_JOB_TEMPLATES at `base_job_template` of an otherwise valid body. */
export const badBaseJobTemplate = (bodies: fc.Arbitrary<unknown>): fc.Arbitrary<Fault> =>
  fc.tuple(bodies, fc.constantFrom(...BAD_BASE_JOB_TEMPLATES)).map(([body, template]) => ({
    value: { ...(body as object), base_job_template: template },
    loc: ['base_job_template'],
    types: ['value_error'],
  }));

/** WorkPoolStorageConfiguration forbids unknown keys (§0.6). */
export const WorkPoolStorageConfiguration = model({
  bundle_upload_step: dict(),
  bundle_execution_step: dict(),
  default_result_storage_block_id: uuid(),
});

const poolType = () => string(fc.oneof(fc.constantFrom('process', 'docker', 'kubernetes', 'prefect-agent'), text()));
const nonNegative = () => int({ min: 0 });
/** PositiveInteger (gt=0); generated priorities stay small so that they collide with existing ones. */
const priority = () => int({ min: 1, minType: 'greater_than', upTo: 12 });

export const WorkPoolCreate = model({
  name: required(nonEmptyishName()),
  description: string(),
  type: notNull(poolType()),
  base_job_template: notNull(dict(baseJobTemplate())),
  is_paused: notNull(bool()),
  concurrency_limit: nonNegative(),
  storage_configuration: notNull(WorkPoolStorageConfiguration),
});

export const WorkPoolUpdate = model({
  description: string(),
  is_paused: bool(),
  base_job_template: dict(baseJobTemplate()),
  concurrency_limit: nonNegative(),
  storage_configuration: WorkPoolStorageConfiguration,
});

/** The deprecated QueueFilter: a value object, unknown keys ignored (§0.6). */
export const QueueFilter = looseModel({ tags: list(string()), deployment_ids: list(uuid()) });

export const WorkQueueCreate = model({
  name: required(name()),
  description: string(),
  is_paused: notNull(bool()),
  concurrency_limit: nonNegative(),
  priority: priority(),
  filter: QueueFilter,
});

/** WorkQueueUpdate: `name` is a plain Optional[str] here; `is_paused` is a plain bool (never null). */
export const WorkQueueUpdate = model({
  name: string(),
  description: string(),
  is_paused: notNull(bool()),
  concurrency_limit: nonNegative(),
  priority: priority(),
  last_polled: datetime(),
  filter: QueueFilter,
});

export const ConcurrencyLimitV2Create = model({
  active: notNull(bool()),
  name: required(name()),
  limit: required(nonNegative()),
  active_slots: notNull(nonNegative()),
  denied_slots: notNull(nonNegative()),
  slot_decay_per_second: notNull(float({ min: 0 })),
});

export const ConcurrencyLimitV2Update = model({
  active: bool(),
  name: name(),
  limit: nonNegative(),
  active_slots: nonNegative(),
  denied_slots: nonNegative(),
  slot_decay_per_second: float({ min: 0 }),
});

const slots = () => required(int({ min: 1, minType: 'greater_than', upTo: 6 }));
/** `names` must hold at least one name (min_items=1): an empty list is a `too_short` fault, added by the caller. */
export const incrementBody = embedded({
  slots: slots(),
  names: required(list(string())),
  mode: literalOf(['concurrency', 'rate_limit']),
  create_if_missing: bool(),
});
export const decrementBody = embedded({
  slots: slots(),
  names: required(list(string())),
  occupancy_seconds: float({ min: 0, exclusiveMin: true }),
  create_if_missing: bool(),
});

// ---------------------------------------------------------------------------------------------
// Global concurrency with leases: /v2/concurrency_limits/increment-with-lease and /decrement-with-lease

/** Prefect's ConcurrencyLeaseHolder. */
export const leaseHolder = model({
  type: required(literalOf(['flow_run', 'task_run', 'deployment'])),
  id: required(uuid()),
});
export const incrementWithLeaseBody = embedded({
  slots: slots(),
  names: required(list(string())),
  mode: literalOf(['concurrency', 'rate_limit']),
  lease_duration: float({ min: 60, max: 86400 }),
  holder: leaseHolder,
});
export const decrementWithLeaseBody = embedded({ lease_id: required(uuid()) });
