// @ts-check
// Turns one server's response into a form comparable with the other's: ids become the names the run
// gave them, times become placeholders that keep their format, durations keep only their sign, lists
// whose order the API does not define are sorted, and validation errors keep only `type` and `loc`.

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const UUID_ONLY = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:?\d{2})?$/;
/** Prefect's output format: UTC with `Z`, the fraction only when non-zero and then 6 digits. */
const CANONICAL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?Z$/;
/** Timedeltas that depend on the moment of the request: only their sign is compared. */
/** Lists inside a response object that are ordered like a top-level list. */
const LISTS = ['results', 'deleted', 'events'];
// `duration` and `lateness`: the UI's flow-run history points.
const DURATIONS = new Set(['total_run_time', 'estimated_run_time', 'estimated_start_time_delta', 'delay_seconds', 'duration', 'lateness']);

/**
 * What one server's run knows: the names of the ids it has seen, and the named times both servers were
 * sent (so that an echoed time compares by name, not by placeholder).
 */
export class Side {
  /** @param {string} label */
  constructor(label) {
    this.label = label;
    /** @type {Map<string, string>} lowercase uuid → name */
    this.names = new Map();
    /** @type {Map<string, unknown>} template variables: ids and captured values */
    this.vars = new Map();
  }

  /** Names `id` (a uuid) `name`, for normalisation, and makes it the template variable `name`. */
  nameId(/** @type {string} */ name, /** @type {string} */ id) {
    this.names.set(id.toLowerCase(), name);
    this.vars.set(name, id);
  }
}

/** Microseconds since the epoch of an ISO time (naive = UTC), as a string, or null if it is not one. */
export function timeMicros(/** @type {string} */ text) {
  const m = TIME.exec(text);
  if (!m) return null;
  const [, y, mo, d, h, mi, s = '0', frac = '', zone = 'Z'] = m;
  let ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (zone !== 'Z') {
    const z = zone.replace(':', '');
    const offset = (Number(z.slice(1, 3)) * 60 + Number(z.slice(3, 5))) * (z[0] === '-' ? -1 : 1);
    ms -= offset * 60_000;
  }
  return (BigInt(ms) * 1000n + BigInt((frac + '000000').slice(0, 6))).toString();
}

/**
 * @typedef {'list' | 'set' | { groupBy: string[] }} Order
 *   how the response's list (a top-level array, or a paginate page's `results`) is compared:
 *   in order; as a set; or in order of the first non-null of `groupBy`, ties as sets.
 */

/**
 * @param {{ status: number, body: unknown }} response
 * @param {{ side: Side, caseId: string, order?: Order, times?: Map<string, string> }} options
 *   times: microseconds → name of the times both servers were sent
 */
export function normalizeResponse({ status, body }, { side, caseId, order = 'set', times = new Map() }) {
  let value = body;
  if (status === 422 && isObject(body) && Array.isArray(body.exception_detail)) {
    // Pydantic's messages are not compared, only what failed where.
    value = {
      exception_message: body.exception_message,
      exception_detail: body.exception_detail.map((e) => (isObject(e) ? { type: e.type, loc: e.loc } : e)),
      request_body: body.request_body,
    };
  }
  let out = mapKnown(value, '', side, times);
  if (Array.isArray(value)) out = ordered(/** @type {unknown[]} */ (out), value, order);
  else if (isObject(value) && isObject(out)) {
    // A page's results, and the runs of a bulk request (picked in id order, and ids differ per server).
    const obj = out;
    for (const key of LISTS) {
      const raw = value[key];
      const list = obj[key];
      if (Array.isArray(raw) && Array.isArray(list)) obj[key] = ordered(list, raw, order);
    }
  }
  return nameUnknown(out, caseId, side);
}

/**
 * Known ids → `<name>`, times → placeholders, durations → their sign. Unknown uuids stay for nameUnknown.
 * @returns {unknown}
 */
function mapKnown(/** @type {unknown} */ v, /** @type {string} */ key, /** @type {Side} */ side, /** @type {Map<string, string>} */ times) {
  if (typeof v === 'string') {
    const micros = timeMicros(v);
    if (micros !== null) {
      const named = times.get(micros);
      const form = CANONICAL_TIME.test(v) ? '' : `:${v.replace(/\d/g, 'd')}`;
      return `<time${named ? ` ${named}` : ''}${form}>`;
    }
    return v.replace(UUID, (id) => {
      const name = side.names.get(id.toLowerCase());
      return name ? `<${name}>` : id;
    });
  }
  if (typeof v === 'number' && DURATIONS.has(key)) return v === 0 ? 0 : v > 0 ? '<+seconds>' : '<-seconds>';
  // Prefect builds a block schema's capabilities from a Python set: their order changes from one server process to the next.
  if (Array.isArray(v) && key === 'capabilities') return [...v].sort();
  // Prefect lists a deployment's updated fields in the order of a Python set, which varies per process.
  if (key === 'updated_fields' && Array.isArray(v) && v.every((x) => typeof x === 'string')) return [...v].sort();
  if (Array.isArray(v)) return v.map((x) => mapKnown(x, key, side, times));
  // Keys may be ids too (the UI's per-flow and per-run counts).
  if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [mapKnown(k, '', side, times), mapKnown(x, k, side, times)]));
  return v;
}

/**
 * @param {unknown[]} items normalised
 * @param {unknown[]} raw the same items before normalisation (for groupBy, which needs real times)
 * @param {Order} order
 */
function ordered(items, raw, order) {
  if (order === 'list') return items;
  const key = (/** @type {unknown} */ x) => JSON.stringify(x).replace(UUID, '<uuid>');
  const bySet = (/** @type {unknown[]} */ xs) => [...xs].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  if (order === 'set') return bySet(items);
  // Consecutive items with the same sort value form a group; Prefect orders ties arbitrarily.
  /** @type {unknown[][]} */
  const groups = [];
  /** @type {string | null | undefined} */
  let last;
  raw.forEach((r, i) => {
    const value = isObject(r) ? (order.groupBy.map((f) => r[f]).find((x) => x !== null && x !== undefined) ?? null) : null;
    const k = value === null ? null : typeof value === 'string' ? (timeMicros(value) ?? value) : JSON.stringify(value);
    if (groups.length === 0 || k !== last) groups.push([]);
    groups[groups.length - 1]?.push(items[i]);
    last = k;
  });
  return groups.flatMap(bySet);
}

/**
 * Gives every uuid not seen before a name from where it first appeared, so later responses refer to it.
 * @returns {unknown}
 */
function nameUnknown(/** @type {unknown} */ v, /** @type {string} */ path, /** @type {Side} */ side) {
  if (typeof v === 'string') {
    return v.replace(UUID, (id) => {
      const lower = id.toLowerCase();
      let name = side.names.get(lower);
      if (!name) {
        name = `${path}`;
        side.names.set(lower, name);
      }
      return `<${name}>`;
    });
  }
  if (Array.isArray(v)) return v.map((x, i) => nameUnknown(x, `${path}[${i}]`, side));
  if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, nameUnknown(x, `${path}.${k}`, side)]));
  return v;
}

/** @returns {v is Record<string, unknown>} */
export function isObject(/** @type {unknown} */ v) {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export const isUuid = (/** @type {unknown} */ v) => typeof v === 'string' && UUID_ONLY.test(v);
