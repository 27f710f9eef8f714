/**
 * Request bodies of the write endpoints of flows, deployments (and their schedules), task runs,
 * flow-run updates and logs, described from the specs (filters spec §0.6, §1.7, §1.11, §4.1, §4.3,
 * §4.4; orchestration §1.4) and Prefect's action models: action models forbid unknown keys, value
 * objects (policies, concurrency options, version info) ignore them.
 *
 * References to other rows (flows, pools, limits, runs) cannot be generated from a shape: the shapes
 * here give any well-formed value, and the tests fill in existing rows before sending valid bodies.
 */
import fc from 'fast-check';
import { DeploymentFilter, FlowFilter, readLimit, offset } from './request-shapes';
import {
  bool,
  custom,
  datetime,
  dict,
  embedded,
  enumOf,
  faultOf,
  faultsBelow,
  float,
  int,
  invalid,
  labels,
  list,
  looseModel,
  model,
  name,
  nameOrEmpty,
  notNull,
  required,
  string,
  text,
  uuid,
  valid,
  type Shape,
} from './shapes';

const strings = () => list(string());
/** Bulk endpoints: 1..50, validation-shaped 422s (filters spec §0.2). */
export const bulkLimit = () => int({ min: 1, max: 50 });

// ---------------------------------------------------------------------------------------------
// Flows (§4.1)

export const FlowCreate = model({ name: required(name()), tags: notNull(strings()), labels: labels() });
export const FlowUpdate = model({ tags: notNull(strings()) });
export const FlowBulkDelete = embedded({ flows: FlowFilter, limit: bulkLimit() });

// ---------------------------------------------------------------------------------------------
// Schedules (§1.7): interval, cron and rrule objects forbid unknown keys; which one a value is
// follows from its keys, so Pydantic reports a fault inside one below the member's name.

export const TIMEZONES = ['UTC', 'America/New_York', 'Europe/Paris', 'Asia/Kolkata', 'Australia/Adelaide'];
const timezone = () =>
  custom(
    fc.constantFrom(...TIMEZONES),
    fc.constantFrom(faultOf('Mars/Olympus_Mons', ['value_error']), faultOf('Not a zone', ['value_error']), faultOf(5, ['string_type'])),
  );

/** Seconds (a number or numeric string) or an ISO 8601 duration; always positive. */
const interval = () =>
  custom(
    fc.oneof(
      fc.integer({ min: 1, max: 30 * 86400 }),
      fc.double({ min: 0.5, max: 1e6, noNaN: true }),
      fc.constantFrom('3600', 'PT1H', 'P1D', 'PT30M', 'P1W', 'PT1.5S', 'P1DT2H'),
    ),
    fc.constantFrom(faultOf(0), faultOf(-60), faultOf('abc'), faultOf('PT0S'), faultOf([]), faultOf({})),
  );

const CRONS = ['0 * * * *', '*/15 * * * *', '0 0 * * MON-FRI', '30 2 1 * *', '15 10 * * 1-5', '@daily', '@hourly', '0 9-17 * * *'];
const RRULES = [
  'FREQ=DAILY',
  'FREQ=WEEKLY;BYDAY=MO,WE,FR',
  'RRULE:FREQ=MONTHLY;BYMONTHDAY=1',
  'DTSTART:20240101T000000\nRRULE:FREQ=HOURLY;INTERVAL=2',
];

export const IntervalSchedule = model({ interval: required(interval()), anchor_date: notNull(datetime()), timezone: timezone() });
export const CronSchedule = model({
  cron: required(custom(fc.constantFrom(...CRONS), fc.constantFrom(faultOf('not a cron'), faultOf('* * *'), faultOf('61 * * * *'), faultOf(5)))),
  timezone: timezone(),
  day_or: notNull(bool()),
});
export const RRuleSchedule = model({
  rrule: required(custom(fc.constantFrom(...RRULES), fc.constantFrom(faultOf('FREQ=SOMETIMES'), faultOf('nonsense'), faultOf(5)))),
  timezone: timezone(),
});

/** One of the three schedule objects; every fault is reported at or below `schedule`. */
export const Schedule = (): Shape =>
  custom(
    fc.oneof(valid(IntervalSchedule), valid(CronSchedule), valid(RRuleSchedule)),
    fc.oneof(faultsBelow(IntervalSchedule)!, faultsBelow(CronSchedule)!, faultsBelow(RRuleSchedule)!, fc.constant(faultOf({}, [], true))),
  );

/** PositiveInteger, at most PREFECT_DEPLOYMENT_SCHEDULE_MAX_SCHEDULED_RUNS (50; a validator's value_error above it). */
const maxScheduledRuns = () =>
  custom(
    valid(int({ min: 1, max: 50 })),
    fc.oneof(invalid(int({ min: 1, minType: 'greater_than' }))!, fc.constantFrom(faultOf(51, ['value_error']), faultOf(1000, ['value_error']))),
  );

export const ScheduleCreate = model({
  active: notNull(bool()),
  schedule: required(Schedule()),
  max_scheduled_runs: maxScheduledRuns(),
  parameters: notNull(dict()),
  slug: string(),
  replaces: string(),
});
export const ScheduleUpdate = model({
  active: bool(),
  schedule: Schedule(),
  max_scheduled_runs: maxScheduledRuns(),
  parameters: notNull(dict()),
  slug: string(),
  replaces: string(),
});

// ---------------------------------------------------------------------------------------------
// Deployments (§4.4)

export const ConcurrencyOptions = looseModel({
  collision_strategy: required(enumOf(['ENQUEUE', 'CANCEL_NEW'])),
  grace_period_seconds: int({ min: 60, max: 86400 }),
});

export const VersionInfo = looseModel({ type: required(string()), version: required(string()) });

/** Parameter schemas every parameters object fits, so `enforce_parameter_schema` never decides validity. */
export const PERMISSIVE_SCHEMAS = [{}, { type: 'object', properties: {} }, { type: 'object', properties: { x: {} }, title: 'Parameters' }];
const parameterSchema = () => custom(fc.constantFrom(...PERMISSIVE_SCHEMAS), invalid(dict()));

/**
 * A reference the valid generator leaves empty (the tests fill in an existing row), but whose
 * faults are the UUID's: a global limit, a block document.
 */
const emptyReference = () => custom(fc.constant(null), invalid(uuid()));

const deploymentFields = {
  version: string(),
  description: string(),
  path: string(),
  entrypoint: string(),
  paused: notNull(bool()),
  concurrency_limit: int({ min: 1, minType: 'greater_than', upTo: 20 }),
  concurrency_options: ConcurrencyOptions,
  global_concurrency_limit_id: emptyReference(),
  enforce_parameter_schema: notNull(bool()),
  parameter_openapi_schema: parameterSchema(),
  parameters: notNull(dict()),
  tags: notNull(strings()),
  pull_steps: list(dict()),
  // Pools must exist: valid bodies get theirs from the test.
  work_queue_name: custom(fc.constant(null), invalid(string())),
  work_pool_name: custom(fc.constant(null), invalid(string())),
  storage_document_id: emptyReference(),
  infrastructure_document_id: emptyReference(),
  job_variables: notNull(dict()),
  version_info: VersionInfo,
};

export function deploymentCreate(flowId: Shape) {
  return model({
    ...deploymentFields,
    // Prefect's NameOrEmpty; the empty string, also allowed, is not generated (no GET by name can reach it).
    name: required(nameOrEmpty()),
    flow_id: required(flowId),
    schedules: notNull(list(ScheduleCreate)),
    labels: labels(),
  });
}

/** DeploymentUpdate: every field optional; an explicit null is "no change" except where Prefect's type is not Optional. */
export const DeploymentUpdate = model({
  ...deploymentFields,
  schedules: notNull(list(ScheduleUpdate)),
  parameters: dict(),
  enforce_parameter_schema: bool(),
  job_variables: dict(),
});

export const DeploymentBulkDelete = embedded({ deployments: DeploymentFilter, limit: bulkLimit() });

// ---------------------------------------------------------------------------------------------
// Task runs (§4.3, §1.11)

/** TaskRunPolicy: retry_delay is seconds or a list of at most 50 of them; the jitter factor is ≥ 0. */
export const TaskRunPolicy = looseModel({
  max_retries: notNull(int({ upTo: 10 })),
  retry_delay_seconds: notNull(float()),
  retries: int({ upTo: 10 }),
  retry_delay: custom(
    fc.oneof(fc.integer({ min: 0, max: 600 }), fc.double({ min: 0, max: 600, noNaN: true }), fc.array(fc.integer({ min: 0, max: 600 }), { maxLength: 5 })),
    fc.constantFrom(faultOf('abc', [], true), faultOf({}, [], true), faultOf(['x'], [], true), faultOf(Array.from({ length: 51 }, () => 1), [], true)),
  ),
  retry_jitter_factor: custom(
    fc.double({ min: 0, max: 10, noNaN: true }),
    fc.constantFrom(faultOf(-1, ['value_error']), faultOf('abc', ['float_parsing']), faultOf([], ['float_type'])),
  ),
});

/** task_inputs: per parameter, a list of upstream results, parameters and constants. */
export const taskInputs = () =>
  fc.dictionary(
    text(6),
    fc.array(
      fc.oneof(
        fc.uuid().map((id) => ({ input_type: 'task_run', id })),
        fc.uuid().map((id) => ({ input_type: 'flow_run', id })),
        text().map((n) => ({ input_type: 'parameter', name: n })),
        text().map((t) => ({ input_type: 'constant', type: t })),
      ),
      { maxLength: 3 },
    ),
    { maxKeys: 3 },
  );

export function taskRunCreate(refs: { flowRunId: Shape; state: Shape }) {
  return model({
    id: uuid(),
    state: refs.state,
    name: string(),
    flow_run_id: refs.flowRunId,
    task_key: required(string()),
    dynamic_key: required(string()),
    cache_key: string(),
    cache_expiration: datetime(),
    task_version: string(),
    empirical_policy: notNull(TaskRunPolicy),
    tags: notNull(strings()),
    labels: labels(),
    task_inputs: notNull(custom(taskInputs(), fc.constantFrom(faultOf([], ['dict_type']), faultOf('x', ['dict_type']), faultOf({ x: 'y' }, [], true), faultOf({ x: [{ input_type: 'nope' }] }, [], true)))),
  });
}

export const TaskRunUpdate = model({ name: string() });

// ---------------------------------------------------------------------------------------------
// Flow-run updates (PATCH /flow_runs/{id}, PATCH /flow_runs/{id}/labels)

export function flowRunUpdate(policy: Shape) {
  return model({
    name: string(),
    flow_version: string(),
    parameters: notNull(dict()),
    empirical_policy: notNull(policy),
    tags: notNull(strings()),
    infrastructure_pid: string(),
    job_variables: dict(),
  });
}

// ---------------------------------------------------------------------------------------------
// Logs

/** A log level: Prefect's column is a smallint (out of range: a 422 here, a documented difference). */
export const LogCreate = model({
  name: required(string()),
  level: required(int({ min: -32768, max: 32767, upTo: 60 })),
  message: required(string()),
  timestamp: required(datetime()),
  flow_run_id: uuid(),
  task_run_id: uuid(),
  worker_id: uuid(),
});
export const LogCreateList = list(LogCreate);

export const LOG_SORTS = ['TIMESTAMP_ASC', 'TIMESTAMP_DESC'];
const operator = notNull(enumOf(['and_', 'or_']));
export const LogFilter = model({
  operator,
  level: model({ ge_: int(), le_: int() }),
  timestamp: model({ before_: datetime(), after_: datetime() }),
  flow_run_id: model({ any_: list(uuid()) }),
  task_run_id: model({ any_: list(uuid()), is_null_: bool() }),
  // Prefect 3.9.1's text search: a query of at most 200 characters.
  text: model({
    query: required(custom(text(20), fc.constantFrom(faultOf('x'.repeat(201), ['string_too_long']), faultOf(5, ['string_type'])))),
  }),
});
export const LogFilterBody = embedded({ logs: LogFilter, sort: enumOf(LOG_SORTS), limit: readLimit(), offset: offset() });
