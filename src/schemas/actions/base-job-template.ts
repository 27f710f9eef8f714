/**
 * Prefect's `validate_base_job_template` (WorkPoolCreate / WorkPoolUpdate): a non-empty base job
 * template needs a `job_configuration` and a `variables` schema, and every `{{ placeholder }}` in
 * the job configuration must be a property of that schema. The defaults of the variables are not
 * checked against their schemas (README: Differences from Prefect).
 */
import * as v from 'valibot';
import { issueMessage } from '../common';

/** Prefect's PLACEHOLDER_CAPTURE_REGEX. */
const PLACEHOLDER = /\{\{\s*([\w.\-[\]$]+)\s*\}\}/g;

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** Python's truthiness of a JSON value. */
const truthy = (x: unknown) =>
  !(x === null || x === undefined || x === false || x === 0 || x === '' || (Array.isArray(x) && x.length === 0) || (isObject(x) && Object.keys(x).length === 0));

/**
 * The JSON text Python's json.dumps gives (non-ASCII escaped): Prefect looks for placeholders in
 * that text, so a `{{ é }}` is no placeholder there, and must not be one here either.
 */
const asciiJson = (x: unknown) =>
  JSON.stringify(x).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** Why Prefect rejects this template, or null when it accepts it. */
export function baseJobTemplateProblem(template: Record<string, unknown>): string | null {
  if (Object.keys(template).length === 0) return null;
  const { job_configuration: jobConfiguration, variables } = template;
  if (!truthy(jobConfiguration) || !truthy(variables)) {
    return 'The `base_job_template` must contain both a `job_configuration` key and a `variables` key.';
  }
  // Prefect answers 500 to these (it calls dict methods on them).
  if (!isObject(jobConfiguration)) return 'The `job_configuration` of the `base_job_template` must be an object.';
  if (!isObject(variables)) return 'The `variables` of the `base_job_template` must be an object.';
  const properties = 'properties' in variables ? variables.properties : {};
  if (!isObject(properties)) return 'The `properties` of the `base_job_template` variables must be an object.';
  const used = new Set<string>();
  for (const value of Object.values(jobConfiguration)) {
    for (const match of asciiJson(value).matchAll(PLACEHOLDER)) used.add(match[1]!);
  }
  const undeclared = [...used].filter((name) => !Object.hasOwn(properties, name));
  if (undeclared.length === 0) return null;
  return (
    'The variables specified in the job configuration template must be present as properties in the variables schema. ' +
    `Your job configuration uses the following undeclared variable(s): ${undeclared.join(' ,')}.`
  );
}

/** A check for a base job template already known to be a JSON object. */
export const validBaseJobTemplate = () =>
  v.rawCheck<Record<string, unknown>>(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const problem = baseJobTemplateProblem(dataset.value);
    if (problem) addIssue({ message: issueMessage('value_error', `Value error, ${problem}`, { error: {} }) });
  });
