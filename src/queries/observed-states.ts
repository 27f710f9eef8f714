/**
 * GET /observed-states: the distinct (state type, state name) pairs of the retained flow- and task-run
 * state histories, with the first and last time each was seen. One statement.
 */
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { formatTimestamp } from '../time';

export type ObservedStateSort = 'NAME_ASC' | 'LAST_SEEN_DESC';

export interface ObservedState {
  state_type: string;
  state_name: string;
  first_seen: string | null;
  last_seen: string | null;
}

/** `prefix` matched case-insensitively at the start of the type or the name, `%` and `_` taken literally. */
export async function readObservedStates(db: DbOrTx, q: { prefix: string | null; sort: ObservedStateSort; limit: number }) {
  const escaped = q.prefix === null ? null : `${q.prefix.replace(/[/%_]/g, (ch) => `/${ch}`)}%`;
  const result = await db.execute<{ state_type: string; state_name: string; first_seen: string; last_seen: string }>(sql`
    WITH histories AS (
      SELECT type::text AS state_type, name AS state_name, min(timestamp) AS first_seen, max(timestamp) AS last_seen
        FROM flow_run_state GROUP BY type, name
      UNION ALL
      SELECT type::text, name, min(timestamp), max(timestamp) FROM task_run_state GROUP BY type, name
    ), observed AS MATERIALIZED (
      SELECT state_type, state_name, min(first_seen) AS first_seen, max(last_seen) AS last_seen
        FROM histories GROUP BY state_type, state_name
    )
    SELECT state_type, state_name, first_seen::text, last_seen::text FROM observed
    ${escaped === null ? sql`` : sql`WHERE lower(state_type) LIKE lower(${escaped}) ESCAPE '/' OR lower(state_name) LIKE lower(${escaped}) ESCAPE '/'`}
    ORDER BY ${q.sort === 'LAST_SEEN_DESC' ? sql`last_seen DESC,` : sql``} state_type, state_name
    LIMIT ${q.limit}`);
  return result.rows.map(
    (r): ObservedState => ({
      state_type: r.state_type,
      state_name: r.state_name,
      first_seen: formatTimestamp(r.first_seen),
      last_seen: formatTimestamp(r.last_seen),
    }),
  );
}
