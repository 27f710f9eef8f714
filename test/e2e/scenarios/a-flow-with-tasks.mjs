// @ts-check
// a. `python tasks_flow.py`: a flow run with five tasks (a retry, .submit(), .map(), a caught failure)
// ends COMPLETED with its states, logs and task runs (with their state histories) stored, and the
// client never complains that it cannot reach the events WebSocket.
import assert from 'node:assert/strict';
import path from 'node:path';
import { flowRunStates, taskRunStates, waitFor } from '../lib/api.mjs';

/** The task runs Prefect's own server records for tasks_flow.py, as name prefix → state history. */
const EXPECTED_TASKS = {
  flaky: { count: 1, states: ['PENDING/Pending', 'RUNNING/Running', 'RUNNING/Retrying', 'COMPLETED/Completed'], runCount: 2 },
  double: { count: 1, states: ['PENDING/Pending', 'RUNNING/Running', 'COMPLETED/Completed'], runCount: 1 },
  square: { count: 3, states: ['PENDING/Pending', 'RUNNING/Running', 'COMPLETED/Completed'], runCount: 1 },
  boom: { count: 1, states: ['PENDING/Pending', 'RUNNING/Running', 'FAILED/Failed'], runCount: 1 },
  total: { count: 1, states: ['PENDING/Pending', 'RUNNING/Running', 'COMPLETED/Completed'], runCount: 1 },
};

/** @type {import('../run.mjs').Scenario} */
export default {
  id: 'a',
  title: 'a flow with tasks run by `python tasks_flow.py`: COMPLETED, states, logs, task runs, no events warning',
  needs: 'events (task runs, the EventsWorker warning)',
  timeoutMs: 120_000,
  async run(ctx) {
    const { code, output } = await ctx.python([path.join(ctx.flowsDir, 'tasks_flow.py')], { label: 'a-tasks-flow', timeoutMs: 90_000 });
    assert.equal(code, 0, `python tasks_flow.py exited ${code}:\n${ctx.tail(output)}`);
    const id = /^E2E_FLOW_RUN_ID (\S+)$/m.exec(output)?.[1];
    assert.ok(id, `tasks_flow.py printed no flow run id:\n${ctx.tail(output)}`);

    const run = await ctx.api.get(`/flow_runs/${id}`);
    assert.equal(run.state_type, 'COMPLETED', `the flow run is ${run.state_type}/${run.state_name}`);
    assert.deepEqual(await flowRunStates(ctx.api, id), ['PENDING/Pending', 'RUNNING/Running', 'COMPLETED/Completed']);

    const logs = await ctx.api.post('/logs/filter', { logs: { flow_run_id: { any_: [id] } } });
    const messages = logs.map((/** @type {any} */ l) => l.message);
    for (const expected of ['e2e flow started', 'caught the expected failure of boom', 'e2e flow total 16', 'flaky succeeded on attempt 2']) {
      assert.ok(messages.includes(expected), `the stored logs lack "${expected}": ${JSON.stringify(messages)}`);
    }
    assert.ok(
      logs.some((/** @type {any} */ l) => l.task_run_id && l.message === 'flaky succeeded on attempt 2'),
      'the task log line carries its task run id',
    );

    // The SDK reports task runs only as events; the server records them a moment later.
    const wanted = Object.values(EXPECTED_TASKS).reduce((n, t) => n + t.count, 0);
    /** @type {any[]} */
    const taskRuns = await waitFor(
      `${wanted} finished task runs of flow run ${id}`,
      async () => {
        const found = await ctx.api.post('/task_runs/filter', { flow_runs: { id: { any_: [id] } } });
        return found.length === wanted && found.every((/** @type {any} */ t) => ['COMPLETED', 'FAILED'].includes(t.state_type)) ? found : null;
      },
      {
        timeoutMs: 30_000,
        describe: async () =>
          `found: ${JSON.stringify((await ctx.api.post('/task_runs/filter', { flow_runs: { id: { any_: [id] } } })).map((/** @type {any} */ t) => `${t.name} ${t.state_type}`))}`,
      },
    );
    for (const [prefix, want] of Object.entries(EXPECTED_TASKS)) {
      const mine = taskRuns.filter((t) => t.name.startsWith(`${prefix}-`));
      assert.equal(mine.length, want.count, `task runs named ${prefix}-*: ${mine.length}`);
      for (const t of mine) {
        assert.deepEqual(await taskRunStates(ctx.api, t.id), want.states, `the state history of task run ${t.name}`);
        assert.equal(t.run_count, want.runCount, `the run_count of task run ${t.name}`);
      }
    }

    for (const complaint of ['EventsWorker', 'Unable to connect']) {
      const line = output.split('\n').find((l) => l.includes(complaint));
      assert.ok(!line, `the client complained: ${line}`);
    }
  },
};
