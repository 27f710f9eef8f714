// @ts-check
// Structural comparison of two normalised responses, and the short summaries the result table shows.
import { isObject } from './normalize.mjs';

const show = (/** @type {unknown} */ v) => {
  if (v === undefined) return '(absent)';
  const text = JSON.stringify(v);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
};

/**
 * Where `ours` and `prefect` differ, as `path: ours … ≠ Prefect …` lines (at most `max`).
 * @param {unknown} ours
 * @param {unknown} prefect
 * @returns {string[]}
 */
export function differences(ours, prefect, path = '', max = 6) {
  /** @type {string[]} */
  const out = [];
  walk(ours, prefect, path);
  return out;

  /** @param {unknown} a @param {unknown} b @param {string} at */
  function walk(a, b, at) {
    if (out.length >= max) return;
    if (Array.isArray(a) && Array.isArray(b)) {
      const n = Math.max(a.length, b.length);
      if (a.length !== b.length) out.push(`${at || '(body)'}: ${a.length} items ≠ Prefect's ${b.length}`);
      for (let i = 0; i < n && out.length < max; i += 1) {
        if (i >= a.length || i >= b.length) {
          out.push(`${at}[${i}]: ours ${show(a[i])} ≠ Prefect ${show(b[i])}`);
          break;
        }
        walk(a[i], b[i], `${at}[${i}]`);
      }
      return;
    }
    if (isObject(a) && isObject(b)) {
      for (const k of new Set([...Object.keys(b), ...Object.keys(a)])) walk(a[k], b[k], `${at}.${k}`);
      return;
    }
    if (JSON.stringify(a) !== JSON.stringify(b)) out.push(`${at || '(body)'}: ours ${show(a)} ≠ Prefect ${show(b)}`);
  }
}

/** A few characters that say what a response was: status and the gist of its body. */
export function summarize(/** @type {{ status: number, body: unknown } | null} */ res) {
  if (!res) return '-';
  const b = res.body;
  let gist = '';
  if (typeof b === 'number' || typeof b === 'boolean') gist = String(b);
  else if (Array.isArray(b)) gist = `[${b.length}]`;
  else if (isObject(b)) {
    if (Array.isArray(b.exception_detail)) gist = b.exception_detail.map((e) => (isObject(e) ? String(e.type) : '?')).join(',');
    else if (typeof b.detail === 'string') gist = b.detail;
    else if (typeof b.exception_message === 'string') gist = b.exception_message;
    else if (Array.isArray(b.results)) gist = `[${b.results.length}] of ${String(b.count)}`;
    else if (typeof b.status === 'string' && isObject(b.details)) {
      const state = isObject(b.state) ? ` ${String(b.state.type)}/${String(b.state.name)}` : ' null';
      gist = `${b.status}${state}`;
    } else if (isObject(b.state)) gist = `${String(b.state.type)}`;
    else if (typeof b.name === 'string') gist = b.name;
  }
  if (gist.length > 28) gist = `${gist.slice(0, 27)}…`;
  return gist ? `${res.status} ${gist}` : String(res.status);
}
