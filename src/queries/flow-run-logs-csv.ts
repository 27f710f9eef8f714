/**
 * GET /flow_runs/{id}/logs/download: every log line of a flow run as CSV, in one statement (the run's
 * name and its lines, oldest first), written the way Prefect's Python `csv` writer writes them.
 */
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { formatTimestamp } from '../time';

/** A field as Python's csv module (excel dialect, minimal quoting) writes it. */
function csvField(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A timestamp as Python's `str(datetime)` prints it: `2026-12-04 15:00:01.500000+00:00`. */
function pythonTimestamp(value: string): string {
  const iso = formatTimestamp(value) ?? value;
  return iso.replace('T', ' ').replace(/Z$/, '+00:00');
}

const HEADER = ['timestamp', 'level', 'flow_run_id', 'task_run_id', 'message'];

/** The run's name and its logs as CSV text; null when the flow run does not exist. */
export async function flowRunLogsCsv(db: DbOrTx, flowRunId: string): Promise<{ runName: string; csv: string } | null> {
  const result = await db.execute(sql`
    SELECT fr.name AS run_name, l.timestamp, l.level, l.flow_run_id, l.task_run_id, l.message
    FROM flow_run fr LEFT JOIN log l ON l.flow_run_id = fr.id
    WHERE fr.id = ${flowRunId}
    ORDER BY l.timestamp, l.id`);
  const rows = result.rows as {
    run_name: string;
    timestamp: string | null;
    level: number | null;
    flow_run_id: string | null;
    task_run_id: string | null;
    message: string | null;
  }[];
  if (rows.length === 0) return null;
  const lines = [HEADER.join(',')];
  for (const r of rows) {
    if (r.timestamp === null) continue; // the run has no logs (the LEFT JOIN's empty row)
    lines.push([pythonTimestamp(r.timestamp), r.level, r.flow_run_id, r.task_run_id, r.message].map(csvField).join(','));
  }
  return { runName: rows[0]!.run_name, csv: `${lines.join('\r\n')}\r\n` };
}

/** Python's `urllib.parse.quote(s, safe="")`: everything but letters, digits and `_.-~` is escaped. */
export function pythonQuote(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
}
