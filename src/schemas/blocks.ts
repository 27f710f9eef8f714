/**
 * Blocks: the action models (BlockTypeCreate/Update, BlockSchemaCreate, BlockDocumentCreate/Update) and
 * the filters (BlockTypeFilter, BlockSchemaFilter, BlockDocumentFilter) of Prefect 3.9.1
 * (schemas/actions.py, schemas/filters.py, types/names.py).
 */
import * as v from 'valibot';
import { enumOf, issueMessage, jsonObject, laxBool, list, model, name, opt, str, uuid } from './common';

/** Lowercase letters, digits and dashes ("" passes, as Python's `^[a-z0-9-]*$` lets it). */
const DASHED = /^[a-z0-9-]*$/;
/** Pydantic runs this after-validator only when the string passed its earlier checks (the name pattern). */
const dashedOnly = (what: string) =>
  v.rawCheck<string>(({ dataset, addIssue }) => {
    if (!dataset.typed || dataset.issues || DASHED.test(dataset.value)) return;
    addIssue({
      message: issueMessage('value_error', `Value error, ${what} must only contain lowercase letters, numbers, and dashes.`, { error: {} }),
    });
  });

/** A block type's slug: any string of lowercase letters, digits and dashes. */
const blockTypeSlug = () => v.pipe(str(), dashedOnly('Block type slug'));

/** A block document's name: Prefect's name rule, then lowercase letters, digits and dashes. */
const blockDocumentName = () => v.pipe(name(), dashedOnly('Block document name'));

const optionalStr = () => opt(str());

export const BlockTypeCreate = model({
  name: name(),
  slug: blockTypeSlug(),
  logo_url: optionalStr(),
  documentation_url: optionalStr(),
  description: optionalStr(),
  code_example: optionalStr(),
});
export type BlockTypeCreate = v.InferOutput<typeof BlockTypeCreate>;

/** Only the keys sent are written; an explicit null clears the column. */
export const BlockTypeUpdate = model({
  logo_url: v.optional(v.nullable(str())),
  documentation_url: v.optional(v.nullable(str())),
  description: v.optional(v.nullable(str())),
  code_example: v.optional(v.nullable(str())),
});
export type BlockTypeUpdate = v.InferOutput<typeof BlockTypeUpdate>;

export const DEFAULT_BLOCK_SCHEMA_VERSION = 'non-versioned';

export const BlockSchemaCreate = model({
  fields: v.optional(jsonObject(), () => ({})),
  block_type_id: uuid(),
  capabilities: v.optional(list(str()), () => []),
  version: v.optional(str(), DEFAULT_BLOCK_SCHEMA_VERSION),
});
export type BlockSchemaCreate = v.InferOutput<typeof BlockSchemaCreate>;

const NAME_REQUIRED = issueMessage('value_error', 'Value error, Names must be provided for block documents.', { error: {} });

/**
 * Prefect checks "a name unless anonymous" before it validates the fields (a `before` model
 * validator), on the raw values: any truthy `is_anonymous` and any truthy `name` pass it.
 */
const nameUnlessAnonymous = v.check((raw: Record<string, unknown>) => Boolean(raw.is_anonymous) || Boolean(raw.name), NAME_REQUIRED);

export const BlockDocumentCreate = v.pipe(
  v.custom<Record<string, unknown>>((x) => typeof x === 'object' && x !== null && !Array.isArray(x), issueMessage('model_attributes_type', 'Input should be a valid dictionary or object to extract fields from')),
  nameUnlessAnonymous,
  model({
    name: opt(blockDocumentName()),
    data: v.optional(jsonObject(), () => ({})),
    block_schema_id: uuid(),
    block_type_id: uuid(),
    is_anonymous: v.optional(laxBool(), false),
  }),
);
export type BlockDocumentCreate = v.InferOutput<typeof BlockDocumentCreate>;

/** `data` absent means "leave it" when merging, and "empty it" when not (Prefect's default is {}). */
export const BlockDocumentUpdate = model({
  block_schema_id: opt(uuid()),
  data: v.optional(jsonObject()),
  merge_existing_data: v.optional(laxBool(), true),
});
export type BlockDocumentUpdate = v.InferOutput<typeof BlockDocumentUpdate>;

// ---- filters ----

const operator = () => v.optional(enumOf(['and_', 'or_'] as const));
const uuids = () => opt(list(uuid()));
const strings = () => opt(list(str()));

/** BlockTypeFilter is a plain filter: no `operator`. */
export const BlockTypeFilter = model({
  name: opt(model({ like_: opt(str()) })),
  slug: opt(model({ any_: strings() })),
});
export type BlockTypeFilter = v.InferOutput<typeof BlockTypeFilter>;

export const BlockSchemaFilter = model({
  operator: operator(),
  block_type_id: opt(model({ any_: uuids() })),
  block_capabilities: opt(model({ all_: strings() })),
  id: opt(model({ any_: uuids() })),
  version: opt(model({ any_: strings() })),
});
export type BlockSchemaFilter = v.InferOutput<typeof BlockSchemaFilter>;

/**
 * `is_anonymous` defaults to `{eq_: false}` (anonymous documents are left out) when absent; an explicit
 * null removes that criterion.
 */
export const BlockDocumentFilter = model({
  operator: operator(),
  id: opt(model({ any_: uuids() })),
  is_anonymous: v.optional(v.nullable(model({ eq_: opt(laxBool()) })), () => ({ eq_: false })),
  block_type_id: opt(model({ any_: uuids() })),
  name: opt(model({ any_: strings(), like_: opt(str()) })),
});
export type BlockDocumentFilter = v.InferOutput<typeof BlockDocumentFilter>;

export const BLOCK_DOCUMENT_SORTS = ['NAME_DESC', 'NAME_ASC', 'BLOCK_TYPE_AND_NAME_ASC'] as const;
export type BlockDocumentSort = (typeof BLOCK_DOCUMENT_SORTS)[number];
