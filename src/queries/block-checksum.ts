/**
 * A block schema's checksum as Prefect computes it (Block._calculate_schema_checksum): the fields
 * without any `secret_fields` keys and without the definitions of nested blocks, serialized the way
 * Python's `json.dumps(((fields,), {}), sort_keys=True)` does, hashed with SHA-256.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Python's json.dumps string escaping with ensure_ascii: everything outside space..tilde is escaped. */
function pyString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i += 1) {
    const ch = s[i]!;
    const code = s.charCodeAt(i);
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (code < 0x20 || code > 0x7e) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/**
 * Python's json.dumps(value, sort_keys=True) with its default ", " and ": " separators. Numbers are
 * written as JavaScript does: a float with no fraction (1.0) was already 1 once parsed, so a schema
 * holding one hashes differently here (no Prefect block schema has one).
 */
export function pythonJsonDumps(value: unknown): string {
  const v = value as Json;
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : v > 0 ? 'Infinity' : v < 0 ? '-Infinity' : 'NaN';
  if (typeof v === 'string') return pyString(v);
  if (Array.isArray(v)) return `[${v.map(pythonJsonDumps).join(', ')}]`;
  const keys = Object.keys(v).sort();
  return `{${keys.map((k) => `${pyString(k)}: ${pythonJsonDumps(v[k])}`).join(', ')}}`;
}

/** Every `$ref` string under `obj`, depth first, in key order. */
export function nestedReferenceStrings(obj: unknown): string[] {
  const found: string[] = [];
  const walk = (x: unknown) => {
    if (Array.isArray(x)) x.forEach(walk);
    else if (x !== null && typeof x === 'object') {
      const ref = (x as Record<string, unknown>).$ref;
      if (ref) found.push(ref as string);
      Object.values(x).forEach(walk);
    }
  };
  walk(obj);
  return found;
}

const definitionKey = (ref: string) => ref.replace('#/definitions/', '');

/**
 * The definitions that `object` (and what they reference in turn) uses and that are not blocks
 * (a block's definition carries `block_type_slug`).
 */
export function nonBlockDefinitions(object: unknown, definitions: Record<string, unknown>): Record<string, unknown> {
  let out: Record<string, unknown> = {};
  for (const ref of nestedReferenceStrings(object)) {
    if (typeof ref !== 'string') continue;
    const key = definitionKey(ref);
    const def = definitions[key] as Record<string, unknown> | undefined;
    if (def && typeof def === 'object' && (def.block_type_slug === undefined || def.block_type_slug === null)) {
      out = { ...out, [key]: def, ...nonBlockDefinitions(def, definitions) };
    }
  }
  return out;
}

function withoutKey(value: unknown, drop: string): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).filter(([k]) => k !== drop).map(([k, x]) => [k, withoutKey(x, drop)]));
}

export async function blockSchemaChecksum(fields: Record<string, unknown>): Promise<string> {
  const forChecksum = withoutKey(fields, 'secret_fields') as Record<string, unknown>;
  const defs = forChecksum.definitions;
  if (defs && typeof defs === 'object' && Object.keys(defs).length > 0) {
    const kept = nonBlockDefinitions(forChecksum, defs as Record<string, unknown>);
    if (Object.keys(kept).length > 0) forChecksum.definitions = kept;
    else delete forChecksum.definitions;
  }
  const text = `[[${pythonJsonDumps(forChecksum)}], {}]`;
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  const hex = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `sha256:${hex}`;
}
