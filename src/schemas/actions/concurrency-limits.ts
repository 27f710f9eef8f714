/** Global concurrency limits (v2): create, update, and the increment / decrement bodies. */
import * as v from 'valibot';
import { issueMessage, laxBool, laxFloat, list, literalOf, model, name, nonNegativeInt, opt, str, uuid } from '../common';
import { nonNegativeFloat, positiveInt } from './fields';

export const ConcurrencyLimitV2Create = model({
  active: v.optional(laxBool(), true),
  name: name(),
  limit: nonNegativeInt(),
  active_slots: v.optional(nonNegativeInt(), 0),
  denied_slots: v.optional(nonNegativeInt(), 0),
  slot_decay_per_second: v.optional(nonNegativeFloat(), 0),
});
export type ConcurrencyLimitV2Create = v.InferOutput<typeof ConcurrencyLimitV2Create>;

export const ConcurrencyLimitV2Update = model({
  active: opt(laxBool()),
  name: opt(name()),
  limit: opt(nonNegativeInt()),
  active_slots: opt(nonNegativeInt()),
  denied_slots: opt(nonNegativeInt()),
  slot_decay_per_second: opt(nonNegativeFloat()),
});
export type ConcurrencyLimitV2Update = v.InferOutput<typeof ConcurrencyLimitV2Update>;

const names = () =>
  v.pipe(list(str()), v.minLength(1, issueMessage('too_short', 'List should have at least 1 item after validation, not 0', { field_type: 'List', min_length: 1, actual_length: 0 })));

/** Embedded body of POST /v2/concurrency_limits/increment (unknown top-level keys ignored). */
export const IncrementBody = v.object({
  slots: positiveInt(),
  names: names(),
  mode: v.optional(literalOf(['concurrency', 'rate_limit'] as const), 'concurrency'),
  create_if_missing: v.optional(laxBool()),
});

/** Embedded body of POST /v2/concurrency_limits/decrement. */
export const DecrementBody = v.object({
  slots: positiveInt(),
  names: names(),
  occupancy_seconds: v.optional(
    v.pipe(nonNegativeFloat(), v.check((x) => x > 0, issueMessage('greater_than', 'Input should be greater than 0', { gt: 0 }))),
  ),
  create_if_missing: v.optional(laxBool()),
});

/** Seconds a lease lives before it must be renewed: 1 minute to 1 day, 5 minutes by default. */
export const leaseDuration = () =>
  v.optional(
    v.pipe(
      laxFloat(),
      v.minValue(60, issueMessage('greater_than_equal', 'Input should be greater than or equal to 60', { ge: 60 })),
      v.maxValue(86400, issueMessage('less_than_equal', 'Input should be less than or equal to 86400', { le: 86400 })),
    ),
    300,
  );

/** Prefect's ConcurrencyLeaseHolder: who holds the lease; extra keys forbidden. */
const LeaseHolder = model({ type: literalOf(['flow_run', 'task_run', 'deployment'] as const), id: uuid() });

/** Embedded body of POST /v2/concurrency_limits/increment-with-lease. */
export const IncrementWithLeaseBody = v.object({
  slots: positiveInt(),
  names: names(),
  mode: v.optional(literalOf(['concurrency', 'rate_limit'] as const), 'concurrency'),
  lease_duration: leaseDuration(),
  holder: v.optional(LeaseHolder),
});

/** Embedded body of POST /v2/concurrency_limits/decrement-with-lease. */
export const DecrementWithLeaseBody = v.object({ lease_id: uuid() });
