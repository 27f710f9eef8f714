/** GET /flow_runs/{id}/graph-v2: nodes, edges from task_inputs, subflows, artifacts, since, errors, cost. */
import { beforeEach, describe, expect, it } from 'vitest';
import { API, get, post, randomName, resetDb } from '../helpers';
import { send } from '../security/app';

beforeEach(resetDb);

async function ok(res: { status: number; body: any }, status = 201) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  return res.body;
}

async function flowRun(state = 'RUNNING', extra: Record<string, unknown> = {}) {
  const flow = await ok(await post('/flows/', { name: randomName('graph') }));
  return ok(await post('/flow_runs/', { flow_id: flow.id, name: randomName('run'), state: { type: state }, ...extra }));
}

async function taskRun(flowRunId: string, key: string, state: string, taskInputs: Record<string, unknown> = {}) {
  return ok(await post('/task_runs/', { flow_run_id: flowRunId, task_key: key, dynamic_key: '0', name: `${key}-0`, state: { type: state }, task_inputs: taskInputs }));
}

const ref = (id: string) => ({ input_type: 'task_run', id });

describe('flow run graph v2', () => {
  it('lists task runs with upstream edges, subflows as flow-run nodes, artifacts and states', async () => {
    const run = await flowRun();
    const a = await taskRun(run.id, 'a', 'COMPLETED');
    const b = await taskRun(run.id, 'b', 'RUNNING', { x: [ref(a.id)], y: [{ input_type: 'parameter', name: 'p' }] });
    const parent = await taskRun(run.id, 'sub', 'RUNNING');
    const sub = await flowRun('RUNNING', { parent_task_run_id: parent.id });
    await ok(await post('/artifacts/', { type: 'progress', data: 42, flow_run_id: run.id, task_run_id: a.id }));
    await ok(await post('/artifacts/', { key: randomName('k'), type: 'markdown', data: 'hi', flow_run_id: run.id }));
    await ok(await post('/artifacts/', { type: 'result', data: 'x', flow_run_id: run.id }));

    const res = await get(`/flow_runs/${run.id}/graph-v2`);
    expect(res.status).toBe(200);
    const g = res.body;
    expect(g.start_time).toBe(run.start_time);
    expect(g.end_time).toBeNull();
    expect(g.states).toEqual([{ id: run.state.id, timestamp: run.state.timestamp, type: 'RUNNING', name: 'Running' }]);
    const nodes = Object.fromEntries(g.nodes);
    expect(g.nodes.map(([id]: [string]) => id)).toEqual(g.nodes.map(([, n]: [string, any]) => n.id));
    expect(nodes[a.id]).toMatchObject({
      kind: 'task-run', label: 'a-0', state_type: 'COMPLETED', parents: [], children: [{ id: b.id }], encapsulating: [],
    });
    expect(nodes[a.id].end_time).toBe(nodes[a.id].start_time);
    expect(nodes[a.id].artifacts).toEqual([
      { id: expect.any(String), created: expect.any(String), key: null, type: 'progress', is_latest: true, data: 42 },
    ]);
    expect(nodes[b.id]).toMatchObject({ state_type: 'RUNNING', end_time: null, parents: [{ id: a.id }], children: [] });
    // A subflow replaces its parent task run in the graph.
    expect(nodes[parent.id]).toBeUndefined();
    expect(nodes[sub.id]).toMatchObject({ kind: 'flow-run', label: `${sub.flow_name ?? nodes[sub.id].label.split(' / ')[0]} / ${sub.name}` });
    expect(new Set(g.root_node_ids)).toEqual(new Set([a.id, sub.id]));
    expect(g.artifacts).toEqual([expect.objectContaining({ type: 'markdown', is_latest: true, data: null })]);
  });

  it('puts __parents__ in encapsulating, not in parents', async () => {
    const run = await flowRun();
    const outer = await taskRun(run.id, 'outer', 'RUNNING');
    const inner = await taskRun(run.id, 'inner', 'RUNNING', { __parents__: [ref(outer.id)] });
    const nodes = Object.fromEntries((await get(`/flow_runs/${run.id}/graph-v2`)).body.nodes);
    expect(nodes[inner.id]).toMatchObject({ parents: [], encapsulating: [{ id: outer.id }] });
    expect(nodes[outer.id].children).toEqual([]);
  });

  it('since drops nodes that ended before it', async () => {
    const run = await flowRun();
    const done = await taskRun(run.id, 'done', 'COMPLETED');
    const open = await taskRun(run.id, 'open', 'RUNNING');
    const res = await get(`/flow_runs/${run.id}/graph-v2?since=2099-01-01T00:00:00Z`);
    expect(res.body.nodes.map(([id]: [string]) => id)).toEqual([open.id]);
    expect(done.id).toBeDefined();
  });

  it("answers 404 and 422 in Prefect's shapes", async () => {
    const missing = '5bb95929-f5df-40c4-a764-34791e150000';
    const res = await get(`/flow_runs/${missing}/graph-v2`);
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ exception_message: `Flow run ${missing} not found` });
    const run = await flowRun();
    const bad = await get(`/flow_runs/${run.id}/graph-v2?since=xx`);
    expect(bad.status).toBe(422);
    expect(bad.body.exception_detail[0].loc).toEqual(['query', 'since']);
  });

  it('honours the max nodes and max artifacts settings (400 when the graph is too large)', async () => {
    const run = await flowRun();
    await taskRun(run.id, 'a', 'COMPLETED');
    await taskRun(run.id, 'b', 'COMPLETED');
    await ok(await post('/artifacts/', { key: randomName('k'), type: 'markdown', data: '1', flow_run_id: run.id }));
    await ok(await post('/artifacts/', { key: randomName('k'), type: 'markdown', data: '2', flow_run_id: run.id }));
    const open = { ALLOW_UNAUTHENTICATED: 'true' };
    const tooLarge = await send(`${API}/flow_runs/${run.id}/graph-v2`, {}, { ...open, PREFECT_SERVER_FLOW_RUN_GRAPH_MAX_NODES: '1' });
    expect(tooLarge.status).toBe(400);
    expect(tooLarge.body).toEqual({ detail: `The graph of flow run ${run.id} has more than 1 nodes.` });
    const fits = await send(`${API}/flow_runs/${run.id}/graph-v2`, {}, { ...open, PREFECT_SERVER_FLOW_RUN_GRAPH_MAX_NODES: '2', PREFECT_SERVER_FLOW_RUN_GRAPH_MAX_ARTIFACTS: '1' });
    expect(fits.status).toBe(200);
    expect(fits.body.nodes).toHaveLength(2);
    expect(fits.body.artifacts).toHaveLength(1);
  });

  it('costs the same number of statements for 1 task run as for 20', async () => {
    const run = await flowRun();
    let prev = await taskRun(run.id, 't0', 'COMPLETED');
    const one = await get(`/flow_runs/${run.id}/graph-v2`);
    for (let i = 1; i < 20; i += 1) prev = await taskRun(run.id, `t${i}`, 'COMPLETED', { x: [ref(prev.id)] });
    const many = await get(`/flow_runs/${run.id}/graph-v2`);
    expect(many.body.nodes).toHaveLength(20);
    expect(many.headers.get('x-sql-statements')).toBe(one.headers.get('x-sql-statements'));
    expect(Number(one.headers.get('x-sql-statements'))).toBeLessThanOrEqual(4); // BEGIN, SET LOCAL jit, the query, COMMIT
  });
});

describe('legacy flow run graph', () => {
  it('lists each task run with its inputs as upstream dependencies, newest id first', async () => {
    const run = await flowRun();
    const a = await taskRun(run.id, 'a', 'COMPLETED');
    const b = await taskRun(run.id, 'b', 'RUNNING', { x: [ref(a.id)], y: [ref(a.id)] });
    const res = await get(`/flow_runs/${run.id}/graph`);
    expect(res.status).toBe(200);
    const byId = Object.fromEntries(res.body.map((d: any) => [d.id, d]));
    expect(res.body.map((d: any) => d.id)).toEqual([a.id, b.id].sort().reverse());
    expect(byId[b.id]).toMatchObject({ name: 'b-0', upstream_dependencies: [ref(a.id)], untrackable_result: false });
    expect(byId[a.id]).toMatchObject({ upstream_dependencies: [], total_run_time: 0, state: { type: 'COMPLETED', name: 'Completed' } });
    expect(Object.keys(byId[a.id])).toEqual([
      'id', 'name', 'upstream_dependencies', 'state', 'expected_start_time', 'start_time', 'end_time',
      'total_run_time', 'estimated_run_time', 'untrackable_result',
    ]);
    const missing = await get('/flow_runs/5bb95929-f5df-40c4-a764-34791e150000/graph');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ exception_message: 'Flow run with id 5bb95929-f5df-40c4-a764-34791e150000 not found' });
  });
});
