// @ts-check
// Sends one case to both servers and judges the pair. A case is plain data: a request whose strings may
// hold `{{NAME}}` templates (filled from each server's own ids and captured values), how its list is
// ordered, and which response values to keep under a name for later cases.
/* global AbortSignal, TextEncoder */
import { differences } from './compare.mjs';
import { isObject, isUuid, normalizeResponse } from './normalize.mjs';

/**
 * @typedef {import('./normalize.mjs').Order} Order
 * @typedef {import('./normalize.mjs').Side} Side
 * @typedef {{
 *   id: string,
 *   method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
 *   path: string,
 *   body?: unknown,
 *   rawBody?: string,
 *   headers?: Record<string, string>,
 *   order?: Order,
 *   save?: Record<string, string>,
 *   noContentType?: boolean,
 *   settle?: boolean,
 *   omit?: string[],
 *   mask?: string[],
 *   delay?: number,
 * }} Case
 *   body: JSON, sent as is after filling templates; rawBody: sent verbatim instead (e.g. invalid JSON).
 *   save: name → dotted path into a 2xx response body. A uuid saved this way also names that id.
 *   noContentType: send the body without a Content-Type header.
 *   settle: resend (once a second, up to 30 s) until Prefect's `total` stops growing and equals ours or
 *     has been still for 5 s: Prefect persists events in the background, seconds after the request.
 *   omit: top-level keys of the response bodies not compared (an opaque page token, for instance).
 *   mask: keys, at any depth, whose string values are not compared (names each server generates itself,
 *     such as a flow run's random name); the key stays, its value becomes `<masked>`.
 *   delay: milliseconds to wait before sending (for background work on both servers to catch up).
 * @typedef {{ status: number, body: unknown }} Reply
 * @typedef {{ reply: Reply | null, skipped?: string, error?: string }} Outcome
 * @typedef {{
 *   id: string, request: string, ours: Outcome, prefect: Outcome, verdict: 'match' | 'diff' | 'known' | 'skipped',
 *   diffs: string[], reason?: string, normalized?: { ours: unknown, prefect: unknown },
 * }} CaseResult
 * @typedef {{ case: string, reason: string }} Allowed
 */

class MissingVar extends Error {}

/** Replaces `{{NAME}}` in every string of `value` with the side's variable NAME. */
export function fill(/** @type {unknown} */ value, /** @type {Map<string, unknown>} */ vars) {
  const lookup = (/** @type {string} */ name) => {
    if (!vars.has(name)) throw new MissingVar(name);
    return vars.get(name);
  };
  /** @returns {unknown} */
  const walk = (/** @type {unknown} */ v) => {
    if (typeof v === 'string') {
      const whole = /^\{\{([^}]+)\}\}$/.exec(v);
      if (whole) return lookup(/** @type {string} */ (whole[1]));
      return v.replace(/\{\{([^}]+)\}\}/g, (_, name) => String(lookup(name)));
    }
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value);
}

/** The value at a dotted path (`state.id`, `results.0.name`), or undefined. */
export function at(/** @type {unknown} */ value, /** @type {string} */ path) {
  let v = value;
  for (const part of path.split('.')) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = /** @type {Record<string, unknown>} */ (v)[part];
  }
  return v;
}

/** @param {string} baseUrl @param {Case} c @param {Side} side @returns {Promise<Outcome>} */
async function send(baseUrl, c, side) {
  let path;
  let body;
  try {
    path = /** @type {string} */ (fill(c.path, side.vars));
    body = c.rawBody ?? (c.body === undefined ? undefined : JSON.stringify(fill(c.body, side.vars)));
  } catch (e) {
    if (e instanceof MissingVar) return { reply: null, skipped: `needs ${e.message}` };
    throw e;
  }
  /** @type {RequestInit} */
  const init = {
    method: c.method ?? 'POST',
    headers: { ...(c.noContentType ? {} : { 'content-type': 'application/json' }), ...c.headers },
    // fetch labels a string body text/plain; bytes go without a Content-Type.
    body: c.noContentType && body !== undefined ? new TextEncoder().encode(body) : body,
    // Prefect redirects some slash variants (307); the case should name the path Prefect declares.
    redirect: 'manual',
  };
  try {
    let res;
    try {
      res = await fetch(`${baseUrl}${path}`, { ...init, signal: AbortSignal.timeout(30_000) });
    } catch (e) {
      // After a 500, Prefect's server closes the kept-alive connection, and the next request sent on it
      // fails before it is read: send it once more, on a new connection.
      if (!closedConnection(e)) throw e;
      res = await fetch(`${baseUrl}${path}`, { ...init, signal: AbortSignal.timeout(30_000) });
    }
    const text = await res.text();
    let parsed;
    try {
      parsed = text === '' ? null : JSON.parse(text);
    } catch {
      parsed = text;
    }
    const reply = { status: res.status, body: parsed };
    if (res.status < 300) save(c, reply.body, side);
    return { reply };
  } catch (e) {
    return { reply: null, error: String(e instanceof Error ? e.message : e) };
  }
}

/** `value` with the string values of `keys` (at any depth) replaced by `<masked>`. */
export function masked(/** @type {unknown} */ value, /** @type {Set<string>} */ keys) {
  /** @returns {unknown} */
  const walk = (/** @type {unknown} */ v) => {
    if (Array.isArray(v)) return v.map(walk);
    if (!isObject(v)) return v;
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, keys.has(k) && typeof x === 'string' ? '<masked>' : walk(x)]));
  };
  return walk(value);
}

function closedConnection(/** @type {unknown} */ e) {
  const cause = e instanceof Error ? /** @type {{ code?: string } | undefined} */ (e.cause) : undefined;
  return ['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE'].includes(cause?.code ?? '');
}

function save(/** @type {Case} */ c, /** @type {unknown} */ body, /** @type {Side} */ side) {
  for (const [name, path] of Object.entries(c.save ?? {})) {
    const value = at(body, path);
    if (value === undefined) continue;
    if (isUuid(value)) side.nameId(name, /** @type {string} */ (value));
    else side.vars.set(name, value);
  }
}

/**
 * @param {Case} c
 * @param {{ ours: { baseUrl: string, side: Side }, prefect: { baseUrl: string, side: Side }, times: Map<string, string>, allowed: Allowed[] }} run
 * @returns {Promise<CaseResult>}
 */
export async function runCase(c, run) {
  const both = () => Promise.all([send(run.ours.baseUrl, c, run.ours.side), send(run.prefect.baseUrl, c, run.prefect.side)]);
  if (c.delay) await new Promise((r) => setTimeout(r, c.delay));
  let [ours, prefect] = await both();
  if (c.settle) {
    const total = (/** @type {Outcome} */ o) => at(o.reply?.body, 'total');
    const deadline = Date.now() + 30_000;
    let last = total(prefect);
    let stillSince = Date.now();
    while (Date.now() < deadline) {
      if (total(prefect) === total(ours) && Date.now() - stillSince >= 2_000) break;
      if (Date.now() - stillSince >= 5_000) break;
      await new Promise((r) => setTimeout(r, 1_000));
      [ours, prefect] = await both();
      if (total(prefect) !== last) {
        last = total(prefect);
        stillSince = Date.now();
      }
    }
  }
  for (const o of [ours, prefect]) {
    const body = o.reply?.body;
    if (c.omit && isObject(body)) for (const k of c.omit) delete body[k];
    if (c.mask && o.reply) o.reply.body = masked(body, new Set(c.mask));
  }
  const request = `${c.method ?? 'POST'} ${c.path}${c.body !== undefined || c.rawBody !== undefined ? ` ${c.rawBody ?? JSON.stringify(c.body)}` : ''}`;
  const allow = run.allowed.find((a) => a.case === c.id || (a.case.endsWith('*') && c.id.startsWith(a.case.slice(0, -1))));
  /** @type {CaseResult} */
  const result = { id: c.id, request, ours, prefect, verdict: 'match', diffs: [] };
  if (!ours.reply || !prefect.reply) {
    const why = [ours.skipped ?? ours.error, prefect.skipped ?? prefect.error].filter(Boolean);
    result.verdict = ours.skipped && prefect.skipped ? 'skipped' : 'diff';
    result.diffs = why.map((w, i) => `${why.length === 2 ? (i ? 'Prefect: ' : 'ours: ') : ''}${w}`);
  } else {
    const opts = { caseId: c.id, order: c.order, times: run.times };
    const a = normalizeResponse(ours.reply, { ...opts, side: run.ours.side });
    const b = normalizeResponse(prefect.reply, { ...opts, side: run.prefect.side });
    result.normalized = { ours: a, prefect: b };
    if (ours.reply.status !== prefect.reply.status) result.diffs.push(`status: ours ${ours.reply.status} ≠ Prefect ${prefect.reply.status}`);
    result.diffs.push(...differences(a, b));
    if (result.diffs.length) result.verdict = 'diff';
  }
  if (allow) {
    result.reason = allow.reason;
    if (result.verdict === 'diff') result.verdict = 'known';
  }
  return result;
}
