/**
 * Valibot schemas of the objects Prefect's server returns, written from the specs
 * (../shared/spec/prefect-filters.md §0.4, §1.11, §4; prefect-orchestration.md §1.2, §4.1, §5), not
 * from our serializers. Every key is required (Prefect never omits a field, nulls included), no
 * other key is allowed, and keys come in the order Prefect emits them.
 */
import * as v from 'valibot';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// UTC, `Z`; the fraction has 6 digits and is left out when it is zero (§0.4).
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.(?!0{6})\d{6})?Z$/;

export const uuid = () => v.pipe(v.string(), v.regex(UUID, 'a lowercase hyphenated UUID'));
export const timestamp = () => v.pipe(v.string(), v.regex(TIMESTAMP, "Prefect's UTC timestamp format"));
const int = () => v.pipe(v.number(), v.integer());
const nonNegativeInt = () => v.pipe(int(), v.minValue(0));
/** Timedeltas are float seconds (§0.4). */
const seconds = () => v.pipe(v.number(), v.finite());
const jsonObject = () => v.record(v.string(), v.unknown());
const stringList = () => v.array(v.string());
const n = v.nullable;

export const STATE_TYPES = ['SCHEDULED', 'PENDING', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED', 'CRASHED', 'PAUSED', 'CANCELLING'] as const;

/** A strict object whose keys also come in exactly the given order. */
function prefectObject<T extends v.ObjectEntries>(entries: T) {
  const order = Object.keys(entries);
  return v.pipe(
    v.strictObject(entries),
    v.check(
      (o) => JSON.stringify(Object.keys(o)) === JSON.stringify(order),
      (issue) => `keys out of Prefect's order: ${JSON.stringify(Object.keys(issue.input as object))}`,
    ),
  );
}

export const StateDetails = prefectObject({
  flow_run_id: n(uuid()),
  task_run_id: n(uuid()),
  child_flow_run_id: n(uuid()),
  scheduled_time: n(timestamp()),
  cache_key: n(v.string()),
  cache_expiration: n(timestamp()),
  deferred: n(v.boolean()),
  untrackable_result: v.boolean(),
  pause_timeout: n(timestamp()),
  pause_reschedule: v.boolean(),
  pause_key: n(v.string()),
  run_input_keyset: n(jsonObject()),
  refresh_cache: n(v.boolean()),
  retriable: n(v.boolean()),
  transition_id: n(uuid()),
  task_parameters_id: n(uuid()),
  traceparent: n(v.string()),
  deployment_concurrency_lease_id: n(uuid()),
});

export const State = v.pipe(
  prefectObject({
    id: uuid(),
    type: v.picklist(STATE_TYPES),
    name: v.string(),
    timestamp: timestamp(),
    message: n(v.string()),
    data: v.unknown(),
    state_details: StateDetails,
  }),
  // A SCHEDULED state always carries its scheduled time (orchestration §1.2).
  v.check((s) => s.type !== 'SCHEDULED' || s.state_details.scheduled_time !== null, 'a SCHEDULED state without scheduled_time'),
);

export const FlowRunPolicy = prefectObject({
  max_retries: int(),
  retry_delay_seconds: v.number(),
  retries: n(int()),
  retry_delay: n(int()),
  pause_keys: stringList(),
  resuming: v.boolean(),
  retry_type: n(v.picklist(['in_process', 'reschedule'])),
});

export const TaskRunPolicy = prefectObject({
  max_retries: int(),
  retry_delay_seconds: v.number(),
  retries: n(int()),
  retry_delay: n(v.union([v.number(), v.array(v.number())])),
  retry_jitter_factor: n(v.number()),
});

export const CreatedBy = prefectObject({
  id: n(uuid()),
  type: n(v.string()),
  display_value: n(v.string()),
});

export const Flow = prefectObject({
  id: uuid(),
  created: timestamp(),
  updated: timestamp(),
  name: v.string(),
  tags: stringList(),
  labels: n(jsonObject()),
});

export const FlowRun = prefectObject({
  id: uuid(),
  created: timestamp(),
  updated: timestamp(),
  name: v.string(),
  flow_id: uuid(),
  state_id: n(uuid()),
  deployment_id: n(uuid()),
  deployment_version: n(v.string()),
  work_queue_id: n(uuid()),
  work_queue_name: n(v.string()),
  flow_version: n(v.string()),
  parameters: jsonObject(),
  idempotency_key: n(v.string()),
  context: jsonObject(),
  empirical_policy: FlowRunPolicy,
  tags: stringList(),
  labels: jsonObject(),
  parent_task_run_id: n(uuid()),
  state_type: n(v.picklist(STATE_TYPES)),
  state_name: n(v.string()),
  run_count: nonNegativeInt(),
  expected_start_time: n(timestamp()),
  next_scheduled_start_time: n(timestamp()),
  start_time: n(timestamp()),
  end_time: n(timestamp()),
  total_run_time: seconds(),
  estimated_run_time: seconds(),
  estimated_start_time_delta: seconds(),
  auto_scheduled: v.boolean(),
  infrastructure_document_id: n(uuid()),
  infrastructure_pid: n(v.string()),
  created_by: n(CreatedBy),
  work_pool_id: n(uuid()),
  work_pool_name: n(v.string()),
  state: n(State),
  job_variables: n(jsonObject()),
});

export const TaskRun = prefectObject({
  id: uuid(),
  created: timestamp(),
  updated: timestamp(),
  name: v.string(),
  flow_run_id: n(uuid()),
  task_key: v.string(),
  dynamic_key: v.string(),
  cache_key: n(v.string()),
  cache_expiration: n(timestamp()),
  task_version: n(v.string()),
  empirical_policy: TaskRunPolicy,
  tags: stringList(),
  labels: n(jsonObject()),
  state_id: n(uuid()),
  task_inputs: jsonObject(),
  state_type: n(v.picklist(STATE_TYPES)),
  state_name: n(v.string()),
  run_count: nonNegativeInt(),
  flow_run_run_count: nonNegativeInt(),
  expected_start_time: n(timestamp()),
  next_scheduled_start_time: n(timestamp()),
  start_time: n(timestamp()),
  end_time: n(timestamp()),
  total_run_time: seconds(),
  estimated_run_time: seconds(),
  estimated_start_time_delta: seconds(),
  state: n(State),
});

/** `/task_runs/paginate` rows: Prefect's reduced TaskRunResponse (§4.3). */
export const ReducedTaskRun = prefectObject({
  id: uuid(),
  created: timestamp(),
  updated: timestamp(),
  name: v.string(),
  flow_run_id: n(uuid()),
  task_key: v.string(),
  state_id: n(uuid()),
  state: n(State),
  task_version: n(v.string()),
  task_inputs: jsonObject(),
  empirical_policy: TaskRunPolicy,
  tags: stringList(),
  start_time: n(timestamp()),
  end_time: n(timestamp()),
  total_run_time: seconds(),
  estimated_run_time: seconds(),
  estimated_start_time_delta: seconds(),
});

export const DeploymentSchedule = prefectObject({
  id: uuid(),
  created: timestamp(),
  updated: timestamp(),
  deployment_id: uuid(),
  schedule: jsonObject(),
  active: v.boolean(),
  max_scheduled_runs: n(int()),
  parameters: jsonObject(),
  slug: n(v.string()),
});

export const GlobalConcurrencyLimit = prefectObject({
  id: uuid(),
  created: timestamp(),
  updated: timestamp(),
  active: v.boolean(),
  name: v.string(),
  limit: int(),
  active_slots: nonNegativeInt(),
  slot_decay_per_second: v.number(),
});

export const ConcurrencyOptions = prefectObject({
  collision_strategy: v.picklist(['ENQUEUE', 'CANCEL_NEW']),
  grace_period_seconds: n(int()),
});

export const Deployment = prefectObject({
  id: uuid(),
  created: timestamp(),
  updated: timestamp(),
  name: v.string(),
  version: n(v.string()),
  description: n(v.string()),
  flow_id: uuid(),
  paused: v.boolean(),
  schedules: v.array(DeploymentSchedule),
  // Deprecated: Prefect always answers null here (§1.6).
  concurrency_limit: v.null(),
  global_concurrency_limit: n(GlobalConcurrencyLimit),
  concurrency_options: n(ConcurrencyOptions),
  job_variables: jsonObject(),
  parameters: jsonObject(),
  tags: stringList(),
  labels: jsonObject(),
  work_queue_name: n(v.string()),
  work_queue_id: n(uuid()),
  last_polled: n(timestamp()),
  parameter_openapi_schema: n(jsonObject()),
  path: n(v.string()),
  pull_steps: n(v.array(jsonObject())),
  entrypoint: n(v.string()),
  storage_document_id: n(uuid()),
  infrastructure_document_id: n(uuid()),
  created_by: n(CreatedBy),
  updated_by: n(CreatedBy),
  work_pool_name: n(v.string()),
  status: v.picklist(['READY', 'NOT_READY']),
  enforce_parameter_schema: v.boolean(),
});

export const WorkPool = prefectObject({
  id: uuid(),
  created: timestamp(),
  updated: timestamp(),
  name: v.string(),
  description: n(v.string()),
  type: v.string(),
  base_job_template: jsonObject(),
  is_paused: v.boolean(),
  concurrency_limit: n(nonNegativeInt()),
  status: n(v.picklist(['READY', 'NOT_READY', 'PAUSED'])),
  default_queue_id: n(uuid()),
  storage_configuration: prefectObject({
    bundle_upload_step: n(jsonObject()),
    bundle_execution_step: n(jsonObject()),
    default_result_storage_block_id: n(uuid()),
  }),
  active_slots: n(nonNegativeInt()),
});

export const WorkQueue = prefectObject({
  id: uuid(),
  created: timestamp(),
  updated: timestamp(),
  name: v.string(),
  description: n(v.string()),
  is_paused: v.boolean(),
  concurrency_limit: n(nonNegativeInt()),
  priority: int(),
  work_pool_id: uuid(),
  filter: n(prefectObject({ tags: n(stringList()), deployment_ids: n(v.array(uuid())) })),
  last_polled: n(timestamp()),
  work_pool_name: n(v.string()),
  status: v.picklist(['READY', 'NOT_READY', 'PAUSED']),
  active_slots: n(nonNegativeInt()),
});

export const Count = nonNegativeInt();

export const page = <T extends v.GenericSchema>(item: T) =>
  v.pipe(
    prefectObject({ results: v.array(item), count: nonNegativeInt(), limit: nonNegativeInt(), pages: nonNegativeInt(), page: v.pipe(int(), v.minValue(1)) }),
    v.check((p) => p.pages === (p.limit === 0 ? 0 : Math.ceil(p.count / p.limit)), 'pages is not ceil(count / limit)'),
    v.check((p) => p.results.length <= p.limit, 'more results than limit'),
  );

const details = v.variant('type', [
  prefectObject({ type: v.literal('accept_details') }),
  prefectObject({ type: v.literal('reject_details'), reason: n(v.string()) }),
  prefectObject({ type: v.literal('wait_details'), delay_seconds: int(), reason: n(v.string()) }),
  prefectObject({ type: v.literal('abort_details'), reason: n(v.string()) }),
]);

const STATUSES = ['ACCEPT', 'REJECT', 'WAIT', 'ABORT'] as const;

/** set_state / resume (orchestration §4.1). Details match the status, except resume's REJECT quirk (§4.4). */
export const OrchestrationResult = prefectObject({ state: n(State), status: v.picklist(STATUSES), details });

export const BulkSetStateResult = prefectObject({
  results: v.array(prefectObject({ flow_run_id: uuid(), status: v.picklist(STATUSES), state: n(State), details })),
});

export const BulkDeleteResult = prefectObject({ deleted: v.array(uuid()) });

/** The status each details type belongs to (a resume input failure is REJECT with abort details). */
export const DETAILS_FOR_STATUS: Record<(typeof STATUSES)[number], string[]> = {
  ACCEPT: ['accept_details'],
  REJECT: ['reject_details', 'abort_details'],
  WAIT: ['wait_details'],
  ABORT: ['abort_details'],
};

/** Parses `value` with `schema`, or throws with every issue and its path (a readable property failure). */
export function conform<S extends v.GenericSchema>(schema: S, value: unknown, what: string): v.InferOutput<S> {
  const result = v.safeParse(schema, value);
  if (result.success) return result.output;
  const issues = result.issues
    .slice(0, 5)
    .map((i) => `${(i.path ?? []).map((p) => String(p.key)).join('.') || '(root)'}: ${i.message} (got ${JSON.stringify(i.input)?.slice(0, 120)})`);
  throw new Error(`${what} does not conform to Prefect's response schema: ${issues.join('; ')}`);
}

// ---------------------------------------------------------------------------------------------
// Global concurrency limits: what POST /v2/concurrency_limits/ returns (Prefect's core
// ConcurrencyLimitV2, denied slots and occupancy included), and the minimal objects of
// /increment and /decrement.

export const ConcurrencyLimitV2 = prefectObject({
  id: uuid(),
  created: timestamp(),
  updated: timestamp(),
  active: v.boolean(),
  name: v.string(),
  limit: nonNegativeInt(),
  active_slots: nonNegativeInt(),
  denied_slots: nonNegativeInt(),
  slot_decay_per_second: v.pipe(v.number(), v.minValue(0)),
  avg_slot_occupancy_seconds: v.number(),
});

export const MinimalConcurrencyLimit = prefectObject({ id: uuid(), name: v.string(), limit: nonNegativeInt() });

// ---------------------------------------------------------------------------------------------
// Logs (POST /logs/filter): Prefect's Log object.

export const Log = prefectObject({
  id: uuid(),
  created: timestamp(),
  updated: timestamp(),
  name: v.string(),
  level: int(),
  message: v.string(),
  timestamp: timestamp(),
  flow_run_id: n(uuid()),
  task_run_id: n(uuid()),
});
