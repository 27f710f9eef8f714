// @ts-check
// The write cases of ../shared/spec/prefect-filters.md §5.2 (52–56). They change the dataset (the
// deletes remove D11, P and F3), so they run last.

import { RANDOM_ID } from './read-cases.mjs';

/** @typedef {import('./engine.mjs').Case} Case */

/** @returns {Case[]} */
export function writeCases() {
  const count = (/** @type {string} */ id, /** @type {string} */ path, /** @type {unknown} */ body) => ({ id, path, body });
  return [
    { id: '52 create an existing flow', path: '/flows/', body: { name: 'f-1', tags: ['new'] } },
    { id: '52 flow name with /', path: '/flows/', body: { name: 'a/b' } },
    { id: '52 flow extra key', path: '/flows/', body: { name: 'zz', foo: 1 } },
    { id: '52 flow without name', path: '/flows/', body: {} },
    {
      id: '53 create a run with an idempotency key',
      path: '/flow_runs/',
      body: { flow_id: '{{F1}}', name: 'api-run', idempotency_key: 'k1', work_pool_name: 'Test Pool' },
      save: { API_RUN: 'id' },
    },
    { id: '53 the same key again', path: '/flow_runs/', body: { flow_id: '{{F1}}', name: 'other', idempotency_key: 'k1', work_pool_name: 'Test Pool' } },
    { id: '53 run with job_variables null', path: '/flow_runs/', body: { flow_id: '{{F1}}', name: 'jv-null', job_variables: null }, save: { JV_NULL: 'id' } },
    { id: '53 run with job_variables null, read back', method: 'GET', path: '/flow_runs/{{JV_NULL}}' },
    { id: '53 run with job_variables', path: '/flow_runs/', body: { flow_id: '{{F1}}', name: 'jv', job_variables: { a: 1 } } },
    { id: '53 run in a missing pool', path: '/flow_runs/', body: { flow_id: '{{F1}}', work_pool_name: 'nope' } },
    { id: '53 run in a missing pool queue', path: '/flow_runs/', body: { flow_id: '{{F1}}', work_pool_name: 'Test Pool', work_queue_name: 'nope' } },
    { id: '53 run of one flow with the deployment of another', path: '/flow_runs/', body: { flow_id: '{{F2}}', name: 'mixed', deployment_id: '{{D11}}' } },
    { id: '53 run of an unknown flow', path: '/flow_runs/', body: { flow_id: RANDOM_ID, name: 'x' } },
    {
      id: '54 create a deployment with a concurrency limit',
      path: '/deployments/',
      body: { name: 'api-dep', flow_id: '{{F2}}', work_pool_name: 'Test Pool', schedules: [{ schedule: { interval: 3600 } }], concurrency_limit: 3 },
      save: { API_DEP: 'id' },
    },
    { id: '54 upsert it', path: '/deployments/', body: { name: 'api-dep', flow_id: '{{F2}}', work_pool_name: 'Test Pool', description: 'upd' } },
    {
      id: '54 both concurrency limits',
      path: '/deployments/',
      body: { name: 'x', flow_id: '{{F2}}', concurrency_limit: 1, global_concurrency_limit_id: RANDOM_ID },
    },
    { id: '54 deployment name with /', path: '/deployments/', body: { name: 'a/b', flow_id: '{{F2}}' } },
    { id: '54 deployment in a missing pool', path: '/deployments/', body: { name: 'x', flow_id: '{{F2}}', work_pool_name: 'nope' } },
    { id: '55 delete D11', method: 'DELETE', path: '/deployments/{{D11}}' },
    { id: '55 R1 keeps its deployment_id', method: 'GET', path: '/flow_runs/{{R1}}' },
    count('55 runs by deployment_id', '/flow_runs/count', { flow_runs: { deployment_id: { any_: ['{{D11}}'] } } }),
    count('55 runs by deployment', '/flow_runs/count', { deployments: { id: { any_: ['{{D11}}'] } } }),
    { id: '56 delete P', method: 'DELETE', path: '/flow_runs/{{P}}' },
    { id: '56 C loses its parent task', method: 'GET', path: '/flow_runs/{{C}}' },
    count('56 task runs left', '/task_runs/count', {}),
    { id: '56 delete F3', method: 'DELETE', path: '/flows/{{F3}}' },
    count('56 runs of f-3', '/flow_runs/count', { flows: { name: { any_: ['f-3'] } } }),
    { id: '56 d-3-1 is gone', method: 'GET', path: '/deployments/{{D31}}' },
    { id: '56 delete F3 again', method: 'DELETE', path: '/flows/{{F3}}' },
  ];
}
