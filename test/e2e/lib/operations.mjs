// @ts-check
// Comparing REST operations between Prefect's OpenAPI document and ours, and reading the README's list
// of the operations we deliberately do not serve.
import fs from 'node:fs';

const METHODS = new Set(['get', 'post', 'put', 'patch', 'delete']);

/**
 * An operation's key with parameter names and trailing slashes left out (`POST /flow_runs/{}/set_state`):
 * the two documents name path parameters differently (`{id}` and `{flow_run_id}`).
 */
export const operationKey = (/** @type {string} */ method, /** @type {string} */ path) =>
  `${method.toUpperCase()} ${path.replace(/^\/api(?=\/)/, '').replace(/\{[^}]*\}/g, '{}').replace(/(.)\/$/, '$1')}`;

/**
 * The operations of an OpenAPI document, as "METHOD /path" (as written) by key.
 * @param {any} doc
 * @returns {Map<string, string>}
 */
export function operationsOf(doc) {
  const out = new Map();
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of Object.keys(/** @type {object} */ (item))) {
      if (METHODS.has(method)) out.set(operationKey(method, path), `${method.toUpperCase()} ${path.replace(/^\/api(?=\/)/, '')}`);
    }
  }
  return out;
}

/**
 * The README's table of Prefect operations not served (under the heading that names them), by key,
 * each with its reason: rows like "| `GET /block_capabilities/` | why |".
 * @param {string} readmePath
 * @returns {Map<string, string>}
 */
export function listedAsNotServed(readmePath) {
  const text = fs.readFileSync(readmePath, 'utf8');
  const start = text.indexOf('### Prefect operations not served');
  if (start < 0) throw new Error(`${readmePath} has no "### Prefect operations not served" section`);
  const end = text.indexOf('\n#', start + 1);
  const section = text.slice(start, end < 0 ? undefined : end);
  const out = new Map();
  for (const m of section.matchAll(/^\| `(GET|POST|PUT|PATCH|DELETE) (\/[^`]*)` \| (.+?) \|$/gm)) out.set(operationKey(m[1] ?? '', m[2] ?? ''), m[3] ?? '');
  return out;
}
