/** SavedSearchCreate (Prefect 3.9.1 schemas/actions.py, core.SavedSearchFilter). */
import * as v from 'valibot';
import { issueMessage, list, looseModel, model, str } from '../common';

/** One UI filter; unknown keys are dropped, `value` is required but may be any JSON, null included. */
const SavedSearchFilter = looseModel({
  object: str(),
  property: str(),
  type: str(),
  operation: str(),
  value: v.custom<unknown>((x) => x !== undefined, issueMessage('missing', 'Field required')),
});

export const SavedSearchCreate = model({
  name: str(),
  filters: v.optional(list(SavedSearchFilter), () => []),
});
export type SavedSearchCreate = v.InferOutput<typeof SavedSearchCreate>;
