// @ts-check
// The UI's aggregates (POST /ui/..., GET /ui/task_runs/{id}) on the canonical dataset: the per-flow and
// per-run counts, the history chart's points, the dashboard's task-run counts, and their 422s.

import { RANDOM_ID } from './read-cases.mjs';

/** @typedef {import('./engine.mjs').Case} Case */

/** @returns {Case} */
const q = (/** @type {string} */ id, /** @type {string} */ path, /** @type {unknown} */ body, /** @type {import('./normalize.mjs').Order} */ order = 'list') => ({
  id: `ui ${id}`,
  path,
  body,
  order,
});

/** @returns {Case[]} */
export function uiCases() {
  const ids = (/** @type {number} */ n) => Array.from({ length: n }, () => RANDOM_ID);
  return [
    q('count-deployments', '/ui/flows/count-deployments', { flow_ids: ['{{F1}}', '{{F2}}', '{{F3}}', RANDOM_ID, '{{F1}}'] }),
    q('count-deployments []', '/ui/flows/count-deployments', { flow_ids: [] }),
    q('count-deployments missing', '/ui/flows/count-deployments', {}),
    q('count-deployments 201 ids', '/ui/flows/count-deployments', { flow_ids: ids(201) }),
    q('count-deployments not a uuid', '/ui/flows/count-deployments', { flow_ids: ['x'] }),
    q('count-deployments not a list', '/ui/flows/count-deployments', { flow_ids: RANDOM_ID }),
    q('next-runs', '/ui/flows/next-runs', { flow_ids: ['{{F1}}', '{{F3}}', '{{F4}}', RANDOM_ID] }),
    q('next-runs missing', '/ui/flows/next-runs', { ids: [] }),
    q('count-task-runs', '/ui/flow_runs/count-task-runs', { flow_run_ids: ['{{R1}}', '{{R7}}', '{{P}}', '{{R2}}', RANDOM_ID] }),
    q('count-task-runs 201 ids', '/ui/flow_runs/count-task-runs', { flow_run_ids: ids(201) }),
    q('history {}', '/ui/flow_runs/history', {}, { groupBy: ['timestamp'] }),
    q('history by flow', '/ui/flow_runs/history', { flows: { id: { any_: ['{{F1}}'] } }, sort: 'NAME_ASC' }),
    q('history by pool', '/ui/flow_runs/history', { work_pools: { name: { any_: ['Test Pool'] } } }),
    q('history limit offset', '/ui/flow_runs/history', { sort: 'NAME_DESC', limit: 3, offset: 2 }),
    q('history limit 1001', '/ui/flow_runs/history', { limit: 1001 }),
    q('history bad sort', '/ui/flow_runs/history', { sort: 'NAME' }),
    q('task_runs/count {}', '/ui/task_runs/count', {}),
    q('task_runs/count by flow', '/ui/task_runs/count', { flows: { id: { any_: ['{{F1}}'] } } }),
    q('task_runs/count by task state', '/ui/task_runs/count', { task_runs: { state: { type: { any_: ['RUNNING'] } } } }),
    q('dashboard counts', '/ui/task_runs/dashboard/counts', { task_runs: { start_time: { after_: '{{NOW_MINUS_5M}}' } } }),
    q('dashboard counts state replaced', '/ui/task_runs/dashboard/counts', {
      task_runs: { start_time: { after_: '{{NOW_MINUS_5M}}', before_: '{{NOW_PLUS_1D}}' }, state: { type: { any_: ['RUNNING'] } } },
    }),
    q('dashboard counts by pool', '/ui/task_runs/dashboard/counts', {
      task_runs: { start_time: { after_: '{{NOW_MINUS_5M}}' } },
      work_pools: { name: { any_: ['Test Pool'] } },
    }),
    q('dashboard counts without after_', '/ui/task_runs/dashboard/counts', { task_runs: {} }),
    q('dashboard counts without task_runs', '/ui/task_runs/dashboard/counts', {}),
    { id: 'ui task run T2', method: 'GET', path: '/ui/task_runs/{{T2}}' },
    { id: 'ui task run TCa', method: 'GET', path: '/ui/task_runs/{{TCa}}' },
    { id: 'ui task run unknown', method: 'GET', path: `/ui/task_runs/${RANDOM_ID}` },
    { id: 'ui task run not a uuid', method: 'GET', path: '/ui/task_runs/nope' },
    {
      id: 'ui saved search create',
      method: 'PUT',
      path: '/saved_searches/',
      body: { name: 'runs', filters: [{ object: 'flow_run', property: 'state', type: 'string', operation: 'equals', value: ['Failed'], extra: 1 }] },
      save: { SS: 'id' },
    },
    { id: 'ui saved search replace', method: 'PUT', path: '/saved_searches/', body: { name: 'runs' } },
    { id: 'ui saved search second', method: 'PUT', path: '/saved_searches/', body: { name: 'a-runs', filters: [] } },
    { id: 'ui saved search extra key', method: 'PUT', path: '/saved_searches/', body: { name: 'runs', x: 1 } },
    { id: 'ui saved search missing fields', method: 'PUT', path: '/saved_searches/', body: { filters: [{ object: 'a' }] } },
    q('saved searches filter', '/saved_searches/filter', {}),
    q('saved searches filter offset', '/saved_searches/filter', { limit: 1, offset: 1 }),
    q('saved searches filter limit 201', '/saved_searches/filter', { limit: 201 }),
    { id: 'ui saved search read', method: 'GET', path: '/saved_searches/{{SS}}' },
    { id: 'ui saved search delete', method: 'DELETE', path: '/saved_searches/{{SS}}' },
    { id: 'ui saved search read deleted', method: 'GET', path: '/saved_searches/{{SS}}' },
    { id: 'ui saved search delete unknown', method: 'DELETE', path: `/saved_searches/${RANDOM_ID}` },
  ];
}
