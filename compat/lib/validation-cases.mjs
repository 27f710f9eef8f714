// @ts-check
// Bad and borderline input on the read endpoints: §5.2 cases 49–50 and the conventions of §0
// (body shapes, lax coercions, error shapes, headers). 422 bodies are compared by `type` and `loc`.

/** @typedef {import('./engine.mjs').Case} Case */

/** @returns {Case} */
const q = (/** @type {string} */ id, /** @type {string} */ path, /** @type {unknown} */ body) => ({ id, path, body });
const runs = (/** @type {string} */ id, /** @type {unknown} */ body) => q(id, '/flow_runs/count', body);

/** @returns {Case[]} */
export function validationCases() {
  return [
    q('49 limit 201', '/flow_runs/filter', { limit: 201 }),
    q('49 limit -1', '/flow_runs/filter', { limit: -1 }),
    q('49 limit "5"', '/flow_runs/filter', { limit: '5', sort: 'NAME_ASC' }),
    q('49 limit "abc"', '/flow_runs/filter', { limit: 'abc' }),
    q('49 offset -1', '/flow_runs/filter', { offset: -1 }),
    q('49 paginate page 0', '/flow_runs/paginate', { page: 0 }),
    q('49 limit 5.0', '/flows/filter', { limit: 5.0 }),
    q('49 limit 5.5', '/flows/filter', { limit: 5.5 }),
    q('49 limit true', '/flows/filter', { limit: true }),
    q('49 limit null', '/flows/filter', { limit: null }),
    q('49 task_runs/paginate limit 201', '/task_runs/paginate', { limit: 201 }),
    q('49 deployments/paginate page "x"', '/deployments/paginate', { page: 'x' }),
    runs('50 extra key in filter', { flow_runs: { foo: 1 } }),
    runs('50 unknown top-level key', { foo: 1 }),
    runs('50 operator on a leaf', { flow_runs: { id: { operator: 'or_' } } }),
    runs('50 uuid_parsing', { flow_runs: { id: { any_: ['not-a-uuid'] } } }),
    q('50 sort enum', '/flow_runs/filter', { sort: 'name_asc' }),
    runs('50 state type enum', { flow_runs: { state: { type: { any_: ['completed'] } } } }),
    runs('50 list_type', { flow_runs: { name: { any_: 'x' } } }),
    runs('operator null inside a filter', { flow_runs: { operator: null } }),
    runs('operator AND', { flow_runs: { operator: 'AND' } }),
    runs('filter is a list', { flow_runs: [] }),
    runs('filter key null', { flow_runs: null }),
    runs('string_type in any_', { flow_runs: { name: { any_: [1] } } }),
    runs('null in any_', { flow_runs: { name: { any_: [null] } } }),
    runs('datetime "yesterday"', { flow_runs: { start_time: { after_: 'yesterday' } } }),
    runs('datetime date only', { flow_runs: { start_time: { after_: '2000-01-01' } } }),
    runs('datetime unix seconds', { flow_runs: { start_time: { after_: 946684800 } } }),
    runs('datetime space separator', { flow_runs: { start_time: { after_: '2000-01-01 00:00:00+0000' } } }),
    q('uuid with braces and urn', '/flows/count', { flows: { id: { any_: ['{{F1.braced}}', 'urn:uuid:{{F2}}', '{{F1.upper}}'] } } }),
    q('bool "yes"', '/deployments/count', { deployments: { paused: { eq_: 'yes' } } }),
    q('bool 2', '/deployments/count', { deployments: { paused: { eq_: 2 } } }),
    q('tags all_ a string', '/flows/count', { flows: { tags: { all_: 'db' } } }),
    q('deployment sort enum', '/deployments/filter', { sort: 'name_asc' }),
    q('task_runs ignores work_pools', '/task_runs/count', { work_pools: { name: { any_: ['nope'] } } }),
    q('work_pools/count extra key', '/work_pools/count', { work_pools: { foo: 1 } }),
    q('work_queues/filter extra key', '/work_queues/filter', { work_queues: { foo: 1 } }),
    ...moreValidationCases(),
    { id: 'body invalid JSON', path: '/flow_runs/count', rawBody: '{"limit": ' },
    { id: 'body is a JSON array', path: '/flow_runs/count', rawBody: '[]' },
    { id: 'body is null', path: '/flow_runs/count', rawBody: 'null' },
    { id: 'body is empty', path: '/flow_runs/count', rawBody: '' },
    { id: 'no content type', path: '/flows/count', rawBody: '{"flows":{"name":{"any_":["f-1"]}}}', noContentType: true },
    { id: 'content type text/plain', path: '/flows/count', rawBody: '{"flows":{"name":{"any_":["f-1"]}}}', headers: { 'content-type': 'text/plain' } },
    { id: 'api version abc', path: '/flows/count', body: {}, headers: { 'x-prefect-api-version': 'abc' } },
    { id: 'api version 0.7.9', path: '/flows/count', body: {}, headers: { 'x-prefect-api-version': '0.7.9' } },
    { id: 'api version 0.8.4', path: '/flows/count', body: {}, headers: { 'x-prefect-api-version': '0.8.4' } },
    // Changed in Prefect 3.9.1.
    q('state_details null', '/flow_runs/{{R1}}/set_state', { state: { type: 'RUNNING', state_details: null } }),
    q('lease renew: non-UUID lease id', '/v2/concurrency_limits/leases/abc/renew', { lease_duration: 300 }),
    q('lease renew: lease_duration 59', '/v2/concurrency_limits/leases/7c0e3a4e-96a6-4d36-9c8c-000000000000/renew', { lease_duration: 59 }),
    q('lease renew: lease_duration 86401', '/v2/concurrency_limits/leases/7c0e3a4e-96a6-4d36-9c8c-000000000000/renew', { lease_duration: 86401 }),
    q('lease renew: unknown lease', '/v2/concurrency_limits/leases/7c0e3a4e-96a6-4d36-9c8c-000000000000/renew', { lease_duration: null }),
    { id: 'GET on a count route', method: 'GET', path: '/flows/count' },
    { id: 'DELETE on a filter route', method: 'DELETE', path: '/deployments/filter' },
    { id: 'unknown route', method: 'GET', path: '/nope' },
    { id: 'unknown route with api version abc', method: 'GET', path: '/nope', headers: { 'x-prefect-api-version': 'abc' } },
    { id: 'PUT on a flow', method: 'PUT', path: '/flows/{{F1}}', body: {} },
    { id: 'filter with trailing slash', path: '/flows/filter/', body: {} },
  ];
}

/** Nested values of every kind in the filter models. */
function moreValidationCases() {
  return [
    runs('more validation: like_ a number', { flow_runs: { name: { like_: 1 } } }),
    runs('more validation: like_ null', { flow_runs: { name: { like_: null } } }),
    runs('more validation: any_ null', { flow_runs: { state: { type: { any_: null } } } }),
    runs('more validation: bad month', { flow_runs: { start_time: { before_: '2000-13-01' } } }),
    runs('more validation: offset in a datetime', { flow_runs: { start_time: { before_: '2000-01-01T00:00:00+25:00' } } }),
    runs('more validation: is_null_ "yes"', { flow_runs: { tags: { all_: ['db'], is_null_: 'yes' } } }),
    runs('more validation: is_null_ 2', { flow_runs: { tags: { is_null_: 2 } } }),
    runs('more validation: exists_ on a run', { flow_runs: { subflow_runs: { exists_: true } } }),
    runs('more validation: created_by', { flow_runs: { created_by: { id_: ['{{F1}}'], type_: ['x'] } } }),
    runs('more validation: created_by bad uuid', { flow_runs: { created_by: { id_: ['x'] } } }),
    runs('more validation: work_pools name any_ []', { work_pools: { name: { any_: [] } } }),
    runs('more validation: deep extra key', { deployments: { tags: { all_: [], foo: 1 } } }),
    runs('more validation: two errors', { flow_runs: { id: { any_: ['x', 'y'] }, name: { any_: 'x' } } }),
    q('more validation: offset "2"', '/flows/filter', { offset: '2' }),
    q('more validation: sort null', '/flows/filter', { sort: null }),
    q('more validation: page "2"', '/flows/paginate', { page: '2', limit: 2 }),
    q('more validation: page 1.5', '/flows/paginate', { page: 1.5 }),
    q('more validation: flow_or_deployment_name extra', '/deployments/count', { deployments: { flow_or_deployment_name: { any_: ['x'] } } }),
    q('more validation: work_queue_name startswith_', '/deployments/count', { deployments: { work_queue_name: { startswith_: ['test'] } } }),
    q('more validation: paused eq_ "false"', '/deployments/count', { deployments: { paused: { eq_: 'false' } } }),
    q('more validation: concurrency_limit value', '/deployments/count', { deployments: { concurrency_limit: { ge_: 'x' } } }),
    q('more validation: task flow_run_id bad', '/task_runs/count', { task_runs: { flow_run_id: { any_: ['x'] } } }),
    q('more validation: task state type enum', '/task_runs/count', { task_runs: { state: { type: { any_: ['DONE'] } } } }),
    q('more validation: flows deployment is_null_ null', '/flows/count', { flows: { deployment: { is_null_: null } } }),
    q('more validation: work pool type like_', '/work_pools/count', { work_pools: { type: { like_: 'agent' } } }),
    q('more validation: queue filter on a pool', '/work_pools/Test%20Pool/queues/filter', { work_queues: { name: { any_: 'default' } } }),
    q('more validation: limit on work_pools/count', '/work_pools/count', { limit: 'x' }),
  ];
}
