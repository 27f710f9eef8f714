/**
 * DeploymentCreate / DeploymentUpdate (§4.4 of the filters spec). Both forbid unknown keys, except
 * the legacy work-pool keys old clients still send, which are dropped first.
 */
import * as v from 'valibot';
import { enumOf, intAtLeast, issueMessage, jsonObject, laxBool, list, looseModel, model, openModel, opt, str, uuid } from '../common';
import { DeploymentFilter } from '../filters';
import { schemaValidationMessage } from '../../orchestration/json-schema';
import { bulkLimit, keyValueLabels, nameOrEmpty, objectList, positiveInt } from './fields';
import { DeploymentScheduleCreate, DeploymentScheduleUpdate } from './schedules';

const LEGACY_KEYS = ['worker_pool_queue_id', 'worker_pool_name', 'worker_pool_queue_name', 'work_pool_queue_name'];

/** Drops the legacy keys from a top-level body object (Prefect does this before validating). */
const withoutLegacyKeys = v.transform((x: unknown) => {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return x;
  const copy: Record<string, unknown> = { ...(x as Record<string, unknown>) };
  for (const k of LEGACY_KEYS) delete copy[k];
  return copy;
});

/** Prefect normalises an empty parameter schema to an empty object schema. */
const parameterSchema = () =>
  v.pipe(
    jsonObject(),
    v.transform((s) => (Object.keys(s).length === 0 ? { type: 'object', properties: {} } : s)),
  );

export const ConcurrencyOptions = looseModel({
  collision_strategy: enumOf(['ENQUEUE', 'CANCEL_NEW'] as const),
  grace_period_seconds: opt(
    v.pipe(intAtLeast(60), v.maxValue(86400, issueMessage('less_than_equal', 'Input should be less than or equal to 86400', { le: 86400 }))),
  ),
});

const VersionInfo = openModel({ type: str(), version: str() });

const BOTH_LIMITS = issueMessage(
  'value_error',
  'Value error, A deployment cannot have both a concurrency limit and a global concurrency limit.',
  { error: {} },
);

const asRecord = (x: unknown) => (typeof x === 'object' && x !== null && !Array.isArray(x) ? (x as Record<string, unknown>) : {});

/** A model-level rule, checked on the raw body (like Pydantic's "before" validator). */
const notBothLimits = v.check((x: unknown) => {
  const o = asRecord(x);
  return !(o.concurrency_limit && o.global_concurrency_limit_id);
}, BOTH_LIMITS);

/**
 * With `enforce_parameter_schema` sent true, the parameters sent must fit the parameter schema sent
 * (required properties aside, since a deployment may leave them to its runs). Checked with the
 * engine's JSON Schema subset (type, enum, const, properties, items, local $ref).
 */
export function parameterSchemaError(body: unknown): string | null {
  const o = asRecord(body);
  const schema = o.parameter_openapi_schema;
  if (!o.enforce_parameter_schema || typeof schema !== 'object' || schema === null || typeof o.parameters !== 'object' || o.parameters === null) {
    return null;
  }
  return schemaValidationMessage(withoutRequired(schema) as Record<string, unknown>, o.parameters);
}

/** A schema with every `required` removed, at every level. */
export function withoutRequired(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withoutRequired);
  if (typeof schema !== 'object' || schema === null) return schema;
  return Object.fromEntries(Object.entries(schema).filter(([k]) => k !== 'required').map(([k, x]) => [k, withoutRequired(x)]));
}

const parametersFitSchema = v.rawCheck(({ dataset, addIssue }) => {
  const error = dataset.typed ? parameterSchemaError(dataset.value) : null;
  if (error) addIssue({ message: issueMessage('value_error', `Value error, ${error}`, { error: {} }) });
});

const deploymentFields = {
  paused: v.optional(laxBool()),
  concurrency_limit: opt(positiveInt()),
  concurrency_options: opt(ConcurrencyOptions),
  global_concurrency_limit_id: opt(uuid()),
  parameters: opt(jsonObject()),
  parameter_openapi_schema: opt(parameterSchema()),
  tags: v.optional(list(str())),
  pull_steps: opt(objectList()),
  work_queue_name: opt(str()),
  work_pool_name: opt(str()),
  storage_document_id: opt(uuid()),
  infrastructure_document_id: opt(uuid()),
  description: opt(str()),
  path: opt(str()),
  version: opt(str()),
  entrypoint: opt(str()),
  version_info: opt(VersionInfo),
};

export const DeploymentCreate = v.pipe(
  v.unknown(),
  withoutLegacyKeys,
  notBothLimits,
  parametersFitSchema,
  model({
    ...deploymentFields,
    // Prefect's 500 for these characters becomes a 422 here.
    name: nameOrEmpty(),
    flow_id: uuid(),
    schedules: v.optional(list(DeploymentScheduleCreate)),
    enforce_parameter_schema: v.optional(laxBool()),
    parameters: v.optional(jsonObject()),
    labels: v.optional(keyValueLabels()),
    job_variables: v.optional(jsonObject()),
  }),
);
export type DeploymentCreate = v.InferOutput<typeof DeploymentCreate>;

export const DeploymentUpdate = v.pipe(
  v.unknown(),
  withoutLegacyKeys,
  notBothLimits,
  model({
    ...deploymentFields,
    schedules: v.optional(list(DeploymentScheduleUpdate)),
    enforce_parameter_schema: opt(laxBool()),
    job_variables: opt(jsonObject()),
  }),
);
export type DeploymentUpdate = v.InferOutput<typeof DeploymentUpdate>;

/** POST /deployments/bulk_delete: a deployment filter and how many to delete at most. */
export const DeploymentBulkDelete = v.object({ deployments: opt(DeploymentFilter), limit: opt(bulkLimit()) });
