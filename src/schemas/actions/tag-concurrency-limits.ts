/** Bodies of the v1 tag concurrency limit routes, /concurrency_limits (Prefect 3.9.1). */
import * as v from 'valibot';
import { laxInt, list, model, NAME_PATTERN, opt, pattern, str, uuid } from '../common';

/**
 * ConcurrencyLimitCreate. Any int is accepted, as in Prefect. The tag becomes part of the v2 limit's
 * name (`tag:<tag>`), so it must be a valid name: Prefect answers 500 to `/ % & > <`, we answer 422.
 */
export const TagLimitCreate = model({
  tag: pattern(/^[^/%&><]+$/, NAME_PATTERN),
  concurrency_limit: laxInt(),
});

/** Embedded body of POST /concurrency_limits/tag/{tag}/reset. */
export const ResetBody = v.object({ slot_override: opt(list(uuid())) });

/** Embedded body of POST /concurrency_limits/increment and /decrement. */
export const TagSlotsBody = v.object({ names: list(str()), task_run_id: uuid() });
