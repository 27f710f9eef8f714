/**
 * POST /ui/schemas/validate's work: hydrate the UI's parameter values (Prefect's `__prefect_kind`
 * placeholders), check them against a flow's parameter schema, and answer Prefect's error tree
 * (`{"errors": [...], "valid": bool}`, messages worded as Python's jsonschema words them).
 *
 * The checker covers the JSON Schema keywords Prefect's generated parameter schemas use: type, enum,
 * const, properties, required, additionalProperties, items, prefixItems, anyOf, allOf, oneOf, not,
 * $ref into the same document (definitions / $defs), numeric and length bounds, pattern. Other keywords
 * are accepted without checking.
 */

type Json = unknown;
type Schema = Record<string, unknown>;

/** A hydrated value that is not a JSON value: an error to report, or a value the server cannot know. */
export class Placeholder {
  constructor(readonly error: string | null = null) {}
}
/** Dropped from its object or list (a `json` or `workspace_variable` placeholder without its key). */
const REMOVE = Symbol('remove');

export interface HydrationContext {
  /** Workspace variables by name; null when the values hold no variable placeholder (nothing was read). */
  variables: Map<string, Json> | null;
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** Whether `value` holds a workspace-variable placeholder anywhere (so the variables must be read). */
export function usesWorkspaceVariables(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(usesWorkspaceVariables);
  if (!isObject(value)) return false;
  if (value.__prefect_kind === 'workspace_variable') return true;
  return Object.values(value).some(usesWorkspaceVariables);
}

function hydrateValue(obj: unknown, ctx: HydrationContext): unknown {
  if (isObject(obj) && '__prefect_kind' in obj) return hydrateKind(obj, ctx);
  if (Array.isArray(obj)) return obj.map((x) => hydrateValue(x, ctx)).filter((x) => x !== REMOVE);
  if (isObject(obj)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(obj)) {
      const h = hydrateValue(v, ctx);
      if (h !== REMOVE) out[k] = h;
    }
    return out;
  }
  return obj;
}

function hydrateKind(obj: Record<string, unknown>, ctx: HydrationContext): unknown {
  const nested = (key: string) => (isObject(obj[key]) ? hydrateValue(obj[key], ctx) : obj[key]);
  switch (obj.__prefect_kind) {
    case 'none':
      return 'value' in obj ? hydrateValue(obj.value, ctx) : new Placeholder("Missing 'value' key in __prefect object");
    case 'json': {
      if (!('value' in obj)) return REMOVE;
      const v = nested('value');
      if (v instanceof Placeholder || typeof v !== 'string') return v;
      try {
        return JSON.parse(v) as unknown;
      } catch (e) {
        return new Placeholder(`Invalid JSON: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    case 'jinja': {
      if (!('template' in obj)) return new Placeholder("Missing 'template' key in __prefect object");
      const t = nested('template');
      // Templates are not rendered here (Prefect renders them when the run is created): a valid one is
      // a value the server cannot know yet.
      return t instanceof Placeholder ? t : new Placeholder();
    }
    case 'workspace_variable': {
      if (!('variable_name' in obj)) return REMOVE;
      const name = nested('variable_name');
      if (name instanceof Placeholder) return name;
      const key = typeof name === 'string' ? name : JSON.stringify(name);
      if (ctx.variables?.has(key)) return ctx.variables.get(key);
      return new Placeholder(`Variable '${key}' not found in workspace.`);
    }
    default:
      return obj.value ?? null;
  }
}

/** The values with their placeholders resolved; a top-level placeholder that removes itself gives `{}`. */
export function hydrate(values: Record<string, unknown>, ctx: HydrationContext): unknown {
  const out = hydrateValue(values, ctx);
  return out === REMOVE ? {} : out;
}

/** Python's repr of a JSON value, as jsonschema puts it in its messages. */
export function pyRepr(x: unknown): string {
  if (x instanceof Placeholder) return '<placeholder>';
  if (typeof x === 'string') {
    const quote = x.includes("'") && !x.includes('"') ? '"' : "'";
    const body = x.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t');
    return quote + (quote === "'" ? body.replace(/'/g, "\\'") : body) + quote;
  }
  if (x === null || x === undefined) return 'None';
  if (x === true) return 'True';
  if (x === false) return 'False';
  if (typeof x === 'number') return Number.isInteger(x) || !Number.isFinite(x) ? String(x) : String(x);
  if (Array.isArray(x)) return `[${x.map(pyRepr).join(', ')}]`;
  if (isObject(x)) return `{${Object.entries(x).map(([k, v]) => `${pyRepr(k)}: ${pyRepr(v)}`).join(', ')}}`;
  return String(x);
}

export class CircularSchemaRef extends Error {}
export class UnresolvableRef extends Error {}

interface SchemaError {
  path: (string | number)[];
  message: string;
  keyword: string;
  /** The instance is a placeholder that is not an error: Prefect leaves such errors out. */
  quiet: boolean;
}

const TYPE_CHECKS: Record<string, (x: unknown) => boolean> = {
  object: isObject,
  array: Array.isArray,
  string: (x) => typeof x === 'string',
  integer: (x) => typeof x === 'number' && Number.isInteger(x),
  number: (x) => typeof x === 'number',
  boolean: (x) => typeof x === 'boolean',
  null: (x) => x === null,
};

/** JSON equality as jsonschema's enum/const compare (1 == 1.0, but True is not 1). */
const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Every error of `value` against `root`, in the order jsonschema reports them. */
export function schemaErrors(root: Schema, value: unknown): SchemaError[] {
  const out: SchemaError[] = [];
  const resolve = (ref: string): Schema => {
    if (!ref.startsWith('#')) throw new UnresolvableRef(`Unresolvable: ${ref}`);
    let target: unknown = root;
    for (const raw of ref.slice(1).split('/').filter((p) => p !== '')) {
      const part = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
      target = isObject(target) ? target[part] : Array.isArray(target) ? target[Number(part)] : undefined;
      if (target === undefined) throw new UnresolvableRef(`Unresolvable: ${ref}`);
    }
    return isObject(target) ? target : {};
  };
  const check = (schema: unknown, x: unknown, path: (string | number)[], refDepth: number, sink: SchemaError[]) => {
    if (schema === false) sink.push({ path, message: `False schema does not allow ${pyRepr(x)}`, keyword: 'false', quiet: false });
    if (!isObject(schema)) return;
    const err = (keyword: string, message: string) => sink.push({ path, message, keyword, quiet: x instanceof Placeholder && x.error === null });
    const sub = (s: unknown, v: unknown, p: (string | number)[] = path) => {
      const errs: SchemaError[] = [];
      check(s, v, p, refDepth, errs);
      return errs;
    };
    for (const [keyword, arg] of Object.entries(schema)) {
      switch (keyword) {
        case '$ref': {
          if (typeof arg !== 'string') break;
          // A chain of references that never reaches a value is Prefect's "circular references".
          if (refDepth > 64) throw new CircularSchemaRef();
          check(resolve(arg), x, path, refDepth + 1, sink);
          break;
        }
        case 'type': {
          const types = Array.isArray(arg) ? (arg as string[]) : [arg as string];
          if (!types.some((t) => TYPE_CHECKS[t]?.(x) ?? true)) {
            err('type', `${pyRepr(x)} is not of type ${types.map((t) => pyRepr(t)).join(', ')}`);
          }
          break;
        }
        case 'enum':
          if (Array.isArray(arg) && !arg.some((e) => same(e, x))) err('enum', `${pyRepr(x)} is not one of ${pyRepr(arg)}`);
          break;
        case 'const':
          if (!same(arg, x)) err('const', `${pyRepr(arg)} was expected`);
          break;
        case 'properties':
          if (isObject(x) && isObject(arg)) {
            for (const [k, s] of Object.entries(arg)) if (k in x) check(s, x[k], [...path, k], 0, sink);
          }
          break;
        case 'required':
          if (isObject(x) && Array.isArray(arg)) {
            for (const k of arg) if (typeof k === 'string' && !(k in x)) err('required', `${pyRepr(k)} is a required property`);
          }
          break;
        case 'additionalProperties':
          if (isObject(x)) {
            const known = isObject(schema.properties) ? Object.keys(schema.properties) : [];
            const patterns = isObject(schema.patternProperties) ? Object.keys(schema.patternProperties).map((p) => new RegExp(p, 'u')) : [];
            const extra = Object.keys(x).filter((k) => !known.includes(k) && !patterns.some((p) => p.test(k)));
            if (arg === false && extra.length) {
              const list = extra.map((k) => pyRepr(k)).join(', ');
              err('additionalProperties', `Additional properties are not allowed (${list} ${extra.length === 1 ? 'was' : 'were'} unexpected)`);
            } else if (isObject(arg)) {
              for (const k of extra) check(arg, x[k], [...path, k], 0, sink);
            }
          }
          break;
        case 'items':
          if (Array.isArray(x)) {
            const start = Array.isArray(schema.prefixItems) ? schema.prefixItems.length : 0;
            x.forEach((item, i) => i >= start && check(arg, item, [...path, i], 0, sink));
          }
          break;
        case 'prefixItems':
          if (Array.isArray(x) && Array.isArray(arg)) arg.forEach((s, i) => i < x.length && check(s, x[i], [...path, i], 0, sink));
          break;
        case 'allOf':
          if (Array.isArray(arg)) for (const s of arg) check(s, x, path, refDepth, sink);
          break;
        case 'anyOf':
          if (Array.isArray(arg) && !arg.some((s) => sub(s, x).length === 0)) {
            err('anyOf', `${pyRepr(x)} is not valid under any of the given schemas`);
          }
          break;
        case 'oneOf':
          if (Array.isArray(arg)) {
            const valid = arg.filter((s) => sub(s, x).length === 0).length;
            if (valid === 0) err('oneOf', `${pyRepr(x)} is not valid under any of the given schemas`);
            else if (valid > 1) err('oneOf', `${pyRepr(x)} is valid under each of ${arg.filter((s) => sub(s, x).length === 0).map(pyRepr).join(', ')}`);
          }
          break;
        case 'not':
          if (sub(arg, x).length === 0) err('not', `${pyRepr(x)} should not be valid under ${pyRepr(arg)}`);
          break;
        case 'minimum':
          if (typeof x === 'number' && typeof arg === 'number' && x < arg) err('minimum', `${pyRepr(x)} is less than the minimum of ${pyRepr(arg)}`);
          break;
        case 'maximum':
          if (typeof x === 'number' && typeof arg === 'number' && x > arg) err('maximum', `${pyRepr(x)} is greater than the maximum of ${pyRepr(arg)}`);
          break;
        case 'exclusiveMinimum':
          if (typeof x === 'number' && typeof arg === 'number' && x <= arg) err(keyword, `${pyRepr(x)} is less than or equal to the minimum of ${pyRepr(arg)}`);
          break;
        case 'exclusiveMaximum':
          if (typeof x === 'number' && typeof arg === 'number' && x >= arg) err(keyword, `${pyRepr(x)} is greater than or equal to the maximum of ${pyRepr(arg)}`);
          break;
        case 'minLength':
          if (typeof x === 'string' && typeof arg === 'number' && [...x].length < arg) err(keyword, arg === 1 ? `${pyRepr(x)} should be non-empty` : `${pyRepr(x)} is too short`);
          break;
        case 'maxLength':
          if (typeof x === 'string' && typeof arg === 'number' && [...x].length > arg) err(keyword, arg === 0 ? `${pyRepr(x)} is expected to be empty` : `${pyRepr(x)} is too long`);
          break;
        case 'minItems':
          if (Array.isArray(x) && typeof arg === 'number' && x.length < arg) err(keyword, arg === 1 ? `${pyRepr(x)} should be non-empty` : `${pyRepr(x)} is too short`);
          break;
        case 'maxItems':
          if (Array.isArray(x) && typeof arg === 'number' && x.length > arg) err(keyword, arg === 0 ? `${pyRepr(x)} is expected to be empty` : `${pyRepr(x)} is too long`);
          break;
        case 'pattern':
          if (typeof x === 'string' && typeof arg === 'string') {
            let re: RegExp | null = null;
            try {
              re = new RegExp(arg, 'u');
            } catch {
              /* an invalid pattern checks nothing */
            }
            if (re && !re.test(x)) err(keyword, `${pyRepr(x)} does not match ${pyRepr(arg)}`);
          }
          break;
        default:
          break;
      }
    }
    // Prefect's extra check, after the schema's own keywords: a placeholder that is an error.
    if (x instanceof Placeholder && x.error !== null) sink.push({ path, message: x.error, keyword: '_placeholders', quiet: false });
  };
  check(root, value, [], 0, out);
  return out;
}

type ErrorNode = string | { property: string; errors: ErrorNode[] } | { index: number; errors: ErrorNode[] };

/** Prefect's error tree: an error under the property or index it belongs to; a placeholder error wins at its path. */
export function errorTree(errors: SchemaError[]): { errors: ErrorNode[]; valid: boolean } {
  const byPath = new Map<string, SchemaError[]>();
  for (const e of errors) {
    const key = e.path.join('->');
    byPath.set(key, [...(byPath.get(key) ?? []), e]);
  }
  const kept = [...byPath.values()].flatMap((group) => {
    const placeholders = group.filter((e) => e.keyword === '_placeholders');
    return placeholders.length ? placeholders : group;
  });
  const root: ErrorNode[] = [];
  for (const e of kept) {
    if (e.quiet) continue;
    const path: (string | number)[] = [...e.path];
    // A missing property's error goes under that property.
    if (e.keyword === 'required') path.push(/^'([^']*)'/.exec(e.message)?.[1] ?? e.message.split(' ')[0]!);
    let current = root;
    if (path.length === 0) current.push(e.message);
    path.forEach((part, i) => {
      const last = i === path.length - 1;
      const field = typeof part === 'number' ? 'index' : 'property';
      if (last) {
        current.push({ [field]: part, errors: [e.message] } as ErrorNode);
        return;
      }
      let entry = current.find((n) => typeof n === 'object' && (n as Record<string, unknown>)[field] === part) as { errors: ErrorNode[] } | undefined;
      if (!entry) {
        entry = { [field]: part, errors: [] } as unknown as { errors: ErrorNode[] };
        current.push(entry as ErrorNode);
      }
      current = entry.errors;
    });
  }
  return { errors: root, valid: root.length === 0 };
}

/**
 * Prefect's schema preprocessing for schemas Pydantic v1 wrote: an optional property with a type and no
 * default also accepts null; tuple `items` lists become `prefixItems`.
 */
export function preprocessSchema(schema: Schema): Schema {
  const copy = structuredClone(schema);
  const fixProperties = (properties: unknown, required: unknown) => {
    if (!isObject(properties)) return;
    const req = Array.isArray(required) ? required : [];
    for (const [key, s] of Object.entries(properties)) {
      if (!isObject(s)) continue;
      if (!req.includes(key) && 'type' in s && s.type !== 'null' && !('default' in s)) {
        s.anyOf = [{ type: s.type }, { type: 'null' }];
        delete s.type;
      }
      if (Array.isArray(s.items) && !s.prefixItems) {
        s.prefixItems = s.items;
        delete s.items;
      }
      if ('properties' in s) fixProperties(s.properties, s.required);
    }
  };
  fixProperties(copy.properties, copy.required);
  if (isObject(copy.definitions)) {
    for (const d of Object.values(copy.definitions)) if (isObject(d)) fixProperties(d.properties, d.required);
  }
  return copy;
}
