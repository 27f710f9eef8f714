/** FlowCreate / FlowUpdate and the flows bulk-delete body. */
import * as v from 'valibot';
import { list, model, name, opt, str } from '../common';
import { FlowFilter } from '../filters';
import { bulkLimit, keyValueLabels } from './fields';

export const FlowCreate = model({
  name: name(),
  tags: v.optional(list(str()), []),
  labels: v.optional(keyValueLabels(), {}),
});
export type FlowCreate = v.InferOutput<typeof FlowCreate>;

/** Only tags are updatable; an empty body changes nothing (the default applies only when sent). */
export const FlowUpdate = model({
  tags: v.optional(list(str())),
});
export type FlowUpdate = v.InferOutput<typeof FlowUpdate>;

/** POST /flows/bulk_delete: a flow filter and how many to delete at most. */
export const FlowBulkDelete = v.object({ flows: opt(FlowFilter), limit: opt(bulkLimit()) });
