/**
 * GET /flow_runs/{id}/graph-v2: the UI's graph of a flow run's task runs and subflow runs, in one query
 * (Prefect sends four), run in a transaction only to turn JIT off for it. Edges come from
 * `task_run.task_inputs`: each input's `id` is an upstream node, and the `__parents__` input names the
 * task runs that encapsulate this one (nested tasks).
 */
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { formatTimestamp } from '../time';

export interface GraphArtifact {
  id: string;
  created: string;
  key: string | null;
  type: string | null;
  is_latest: boolean;
  data: unknown;
}

export interface GraphNode {
  kind: 'flow-run' | 'task-run';
  id: string;
  label: string;
  state_type: string | null;
  start_time: string;
  end_time: string | null;
  parents: { id: string }[];
  children: { id: string }[];
  encapsulating: { id: string }[];
  artifacts: GraphArtifact[];
}

export interface FlowRunGraph {
  start_time: string | null;
  end_time: string | null;
  root_node_ids: string[];
  nodes: [string, GraphNode][];
  artifacts: GraphArtifact[];
  states: { id: string; timestamp: string; type: string; name: string }[];
}

export type GraphResult = { found: false } | { found: true; tooLarge: true } | { found: true; tooLarge: false; graph: FlowRunGraph };

interface NodeRow {
  kind: 'flow-run' | 'task-run';
  id: string;
  label: string;
  state_type: string | null;
  start_time: string;
  end_time: string | null;
  parent_ids: string[] | null;
  child_ids: string[] | null;
  encapsulating_ids: string[] | null;
}

interface ArtifactRow extends Omit<GraphArtifact, 'created'> {
  created: string;
  task_run_id: string | null;
}

const ts = (x: string | null) => formatTimestamp(x);
const edges = (ids: string[] | null) => (ids ?? []).map((id) => ({ id }));

/** The graph of `flowRunId` with nodes still open or ended at or after `since`; null when the run does not exist. */
export async function readFlowRunGraph(
  db: DbOrTx,
  flowRunId: string,
  opts: { since: string | null; maxNodes: number; maxArtifacts: number },
): Promise<GraphResult> {
  // The planner cannot see how few inputs a task run has (it guesses 100 per jsonb function), so on a run
  // of a few thousand task runs its cost estimate crosses jit_above_cost and LLVM compilation takes
  // seconds, longer than the query. JIT is turned off for this one statement.
  const result = await db.transaction(async (tx) => {
    await tx.execute(sql`SET LOCAL jit = off`);
    return tx.execute(sql`
    WITH edges AS (
      SELECT CASE WHEN fr.id IS NOT NULL THEN 'flow-run' ELSE 'task-run' END AS kind,
        coalesce(fr.id, tr.id) AS id,
        coalesce(f.name || ' / ' || fr.name, tr.name) AS label,
        coalesce(fr.state_type, tr.state_type) AS state_type,
        coalesce(fr.start_time, fr.expected_start_time, tr.start_time, tr.expected_start_time) AS start_time,
        coalesce(fr.end_time, tr.end_time, CASE WHEN tr.state_type = 'COMPLETED' THEN tr.expected_start_time END) AS end_time,
        (argument.value ->> 'id')::uuid AS parent,
        input.key = '__parents__' AS has_encapsulating_task
      FROM task_run tr
      LEFT JOIN LATERAL jsonb_each(tr.task_inputs) AS input(key, value) ON true
      LEFT JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(input.value) = 'array' THEN input.value ELSE '[]' END)
        AS argument(value) ON true
      LEFT JOIN flow_run fr ON fr.parent_task_run_id = tr.id
      LEFT JOIN flow f ON f.id = fr.flow_id
      WHERE tr.flow_run_id = ${flowRunId}
        AND coalesce(fr.start_time, fr.expected_start_time, tr.start_time, tr.expected_start_time) IS NOT NULL
    ),
    with_encapsulating AS (
      SELECT c.id, array_agg(p.id ORDER BY p.start_time) AS encapsulating_ids
      FROM edges c JOIN edges p ON p.id = c.parent WHERE c.has_encapsulating_task IS TRUE GROUP BY c.id
    ),
    with_parents AS (
      SELECT c.id, array_agg(p.id ORDER BY p.start_time) AS parent_ids
      FROM edges c JOIN edges p ON p.id = c.parent WHERE c.has_encapsulating_task IS DISTINCT FROM TRUE GROUP BY c.id
    ),
    with_children AS (
      SELECT p.id, array_agg(c.id ORDER BY c.start_time) AS child_ids
      FROM edges p JOIN edges c ON c.parent = p.id WHERE c.has_encapsulating_task IS DISTINCT FROM TRUE GROUP BY p.id
    ),
    nodes AS (
      SELECT DISTINCT ON (e.id) e.kind, e.id, e.label, e.state_type, e.start_time, e.end_time,
        wp.parent_ids, wc.child_ids, we.encapsulating_ids
      FROM edges e
      LEFT JOIN with_parents wp ON wp.id = e.id
      LEFT JOIN with_children wc ON wc.id = e.id
      LEFT JOIN with_encapsulating we ON we.id = e.id
    ),
    picked AS (
      SELECT * FROM nodes
      WHERE ${opts.since}::timestamptz IS NULL OR end_time IS NULL OR end_time >= ${opts.since}::timestamptz
      ORDER BY start_time, end_time LIMIT ${opts.maxNodes + 1}
    ),
    arts AS (
      SELECT a.id, a.created, a.key, a.type, a.task_run_id,
        CASE WHEN a.type = 'progress' THEN a.data END AS data,
        (a.key IS NULL OR c.id IS NOT NULL) AS is_latest
      FROM artifact a LEFT JOIN artifact_collection c ON c.key = a.key AND c.latest_id = a.id
      WHERE a.flow_run_id = ${flowRunId} AND a.type <> 'result'
      ORDER BY a.created LIMIT ${opts.maxArtifacts}
    )
    SELECT
      (SELECT json_build_object('start_time', coalesce(start_time, expected_start_time), 'end_time', end_time)
         FROM flow_run WHERE id = ${flowRunId}) AS run,
      (SELECT coalesce(json_agg(picked ORDER BY start_time, end_time), '[]') FROM picked) AS nodes,
      (SELECT coalesce(json_agg(arts ORDER BY created), '[]') FROM arts) AS artifacts,
      (SELECT coalesce(json_agg(json_build_object('id', id, 'timestamp', timestamp, 'type', type, 'name', name) ORDER BY timestamp), '[]')
         FROM flow_run_state WHERE flow_run_id = ${flowRunId}) AS states`);
  });
  const row = result.rows[0] as {
    run: { start_time: string | null; end_time: string | null } | null;
    nodes: NodeRow[];
    artifacts: ArtifactRow[];
    states: { id: string; timestamp: string; type: string; name: string }[];
  };
  if (!row.run) return { found: false };
  if (row.nodes.length > opts.maxNodes) return { found: true, tooLarge: true };

  const artifactsByTask = new Map<string | null, GraphArtifact[]>();
  for (const a of row.artifacts) {
    const list = artifactsByTask.get(a.task_run_id) ?? [];
    list.push({ id: a.id, created: ts(a.created)!, key: a.key, type: a.type, is_latest: a.is_latest, data: a.data });
    artifactsByTask.set(a.task_run_id, list);
  }
  const nodes: [string, GraphNode][] = row.nodes.map((n) => [
    n.id,
    {
      kind: n.kind,
      id: n.id,
      label: n.label,
      state_type: n.state_type,
      start_time: ts(n.start_time)!,
      end_time: ts(n.end_time),
      parents: edges(n.parent_ids),
      children: edges(n.child_ids),
      encapsulating: edges([...new Set(n.encapsulating_ids ?? [])]), // Prefect dedupes only these
      artifacts: artifactsByTask.get(n.id) ?? [],
    },
  ]);
  return {
    found: true,
    tooLarge: false,
    graph: {
      start_time: ts(row.run.start_time),
      end_time: ts(row.run.end_time),
      root_node_ids: row.nodes.filter((n) => !n.parent_ids || n.parent_ids.length === 0).map((n) => n.id),
      nodes,
      artifacts: artifactsByTask.get(null) ?? [],
      states: row.states.map((s) => ({ id: s.id, timestamp: ts(s.timestamp)!, type: s.type, name: s.name })),
    },
  };
}
