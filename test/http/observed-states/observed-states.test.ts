import { beforeEach, describe, expect, it } from 'vitest';
import { get, post, resetDb } from '../helpers';

async function runWithState(flowId: string, type: string, name: string) {
  const res = await post('/flow_runs/', { flow_id: flowId, state: { type, name } });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

describe('GET /observed-states', () => {
  beforeEach(resetDb);

  it('lists each distinct type and name of flow- and task-run histories once, newest first', async () => {
    const flow = (await post('/flows/', { name: 'observed' })).body;
    await runWithState(flow.id, 'SCHEDULED', 'Late');
    await runWithState(flow.id, 'SCHEDULED', 'Late');
    const runId = await runWithState(flow.id, 'PENDING', 'Pending');
    const task = await post('/task_runs/', { flow_run_id: runId, task_key: 't', dynamic_key: '0', name: 't', state: { type: 'COMPLETED', name: 'Cached' } });
    expect(task.status).toBe(201);
    const res = await get('/observed-states');
    expect(res.status).toBe(200);
    expect(res.body.map((s: any) => `${s.state_type}/${s.state_name}`)).toEqual(['COMPLETED/Cached', 'PENDING/Pending', 'SCHEDULED/Late']);
    expect(res.body[2].first_seen <= res.body[2].last_seen).toBe(true);
    const byName = await get('/observed-states?order_by=NAME_ASC&limit=2');
    expect(byName.body.map((s: any) => s.state_name)).toEqual(['Cached', 'Pending']);
  });

  it('matches a case-insensitive prefix of the type or the name, % and _ literally', async () => {
    const flow = (await post('/flows/', { name: 'observed' })).body;
    await runWithState(flow.id, 'SCHEDULED', 'Late');
    await runWithState(flow.id, 'PENDING', 'My_Pending%');
    await runWithState(flow.id, 'PENDING', 'Other');
    const names = async (q: string) => (await get(`/observed-states?order_by=NAME_ASC&query=${q}`)).body.map((s: any) => s.state_name);
    expect(await names('%20la%20')).toEqual(['Late']);
    expect(await names('sched')).toEqual(['Late']);
    expect(await names('my_')).toEqual(['My_Pending%']);
    expect(await names('%25')).toEqual([]);
    // NAME_ASC sorts by type, then name.
    expect(await names('')).toEqual(['My_Pending%', 'Other', 'Late']);
  });

  it('rejects bad query parameters with Prefect 422 bodies, echoing the raw text', async () => {
    const zero = await get('/observed-states?limit=0');
    expect(zero.status).toBe(422);
    expect(zero.body.exception_detail).toEqual([
      { type: 'greater_than_equal', loc: ['query', 'limit'], msg: 'Input should be greater than or equal to 1', input: '0', ctx: { ge: 1 } },
    ]);
    expect((await get('/observed-states?limit=201')).body.exception_detail[0].input).toBe('201');
    expect((await get('/observed-states?limit=abc')).body.exception_detail[0].type).toBe('int_parsing');
    expect((await get('/observed-states?order_by=name')).status).toBe(422);
    expect((await get(`/observed-states?query=${'a'.repeat(101)}`)).body.exception_detail[0].type).toBe('string_too_long');
  });
});
