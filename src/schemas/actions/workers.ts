/**
 * Bodies of the worker and runner protocol: worker heartbeats, the worker filter, and the polls for
 * scheduled runs (by pool, by deployment, by queue). All are FastAPI "embedded" bodies: unknown keys
 * (the heartbeat's `return_id` and `metadata`, sent by 3.9.1 workers) are ignored.
 */
import * as v from 'valibot';
import { dateTime, enumOf, intAtLeast, issueMessage, laxInt, list, model, opt, str, uuid } from '../common';

const GE0 = issueMessage('greater_than_equal', 'Input should be greater than or equal to 0', { ge: 0 });
const LE200 = issueMessage('less_than_equal', 'Input should be less than or equal to 200', { le: 200 });
import { limitField, offsetField } from '../pagination';

export const WORKER_STATUSES = ['ONLINE', 'OFFLINE'] as const;

export const WorkerHeartbeat = v.object({
  name: str(),
  heartbeat_interval_seconds: opt(laxInt()),
});

/** Prefect's WorkerFilter: `last_heartbeat_time` bounds and `status` (of the stored column). */
export const WorkerFilter = model({
  operator: v.optional(enumOf(['and_', 'or_'] as const)),
  last_heartbeat_time: opt(model({ before_: opt(dateTime()), after_: opt(dateTime()) })),
  status: opt(model({ any_: opt(list(enumOf(WORKER_STATUSES))), not_any_: opt(list(enumOf(WORKER_STATUSES))) })),
});
export type WorkerFilter = v.InferOutput<typeof WorkerFilter>;

export const WorkerFilterBody = v.object({
  workers: opt(WorkerFilter),
  limit: limitField(),
  offset: offsetField(),
});

export const PoolScheduledRunsBody = v.object({
  work_queue_names: opt(list(str())),
  scheduled_before: opt(dateTime()),
  scheduled_after: opt(dateTime()),
  limit: limitField(),
});

export const DeploymentScheduledRunsBody = v.object({
  deployment_ids: list(uuid()),
  scheduled_before: opt(dateTime()),
  limit: limitField(),
});

export const QueueRunsBody = v.object({
  scheduled_before: opt(dateTime()),
  limit: limitField(),
});

/** POST /work_queues/{id}/concurrency_status. */
export const QueueConcurrencyBody = v.object({ page: opt(intAtLeast(1)), limit: limitField() });

/** POST /work_pools/{name}/concurrency_status: `flow_run_limit` caps the runs listed per queue (0…200, default 10). */
export const PoolConcurrencyBody = v.object({
  page: opt(intAtLeast(1)),
  limit: limitField(),
  flow_run_limit: opt(v.pipe(laxInt(), v.minValue(0, GE0), v.maxValue(200, LE200))),
});
