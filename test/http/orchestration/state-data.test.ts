/**
 * A state's `data` reads back as it was sent. Regression: Drizzle's json column types parse a string
 * value a second time, so the JSON string "0" came back as the number 0 (and "null" as null).
 */
import { describe, expect, it } from 'vitest';
import { get, post } from '../helpers';
import { createRun, createTaskRun } from './fixtures';

const VALUES: unknown[] = ['0', '42', 'true', 'null', '[1, 2]', '{"a": 1}', '"quoted"', 'plain', '', 0, 42, true, [1, '2'], { a: '1' }];

describe('state data read back unchanged', () => {
  it('flow run states: set_state, /flow_runs/{id}, /flow_runs/filter and /flow_run_states/', async () => {
    for (const data of VALUES) {
      const id = await createRun();
      const set = await post(`/flow_runs/${id}/set_state`, { state: { type: 'RUNNING', data }, force: true });
      expect(set.status).toBe(201);
      expect([data, set.body.state.data]).toEqual([data, data]);
      const run = await get(`/flow_runs/${id}`);
      expect([data, run.body.state.data]).toEqual([data, data]);
      const filtered = await post('/flow_runs/filter', { flow_runs: { id: { any_: [id] } } });
      expect([data, filtered.body[0].state.data]).toEqual([data, data]);
      const states = await get(`/flow_run_states/?flow_run_id=${id}`);
      expect([data, states.body.map((s: { data: unknown }) => s.data)]).toEqual([data, [data]]);
      const one = await get(`/flow_run_states/${run.body.state.id}`);
      expect([data, one.body.data]).toEqual([data, data]);
    }
  });

  it('task run states: set_state, /task_runs/{id}, /task_runs/filter and /task_run_states/', async () => {
    const flowRun = await createRun();
    for (const data of VALUES) {
      const id = await createTaskRun(flowRun);
      const set = await post(`/task_runs/${id}/set_state`, { state: { type: 'RUNNING', data }, force: true });
      expect(set.status).toBe(201);
      expect([data, set.body.state.data]).toEqual([data, data]);
      const run = await get(`/task_runs/${id}`);
      expect([data, run.body.state.data]).toEqual([data, data]);
      const filtered = await post('/task_runs/filter', { task_runs: { id: { any_: [id] } } });
      expect([data, filtered.body[0].state.data]).toEqual([data, data]);
      const states = await get(`/task_run_states/?task_run_id=${id}`);
      expect([data, states.body.map((s: { data: unknown }) => s.data)]).toEqual([data, [data]]);
      const one = await get(`/task_run_states/${run.body.state.id}`);
      expect([data, one.body.data]).toEqual([data, data]);
    }
  });
});
