/** PUT /saved_searches/ (Prefect's SavedSearchCreate): a name and the UI's filter list. */
import * as v from 'valibot';
import { issueMessage, list, looseModel, model, opt, str } from '../common';

/** A required field of any JSON value (Pydantic's `Any` with no default). */
const anyRequired = () => v.pipe(v.unknown(), v.check((x) => x !== undefined, issueMessage('missing', 'Field required')));

/** One filter as the UI stores it; unknown keys are dropped, as Prefect's model ignores them. */
export const SavedSearchFilter = looseModel({
  object: str(),
  property: str(),
  type: str(),
  operation: str(),
  value: anyRequired(),
});

export const SavedSearchCreate = model({
  name: str(),
  filters: opt(list(SavedSearchFilter)),
});
export type SavedSearchCreate = v.InferOutput<typeof SavedSearchCreate>;
