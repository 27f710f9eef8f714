/**
 * A small JSON Schema checker for run input (POST /flow_runs/{id}/resume). It covers what Prefect's
 * generated run-input schemas use — type, required, properties, items, enum, const and local $ref —
 * and words its first error the way Python's jsonschema does (e.g. `'approved' is a required property`).
 * Anything else in a schema is accepted without checking.
 */
type Schema = Record<string, unknown>;

const pyRepr = (x: unknown): string => {
  if (typeof x === 'string') return `'${x}'`;
  if (x === null) return 'None';
  if (x === true) return 'True';
  if (x === false) return 'False';
  return JSON.stringify(x);
};

const TYPE_CHECKS: Record<string, (x: unknown) => boolean> = {
  object: (x) => x !== null && typeof x === 'object' && !Array.isArray(x),
  array: Array.isArray,
  string: (x) => typeof x === 'string',
  integer: (x) => typeof x === 'number' && Number.isInteger(x),
  number: (x) => typeof x === 'number',
  boolean: (x) => typeof x === 'boolean',
  null: (x) => x === null,
};

function resolve(root: Schema, schema: Schema, depth: number): Schema {
  const ref = schema.$ref;
  if (typeof ref !== 'string' || !ref.startsWith('#/')) return schema;
  if (depth > 32) throw new Error('circular');
  let target: unknown = root;
  for (const part of ref.slice(2).split('/')) target = (target as Schema | undefined)?.[part];
  return resolve(root, (target ?? {}) as Schema, depth + 1);
}

/** The first validation error, or null when the value matches. */
export function firstSchemaError(root: Schema, value: unknown): string | null {
  const check = (schema: Schema, x: unknown, depth: number): string | null => {
    const s = resolve(root, schema, depth);
    if ('const' in s && JSON.stringify(s.const) !== JSON.stringify(x)) return `${pyRepr(s.const)} was expected`;
    if (Array.isArray(s.enum) && !s.enum.some((e) => JSON.stringify(e) === JSON.stringify(x))) {
      return `${pyRepr(x)} is not one of [${s.enum.map(pyRepr).join(', ')}]`;
    }
    const types = typeof s.type === 'string' ? [s.type] : Array.isArray(s.type) ? (s.type as string[]) : [];
    if (types.length && !types.some((t) => TYPE_CHECKS[t]?.(x) ?? true)) {
      return `${pyRepr(x)} is not of type ${types.map((t) => `'${t}'`).join(', ')}`;
    }
    if (TYPE_CHECKS.object!(x)) {
      const obj = x as Record<string, unknown>;
      for (const key of Array.isArray(s.required) ? (s.required as string[]) : []) {
        if (!(key in obj)) return `'${key}' is a required property`;
      }
      const props = (s.properties ?? {}) as Record<string, Schema>;
      for (const [key, sub] of Object.entries(props)) {
        if (key in obj) {
          const err = check(sub, obj[key], depth + 1);
          if (err) return err;
        }
      }
    }
    if (Array.isArray(x) && s.items && typeof s.items === 'object') {
      for (const item of x) {
        const err = check(s.items as Schema, item, depth + 1);
        if (err) return err;
      }
    }
    return null;
  };
  return check(root, value, 0);
}
