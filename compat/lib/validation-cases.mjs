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
    { id: 'body invalid JSON', path: '/flow_runs/count', rawBody: '{"limit": ' },
    { id: 'body is a JSON array', path: '/flow_runs/count', rawBody: '[]' },
    { id: 'body is null', path: '/flow_runs/count', rawBody: 'null' },
    { id: 'body is empty', path: '/flow_runs/count', rawBody: '' },
    { id: 'no content type', path: '/flows/count', rawBody: '{"flows":{"name":{"any_":["f-1"]}}}', noContentType: true },
    { id: 'content type text/plain', path: '/flows/count', rawBody: '{"flows":{"name":{"any_":["f-1"]}}}', headers: { 'content-type': 'text/plain' } },
    { id: 'api version abc', path: '/flows/count', body: {}, headers: { 'x-prefect-api-version': 'abc' } },
    { id: 'api version 0.7.9', path: '/flows/count', body: {}, headers: { 'x-prefect-api-version': '0.7.9' } },
    { id: 'api version 0.8.4', path: '/flows/count', body: {}, headers: { 'x-prefect-api-version': '0.8.4' } },
    { id: 'GET on a count route', method: 'GET', path: '/flows/count' },
    { id: 'DELETE on a filter route', method: 'DELETE', path: '/deployments/filter' },
    { id: 'unknown route', method: 'GET', path: '/nope' },
    { id: 'unknown route with api version abc', method: 'GET', path: '/nope', headers: { 'x-prefect-api-version': 'abc' } },
    { id: 'PUT on a flow', method: 'PUT', path: '/flows/{{F1}}', body: {} },
    { id: 'filter with trailing slash', path: '/flows/filter/', body: {} },
  ];
}
