/** FlowRunUpdate (PATCH /flow_runs/{id}) and the FlowRunPolicy value object. */
import * as v from 'valibot';
import { enumOf, jsonObject, laxBool, laxFloat, laxInt, list, looseModel, model, opt, str } from '../common';
import { keyValueLabels } from './fields';

/**
 * FlowRunPolicy as stored: every key present. The deprecated max_retries / retry_delay_seconds are
 * copied into retries / retry_delay when those are falsy. Unknown keys are ignored.
 */
export const FlowRunPolicy = v.pipe(
  looseModel({
    max_retries: v.optional(laxInt(), 0),
    retry_delay_seconds: v.optional(laxFloat(), 0),
    retries: opt(laxInt()),
    retry_delay: opt(laxInt()),
    pause_keys: opt(list(str())),
    resuming: opt(laxBool()),
    retry_type: opt(enumOf(['in_process', 'reschedule'] as const)),
  }),
  v.transform((p) => ({
    max_retries: p.max_retries,
    retry_delay_seconds: p.retry_delay_seconds,
    retries: !p.retries && p.max_retries !== 0 ? p.max_retries : (p.retries ?? null),
    retry_delay: !p.retry_delay && p.retry_delay_seconds !== 0 ? p.retry_delay_seconds : (p.retry_delay ?? null),
    // A set in Prefect: duplicates collapse.
    pause_keys: p.pause_keys === undefined ? [] : p.pause_keys === null ? null : [...new Set(p.pause_keys)],
    resuming: p.resuming === undefined ? false : p.resuming,
    retry_type: p.retry_type ?? null,
  })),
);

export const FlowRunUpdate = model({
  name: opt(str()),
  flow_version: opt(str()),
  parameters: v.optional(jsonObject()),
  empirical_policy: v.optional(FlowRunPolicy),
  tags: v.optional(list(str())),
  infrastructure_pid: opt(str()),
  job_variables: opt(jsonObject()),
});
export type FlowRunUpdate = v.InferOutput<typeof FlowRunUpdate>;

/** PATCH /flow_runs/{id}/labels: labels merged over the run's own. */
export const FlowRunLabels = keyValueLabels();
