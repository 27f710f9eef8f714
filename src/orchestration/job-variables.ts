/**
 * Job variables checked against a work pool's base job template `variables` schema, where and as
 * Prefect 3.9.1 checks them (measured against its server):
 * - deployment create (422 `Error creating deployment: …`): the pool's defaults with the deployment's
 *   variables over them, `required` ignored, every optional typed field also accepting null;
 * - deployment PATCH naming a pool (409 `Error creating deployment: <ValidationError: …>`): the sent
 *   variables alone, `required` ignored, a field with a default not accepting null;
 * - a deployment's flow run, created or PATCHed (422 `Error creating|updating flow run: …`): defaults,
 *   deployment variables, run variables, with `required` enforced (the run is the last overlay).
 * - a new pool (422 `Validation failed for work pool's job variable defaults: …`): its defaults.
 * A pool without a template or without `variables` checks nothing.
 */
import { detailError } from '../http/errors';
import { firstSchemaFailure, pyRepr, schemaValidationMessage } from './json-schema';

type Json = Record<string, unknown>;

const isObject = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x);

/** A schema with every `required` removed, at every level (Prefect's ignore_required). */
function withoutRequired(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withoutRequired);
  if (!isObject(schema)) return schema;
  return Object.fromEntries(Object.entries(schema).filter(([k]) => k !== 'required').map(([k, x]) => [k, withoutRequired(x)]));
}

/**
 * Prefect's repair of Pydantic v1 schemas: an optional typed property also accepts null (unless it has
 * a default and `noneWithDefault` is off), and a list-form `items` is a tuple (`prefixItems`).
 */
function fixProperties(properties: Json, required: unknown, noneWithDefault: boolean): void {
  const requiredNames = Array.isArray(required) ? required : [];
  for (const [key, s] of Object.entries(properties)) {
    if (!isObject(s)) continue;
    if (!requiredNames.includes(key) && 'type' in s && s.type !== 'null' && (!('default' in s) || noneWithDefault)) {
      s.anyOf = [{ type: s.type }, { type: 'null' }];
      delete s.type;
    }
    if (Array.isArray(s.items) && s.items.length > 0 && !s.prefixItems) {
      s.prefixItems = s.items;
      delete s.items;
    }
    if (isObject(s.properties)) fixProperties(s.properties, s.required, noneWithDefault);
  }
}

function preprocess(schema: Json, noneWithDefault: boolean): Json {
  const out = structuredClone(schema);
  if (isObject(out.properties)) fixProperties(out.properties, out.required, noneWithDefault);
  if (isObject(out.definitions)) {
    for (const d of Object.values(out.definitions)) if (isObject(d) && isObject(d.properties)) fixProperties(d.properties, d.required, noneWithDefault);
  }
  return out;
}

/** The template's `variables` schema, or null when there is nothing to check against. */
function variablesSchema(template: unknown): Json | null {
  const variables = isObject(template) ? template.variables : undefined;
  return isObject(variables) && Object.keys(variables).length > 0 ? variables : null;
}

/** A failure to load the schema itself is Prefect's `Invalid schema: …` 422. */
function guarded<T>(check: () => T): T {
  try {
    return check();
  } catch (e) {
    throw detailError(422, `Invalid schema: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * The defaults the template declares, without those that fail their own property's schema (Prefect
 * ignores invalid defaults here, and then cannot enforce `required`). Block references are skipped.
 */
function templateDefaults(schema: Json): { defaults: Json; invalid: boolean } {
  const defaults: Json = {};
  let invalid = false;
  const relaxed = withoutRequired(schema) as Json;
  for (const [name, attrs] of Object.entries(isObject(schema.properties) ? schema.properties : {})) {
    if (!isObject(attrs) || !('default' in attrs)) continue;
    if (isObject(attrs.default) && '$ref' in attrs.default) continue;
    if (firstSchemaFailure(relaxed, { [name]: attrs.default })) invalid = true;
    else defaults[name] = attrs.default;
  }
  return { defaults, invalid };
}

/** The merged job variables' first failure, in Prefect's wording, or null. */
function mergedFailure(schema: Json, layers: unknown[], enforceRequired: boolean): string | null {
  return guarded(() => {
    const { defaults, invalid } = templateDefaults(schema);
    const merged = Object.assign({}, defaults, ...layers.filter(isObject)) as Json;
    const prepared = preprocess(schema, true);
    return schemaValidationMessage((enforceRequired && !invalid ? prepared : withoutRequired(prepared)) as Json, merged);
  });
}

/** POST /work_pools/: the template's own defaults, together, must fit its schema (`required` ignored). */
export function checkPoolJobVariableDefaults(template: unknown): void {
  const schema = variablesSchema(template);
  if (!schema) return;
  const error = guarded(() => {
    const defaults = Object.fromEntries(
      Object.entries(isObject(schema.properties) ? schema.properties : {}).flatMap(([name, attrs]) =>
        isObject(attrs) && 'default' in attrs && !(isObject(attrs.default) && '$ref' in attrs.default) ? [[name, attrs.default]] : [],
      ),
    );
    return schemaValidationMessage(withoutRequired(preprocess(schema, true)) as Json, defaults);
  });
  if (error) throw detailError(422, `Validation failed for work pool's job variable defaults: ${error}`);
}

/** POST /deployments/ with a pool: only non-empty job variables are checked. */
export function checkDeploymentJobVariables(template: unknown, jobVariables: Json | null | undefined): void {
  const schema = variablesSchema(template);
  if (!schema || !jobVariables || Object.keys(jobVariables).length === 0) return;
  const error = mergedFailure(schema, [jobVariables], false);
  if (error) throw detailError(422, `Error creating deployment: ${error}`);
}

/** PATCH /deployments/{id} naming a pool: the sent variables alone, worded as Python's repr of the error. */
export function checkDeploymentUpdateJobVariables(template: unknown, jobVariables: Json | null | undefined): void {
  const schema = variablesSchema(template);
  if (!schema || jobVariables == null) return;
  const failure = guarded(() => firstSchemaFailure(withoutRequired(preprocess(schema, false)) as Json, jobVariables));
  if (failure) throw detailError(409, `Error creating deployment: <ValidationError: ${pyRepr(failure.reason)}>`);
}

/**
 * A deployment's flow run: the message (`Error creating flow run: …` or `Error updating flow run: …`)
 * when the merged variables fail, else null. Throws the 422 of an unloadable schema.
 */
export function flowRunJobVariablesError(
  template: unknown,
  deploymentJobVariables: unknown,
  runJobVariables: unknown,
  action: 'creating' | 'updating',
): string | null {
  const schema = variablesSchema(template);
  if (!schema) return null;
  const error = mergedFailure(schema, [deploymentJobVariables, runJobVariables], true);
  return error ? `Error ${action} flow run: ${error}` : null;
}
