/** TaskRunCreate / TaskRunUpdate and the task-run value objects (TaskRunPolicy, task inputs). */
import * as v from 'valibot';
import { dateTime, dict, issueMessage, laxBool, laxFloat, laxInt, list, looseModel, model, opt, str, uuid } from '../common';
import { keyValueLabels } from './fields';
import { stateCreate as StateCreate } from '../states';

/** PREFECT_API_TASK_CACHE_KEY_MAX_LENGTH's default. */
const CACHE_KEY_MAX_LENGTH = 2000;
const valueError = (msg: string) => issueMessage('value_error', `Value error, ${msg}`, { error: {} });

/** retry_delay: seconds, or a list of at most 50 delays. */
const retryDelay = () =>
  v.union(
    [
      laxFloat(),
      v.pipe(list(laxFloat()), v.maxLength(50, valueError('Can not configure more than 50 retry delays per task.'))),
    ],
    issueMessage('union_type', 'Input should be a number or a list of numbers'),
  );

/** TaskRunPolicy as stored (every key), the deprecated fields copied forward like FlowRunPolicy's. */
export const TaskRunPolicy = v.pipe(
  looseModel({
    max_retries: v.optional(laxInt(), 0),
    retry_delay_seconds: v.optional(laxFloat(), 0),
    retries: opt(laxInt()),
    retry_delay: opt(retryDelay()),
    retry_jitter_factor: opt(v.pipe(laxFloat(), v.minValue(0, valueError('`retry_jitter_factor` must be >= 0.')))),
  }),
  v.transform((p) => ({
    max_retries: p.max_retries,
    retry_delay_seconds: p.retry_delay_seconds,
    retries: !p.retries && p.max_retries !== 0 ? p.max_retries : (p.retries ?? null),
    retry_delay: !p.retry_delay && p.retry_delay_seconds !== 0 ? p.retry_delay_seconds : (p.retry_delay ?? null),
    retry_jitter_factor: p.retry_jitter_factor ?? null,
  })),
);

/** One upstream input of a task run: another task run's or flow run's result, a parameter, or a constant. */
export const TaskRunInput = v.variant(
  'input_type',
  [
    v.object({ input_type: v.literal('task_run'), id: uuid() }),
    v.object({ input_type: v.literal('flow_run'), id: uuid() }),
    v.object({ input_type: v.literal('parameter'), name: str() }),
    v.object({ input_type: v.literal('constant'), type: str() }),
  ],
  issueMessage('union_tag_invalid', "Input tag does not match any of the expected tags: 'task_run', 'flow_run', 'parameter', 'constant'"),
);

export const TaskRunCreate = model({
  id: opt(uuid()),
  state: opt(StateCreate),
  name: opt(str()),
  flow_run_id: opt(uuid()),
  task_key: str(),
  dynamic_key: str(),
  cache_key: opt(
    v.pipe(
      str(),
      v.maxLength(CACHE_KEY_MAX_LENGTH, valueError(`Cache key exceeded maximum allowed length of ${CACHE_KEY_MAX_LENGTH} characters.`)),
    ),
  ),
  cache_expiration: opt(dateTime()),
  task_version: opt(str()),
  empirical_policy: v.optional(TaskRunPolicy),
  tags: v.optional(list(str()), []),
  labels: v.optional(keyValueLabels(), {}),
  task_inputs: v.optional(dict(list(TaskRunInput)), {}),
});
export type TaskRunCreate = v.InferOutput<typeof TaskRunCreate>;

export const TaskRunUpdate = model({ name: opt(str()) });
export type TaskRunUpdate = v.InferOutput<typeof TaskRunUpdate>;

/** Embedded body of POST /task_runs/{id}/set_state. */
export const SetTaskRunStateBody = v.object({
  state: StateCreate,
  force: v.optional(laxBool(), false),
});
