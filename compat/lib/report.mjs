// @ts-check
// The result table: one line per case (ours, Prefect's, verdict), then what differed.
import { summarize } from './compare.mjs';

/** @typedef {import('./engine.mjs').CaseResult} CaseResult */

const MARK = { match: 'match', diff: 'DIFF', known: 'known', skipped: 'skipped' };

const cell = (/** @type {import('./engine.mjs').Outcome} */ o) => (o.reply ? summarize(o.reply) : o.skipped ? 'skipped' : 'error');

/** @param {CaseResult[]} results @returns {Record<string, number>} */
export function tally(results) {
  /** @type {Record<string, number>} */
  const n = { match: 0, diff: 0, known: 0, skipped: 0 };
  for (const r of results) n[r.verdict] = (n[r.verdict] ?? 0) + 1;
  return n;
}

/** A fixed-width table for the terminal, followed by the differences. */
export function textReport(/** @type {CaseResult[]} */ results) {
  const rows = results.map((r) => [r.id, cell(r.ours), cell(r.prefect), MARK[r.verdict]]);
  const head = ['case', 'ours', "Prefect's", 'result'];
  const widths = head.map((h, i) => Math.min(60, Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length))));
  const line = (/** @type {string[]} */ row) => row.map((c, i) => (c.length > (widths[i] ?? 0) ? `${c.slice(0, (widths[i] ?? 1) - 1)}…` : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  const out = [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
  const notable = results.filter((r) => r.verdict === 'diff' || r.verdict === 'known');
  if (notable.length) out.push('', 'Differences:');
  for (const r of notable) {
    out.push('', `[${MARK[r.verdict]}] ${r.id}`, `  ${r.request.length > 200 ? `${r.request.slice(0, 197)}...` : r.request}`);
    for (const d of r.diffs) out.push(`  - ${d}`);
    if (r.reason) out.push(`  allowed: ${r.reason}`);
  }
  return out.join('\n');
}

/** The same table in Markdown (for docs/compatibility.md). */
export function markdownReport(/** @type {CaseResult[]} */ results) {
  const esc = (/** @type {string} */ s) => s.replace(/\|/g, '\\|');
  const out = ['| case | ours | Prefect | result |', '|---|---|---|---|'];
  for (const r of results) out.push(`| ${esc(r.id)} | ${esc(cell(r.ours))} | ${esc(cell(r.prefect))} | ${MARK[r.verdict]} |`);
  return out.join('\n');
}
