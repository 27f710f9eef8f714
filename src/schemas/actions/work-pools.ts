/** WorkPoolCreate / WorkPoolUpdate and WorkQueueCreate / WorkQueueUpdate (pool queues and legacy queues). */
import * as v from 'valibot';
import { dateTime, jsonObject, laxBool, list, looseModel, model, name, nonNegativeInt, opt, str, uuid } from '../common';
import { nonEmptyishName, positiveInt } from './fields';
import { validBaseJobTemplate } from './base-job-template';

/** A JSON object that passes Prefect's base job template validator. */
const baseJobTemplate = () => v.pipe(jsonObject(), validBaseJobTemplate());

/** Forbids unknown keys, like Prefect's WorkPoolStorageConfiguration. */
export const WorkPoolStorageConfiguration = model({
  bundle_upload_step: opt(jsonObject()),
  bundle_execution_step: opt(jsonObject()),
  default_result_storage_block_id: opt(uuid()),
});

export const WorkPoolCreate = model({
  name: nonEmptyishName(),
  description: opt(str()),
  type: v.optional(str(), 'prefect-agent'),
  base_job_template: v.optional(baseJobTemplate(), {}),
  is_paused: v.optional(laxBool(), false),
  concurrency_limit: opt(nonNegativeInt()),
  storage_configuration: v.optional(WorkPoolStorageConfiguration, {}),
});
export type WorkPoolCreate = v.InferOutput<typeof WorkPoolCreate>;

export const WorkPoolUpdate = model({
  description: opt(str()),
  is_paused: opt(laxBool()),
  base_job_template: opt(baseJobTemplate()),
  concurrency_limit: opt(nonNegativeInt()),
  storage_configuration: opt(WorkPoolStorageConfiguration),
});
export type WorkPoolUpdate = v.InferOutput<typeof WorkPoolUpdate>;

/** The deprecated tag / deployment filter of legacy queues (unknown keys ignored). */
export const QueueFilter = looseModel({
  tags: opt(list(str())),
  deployment_ids: opt(list(uuid())),
});

export const WorkQueueCreate = model({
  name: name(),
  description: v.optional(v.nullable(str()), ''),
  is_paused: v.optional(laxBool(), false),
  concurrency_limit: opt(nonNegativeInt()),
  priority: opt(positiveInt()),
  filter: opt(QueueFilter),
});
export type WorkQueueCreate = v.InferOutput<typeof WorkQueueCreate>;

export const WorkQueueUpdate = model({
  name: opt(str()),
  description: opt(str()),
  is_paused: v.optional(laxBool()),
  concurrency_limit: opt(nonNegativeInt()),
  priority: opt(positiveInt()),
  last_polled: opt(dateTime()),
  filter: opt(QueueFilter),
});
export type WorkQueueUpdate = v.InferOutput<typeof WorkQueueUpdate>;
