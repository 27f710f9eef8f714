/** Writing and reading log lines (POST /logs/, POST /logs/filter). */
import { sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { log } from '../db/schema';
import type { LogCreate } from '../schemas/actions/logs';
import { formatTimestamp } from '../time';

export interface LogResponse {
  id: string;
  created: string;
  updated: string;
  name: string;
  level: number;
  message: string;
  timestamp: string;
  flow_run_id: string | null;
  task_run_id: string | null;
}

/** Any number of lines in one INSERT: the rows travel as one jsonb parameter, not six per row. */
export async function insertLogs(db: DbOrTx, logs: LogCreate[]): Promise<void> {
  if (logs.length === 0) return;
  const rows = logs.map(({ name, level, message, timestamp, flow_run_id, task_run_id }) => ({
    name,
    level,
    message,
    timestamp,
    flow_run_id: flow_run_id ?? null,
    task_run_id: task_run_id ?? null,
  }));
  await db.execute(sql`
    INSERT INTO log (name, level, message, timestamp, flow_run_id, task_run_id)
    SELECT name, level, message, timestamp, flow_run_id, task_run_id
    FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
      AS v(name varchar, level smallint, message text, timestamp timestamptz, flow_run_id uuid, task_run_id uuid)`);
}

export async function readLogs(
  db: DbOrTx,
  query: { where: SQL; orderBy: SQL[]; limit: number; offset: number },
): Promise<LogResponse[]> {
  const rows = await db
    .select()
    .from(log)
    .where(query.where)
    .orderBy(...query.orderBy)
    .limit(query.limit)
    .offset(query.offset);
  return rows.map((r) => ({
    id: r.id,
    created: formatTimestamp(r.created) as string,
    updated: formatTimestamp(r.updated) as string,
    name: r.name,
    level: r.level,
    message: r.message,
    timestamp: formatTimestamp(r.timestamp) as string,
    flow_run_id: r.flowRunId,
    task_run_id: r.taskRunId,
  }));
}

/** /logs/out's cheap check: how many lines were written since `since`, and the latest write (see receivedSinceMark). */
export async function writtenSinceMark(db: DbOrTx, since: string): Promise<string> {
  const result = await db.execute<{ mark: string }>(sql`
    SELECT count(*) || '/' || coalesce(max(updated)::text, '') AS mark FROM log WHERE updated >= ${since}::timestamptz`);
  return result.rows[0]!.mark;
}
