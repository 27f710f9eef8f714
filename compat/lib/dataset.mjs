// @ts-check
// The canonical dataset of ../shared/spec/prefect-filters.md §5.1, built through the public API with
// the same requests on both servers. Each request is a case of its own (its response is compared too),
// and saves the id it created under the dataset's name for it (F1, D11, R3, T7, …).
//
// Through the API the dataset differs from §5.1 (which Prefect's tests build through its models) in three
// ways, the same on both servers: runs and task runs created without a state are PENDING (P, C, TPa, TPb,
// TCa); a deployment given only a work queue name (D12) gets that queue created in `default-agent-pool`;
// and no time can be chosen (states are stamped by the server), so R4's start time is captured instead.

/** @typedef {import('./engine.mjs').Case} Case */

const FLOWS = [
  ['F1', 'f-1', ['db', 'blue']],
  ['F2', 'f-2', ['db']],
  ['F3', 'f-3', []],
  ['F4', 'f-4', []],
];

/** key, name, flow, tags, state type (null: none sent), extra body */
const RUNS = /** @type {const} */ ([
  ['R1', 'test-happy-duck', 'F1', ['db', 'blue'], 'COMPLETED', { deployment_id: '{{D11}}' }],
  ['R2', 'sad-duck', 'F1', ['db', 'blue'], 'COMPLETED', {}],
  ['R3', 'test-happy-mallard', 'F1', ['db', 'red'], 'FAILED', { deployment_id: '{{D11}}' }],
  ['R4', 'fr-1-4', 'F1', ['red'], 'RUNNING', {}],
  ['R5', 'fr-1-5', 'F1', [], 'RUNNING', { deployment_id: '{{D12}}' }],
  ['R6', 'another-test-happy-duck', 'F2', ['db', 'blue'], 'COMPLETED', {}],
  ['R7', 'another-sad-duck', 'F2', ['red'], 'RUNNING', {}],
  ['R8', 'fr-2-3', 'F2', ['db', 'red'], 'FAILED', {}],
  ['R9', 'fr-3-1', 'F3', [], 'COMPLETED', { deployment_id: '{{D31}}', work_pool_name: 'Test Pool' }],
  ['R10', 'fr-3-2', 'F3', ['db', 'red'], 'SCHEDULED', {}],
  ['P', 'parent', 'F4', [], null, {}],
]);

/** key, name, flow run, task key, state type (null: none sent) */
const TASKS = /** @type {const} */ ([
  ['T1', 'task-run-1', 'R1', 'a', 'RUNNING'],
  ['T2', 'task-run-2', 'R1', 'b', 'COMPLETED'],
  ['T3', 'task-run-2a', 'R1', 'c', 'COMPLETED'],
  ['T4', 'tr-2-2-a', 'R7', 'a', 'RUNNING'],
  ['T5', 'tr-2-2-b', 'R7', 'b', 'COMPLETED'],
  ['T6', 'tr-2-2-c', 'R7', 'c', 'COMPLETED'],
  ['T7', 'tr-3-1-a', 'R9', 'a', 'FAILED'],
  ['TPa', 'p-a', 'P', 'a', null],
  ['TPb', 'p-b', 'P', 'b', null],
]);

/** @param {string | null} type */
const stateOf = (type) =>
  type === null ? {} : { state: type === 'SCHEDULED' ? { type, state_details: { scheduled_time: '{{NOW}}' } } : { type } };

/** @returns {Case[]} the requests that build the dataset, in order */
export function datasetCases() {
  /** @type {Case[]} */
  const cases = [];
  for (const [key, name, tags] of FLOWS) {
    cases.push({ id: `setup flow ${key}`, path: '/flows/', body: { name, tags }, save: { [`${key}`]: 'id' } });
  }
  cases.push({
    id: 'setup work pool',
    path: '/work_pools/',
    body: { name: 'Test Pool', type: 'prefect-agent' },
    save: { pool: 'id', WQd: 'default_queue_id' },
  });
  const schedule = (/** @type {number} */ interval) => [
    { schedule: { interval, anchor_date: '2024-01-01T00:00:00Z', timezone: 'UTC' }, active: true },
  ];
  cases.push(
    { id: 'setup deployment D11', path: '/deployments/', body: { name: 'd-1-1', flow_id: '{{F1}}', schedules: schedule(3600) }, save: { D11: 'id' } },
    {
      id: 'setup deployment D12',
      path: '/deployments/',
      body: { name: 'd-1-2', flow_id: '{{F1}}', paused: true, work_queue_name: 'test-queue-for-filters' },
      save: { D12: 'id', agentQueue: 'work_queue_id' },
    },
    {
      id: 'setup deployment D31',
      path: '/deployments/',
      body: { name: 'd-3-1', flow_id: '{{F3}}', work_pool_name: 'Test Pool', schedules: schedule(60) },
      save: { D31: 'id' },
    },
  );
  for (const [key, name, flow, tags, type, extra] of RUNS) {
    cases.push({
      id: `setup flow run ${key}`,
      path: '/flow_runs/',
      body: { flow_id: `{{${flow}}}`, name, tags, ...extra, ...stateOf(type) },
      save: { [key]: 'id', [`${key}.start_time`]: 'start_time' },
    });
  }
  const task = (/** @type {(typeof TASKS)[number] | readonly [string, string, string, string, null]} */ [key, name, run, taskKey, type]) => ({
    id: `setup task run ${key}`,
    path: '/task_runs/',
    body: { flow_run_id: `{{${run}}}`, name, task_key: taskKey, dynamic_key: '0', ...stateOf(type) },
    save: { [key]: 'id' },
  });
  cases.push(...TASKS.map(task));
  // The subflow run C belongs to P's task TPb, so it comes after TPb; its own task after it.
  cases.push({
    id: 'setup flow run C',
    path: '/flow_runs/',
    body: { flow_id: '{{F4}}', name: 'child', tags: [], parent_task_run_id: '{{TPb}}' },
    save: { C: 'id' },
  });
  cases.push(task(['TCa', 'c-a', 'C', 'a', null]));
  return cases;
}
