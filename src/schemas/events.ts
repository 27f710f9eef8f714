/**
 * Prefect's Event (server/events/schemas/events.py): what clients send over /events/in and POST /events,
 * with the server's limits (PREFECT_SERVER_EVENTS_MAXIMUM_*), and the payload of a client-side
 * `prefect.task-run.*` event that the task-run recorder reads.
 */
import * as v from 'valibot';
import { dateTime, dict, issueMessage, list, looseModel, opt, str, uuid } from './common';
import { TaskRunInput, TaskRunPolicy } from './actions/task-runs';
import { keyValueLabels } from './actions/fields';
import { STATE_TYPES } from '../orchestration/states';

/** Prefect's defaults for the server settings of the same names. */
export const EVENT_LIMITS = {
  maximumLabelsPerResource: 500,
  maximumRelatedResources: 100,
  maximumEventNameLength: 1024,
  /** Larger events (as JSON) are dropped with a warning, not refused (Prefect's messaging does this). */
  maximumSizeBytes: 1_500_000,
} as const;

const valueError = (msg: string) => issueMessage('value_error', `Value error, ${msg}`, { error: {} });

/** Labels: string values only (Pydantic's str does not take numbers). */
const labels = () => dict(str());

const resource = () =>
  v.pipe(
    labels(),
    v.check(
      (r) => Object.keys(r).length <= EVENT_LIMITS.maximumLabelsPerResource,
      valueError(`The maximum number of labels per resource is ${EVENT_LIMITS.maximumLabelsPerResource}`),
    ),
    v.check((r) => 'prefect.resource.id' in r, valueError('Resources must include the prefect.resource.id label')),
    v.check((r) => r['prefect.resource.id'] !== '', valueError('The prefect.resource.id label must be non-empty')),
  );

const relatedResource = () =>
  v.pipe(
    resource(),
    v.check((r) => 'prefect.resource.role' in r, valueError('Related Resources must include the prefect.resource.role label')),
    v.check((r) => r['prefect.resource.role'] !== '', valueError('The prefect.resource.role label must be non-empty')),
  );

/** An Event as a client sends it. Unknown keys (`received`, …) are ignored, as Prefect ignores them. */
export const EventIn = looseModel({
  occurred: dateTime(),
  event: v.pipe(
    str(),
    v.maxLength(EVENT_LIMITS.maximumEventNameLength, valueError(`Event name must be at most ${EVENT_LIMITS.maximumEventNameLength} characters`)),
  ),
  resource: resource(),
  related: v.optional(
    v.pipe(
      list(relatedResource()),
      v.maxLength(EVENT_LIMITS.maximumRelatedResources, valueError(`The maximum number of related resources is ${EVENT_LIMITS.maximumRelatedResources}`)),
    ),
    [],
  ),
  payload: v.optional(dict(v.unknown()), {}),
  id: uuid(),
  follows: opt(uuid()),
});
export type EventIn = v.InferOutput<typeof EventIn>;

export const EventInList = list(EventIn);

/**
 * `payload.task_run` of a client task-run event: TaskRun minus the fields the client leaves out.
 * Every key is optional, because the recorder writes only the keys an event carries.
 */
export const RecordedTaskRun = looseModel({
  name: v.optional(str()),
  task_key: str(),
  dynamic_key: str(),
  cache_key: v.optional(v.nullable(str())),
  cache_expiration: v.optional(v.nullable(dateTime())),
  task_version: v.optional(v.nullable(str())),
  empirical_policy: v.optional(TaskRunPolicy),
  tags: v.optional(list(str())),
  labels: v.optional(keyValueLabels()),
  task_inputs: v.optional(dict(list(TaskRunInput))),
  run_count: v.optional(v.pipe(v.number(), v.integer())),
  flow_run_run_count: v.optional(v.pipe(v.number(), v.integer())),
  expected_start_time: v.optional(v.nullable(dateTime())),
  next_scheduled_start_time: v.optional(v.nullable(dateTime())),
  start_time: v.optional(v.nullable(dateTime())),
  end_time: v.optional(v.nullable(dateTime())),
  total_run_time: v.optional(v.pipe(v.number(), v.finite())),
});
export type RecordedTaskRun = v.InferOutput<typeof RecordedTaskRun>;

/** `payload.validated_state`: the state the client's engine settled on. */
export const RecordedState = looseModel({
  type: v.picklist(STATE_TYPES),
  name: opt(str()),
  message: opt(str()),
  state_details: opt(dict(v.unknown())),
  data: v.optional(v.unknown()),
});
export type RecordedState = v.InferOutput<typeof RecordedState>;
