// @ts-check
// Saved searches, flow-run input, template validation, wrong methods and error shapes (the
// "rest of the REST API" families). They create their own rows, so they may run after the writes.

import { RANDOM_ID } from './read-cases.mjs';

/** @typedef {import('./engine.mjs').Case} Case */

const FILTER = { object: 'flow', property: 'name', type: 'string', operation: 'equals', value: 'x' };

/** @returns {Case[]} */
export function familyCases() {
  return [
    // Saved searches.
    { id: 'rest · saved search create', method: 'PUT', path: '/saved_searches/', body: { name: 'mine', filters: [FILTER] }, save: { SS: 'id' } },
    { id: 'rest · saved search upsert', method: 'PUT', path: '/saved_searches/', body: { name: 'mine', filters: [] } },
    { id: 'rest · saved search read', method: 'GET', path: '/saved_searches/{{SS}}' },
    { id: 'rest · saved search filter', path: '/saved_searches/filter', body: { limit: 5 } },
    { id: 'rest · saved search bad body', method: 'PUT', path: '/saved_searches/', body: { filters: [{ object: 1 }], x: 1 } },
    { id: 'rest · saved search null filters', method: 'PUT', path: '/saved_searches/', body: { name: 'c', filters: null } },
    { id: 'rest · saved search negative limit', path: '/saved_searches/filter', body: { limit: -1 } },
    { id: 'rest · saved search unknown', method: 'GET', path: `/saved_searches/${RANDOM_ID}` },
    { id: 'rest · saved search delete', method: 'DELETE', path: '/saved_searches/{{SS}}' },
    { id: 'rest · saved search delete again', method: 'DELETE', path: '/saved_searches/{{SS}}' },
    { id: 'rest · saved search wrong method', method: 'GET', path: '/saved_searches/filter' },
    // Flow-run input.
    { id: 'rest · input run', path: '/flow_runs/', body: { flow_id: '{{F1}}', name: 'input-run' }, save: { IR: 'id' } },
    { id: 'rest · input create', path: '/flow_runs/{{IR}}/input', body: { key: 'k1', value: '{"a":1}', sender: 'me' } },
    { id: 'rest · input create plain', path: '/flow_runs/{{IR}}/input', body: { key: 'k2-x', value: 'plain' } },
    { id: 'rest · input taken key', path: '/flow_runs/{{IR}}/input', body: { key: 'k1', value: 'x' } },
    { id: 'rest · input unknown run', path: `/flow_runs/${RANDOM_ID}/input`, body: { key: 'k1', value: 'x' } },
    { id: 'rest · input bad fields', path: '/flow_runs/{{IR}}/input', body: { key: null, value: 1, sender: 5 } },
    { id: 'rest · input filter', path: '/flow_runs/{{IR}}/input/filter', body: { prefix: 'k', limit: 10, exclude_keys: ['k1'] } },
    { id: 'rest · input filter default limit', path: '/flow_runs/{{IR}}/input/filter', body: { prefix: 'k' } },
    { id: 'rest · input filter no prefix', path: '/flow_runs/{{IR}}/input/filter', body: {} },
    { id: 'rest · input read', method: 'GET', path: '/flow_runs/{{IR}}/input/k1' },
    { id: 'rest · input read unknown', method: 'GET', path: '/flow_runs/{{IR}}/input/nope' },
    { id: 'rest · input delete', method: 'DELETE', path: '/flow_runs/{{IR}}/input/k2-x' },
    { id: 'rest · input delete again', method: 'DELETE', path: '/flow_runs/{{IR}}/input/k2-x' },
    { id: 'rest · input wrong method', method: 'GET', path: '/flow_runs/{{IR}}/input' },
    // Template validation (raw bodies: `{{ }}` would be read as the engine's own templates).
    { id: 'rest · template valid', path: '/templates/validate', rawBody: JSON.stringify('hello {{ flow.name }} {% for x in y %}{{ x|upper }}{% endfor %}') },
    { id: 'rest · template unclosed print', path: '/templates/validate', rawBody: JSON.stringify('hello {{ flow.name ') },
    { id: 'rest · template unclosed if', path: '/templates/validate', rawBody: JSON.stringify('{% if x %}a') },
    { id: 'rest · template nesting mistake', path: '/templates/validate', rawBody: JSON.stringify('{% if a %}{% for x in y %}{% endif %}{% endfor %}') },
    { id: 'rest · template empty expression', path: '/templates/validate', rawBody: JSON.stringify('line1\n{{ }}') },
    { id: 'rest · template loops too deep', path: '/templates/validate', rawBody: JSON.stringify('{% for i in a %}{% for j in i %}{% for k in j %}{% endfor %}{% endfor %}{% endfor %}') },
    { id: 'rest · template not a string', path: '/templates/validate', body: { template: 'x' } },
    // Wrong methods.
    { id: 'rest · 405 GET bulk_delete', method: 'GET', path: '/flow_runs/bulk_delete' },
    { id: 'rest · 405 PUT work_pools/filter', method: 'PUT', path: '/work_pools/filter' },
    { id: 'rest · 405 GET work_queues/', method: 'GET', path: '/work_queues/' },
    // Parameter schemas.
    {
      id: 'rest · parameters against a schema',
      path: '/deployments/',
      body: {
        name: 'schema-dep',
        flow_id: '{{F1}}',
        enforce_parameter_schema: true,
        parameter_openapi_schema: { type: 'object', properties: { o: { $ref: '#/definitions/O' } }, definitions: { O: { type: 'object', properties: { k: { type: 'boolean' } } } } },
        parameters: { o: { k: 1 } },
      },
    },
    // Job variables against the pool's `variables` schema (create 422, PATCH naming the pool 409, runs 422).
    { id: 'rest · job vars pool', path: '/work_pools/', body: { name: 'jv-pool', type: 'process', base_job_template: JOB_TEMPLATE } },
    { id: 'rest · job vars pool bad default', path: '/work_pools/', body: { name: 'jv-bad', type: 'process', base_job_template: { job_configuration: { command: 'echo' }, variables: { type: 'object', properties: { n: { type: 'integer', default: 'x' } } } } } },
    { id: 'rest · job vars deployment', path: '/deployments/', body: { name: 'jv-dep', flow_id: '{{F1}}', work_pool_name: 'jv-pool', job_variables: { image: 'x', count: null } }, save: { JVD: 'id' } },
    { id: 'rest · job vars deployment bad', path: '/deployments/', body: { name: 'jv-bad', flow_id: '{{F1}}', work_pool_name: 'jv-pool', job_variables: { count: 'abc', env: { 'a b': 1 } } } },
    { id: 'rest · job vars patch without pool', method: 'PATCH', path: '/deployments/{{JVD}}', body: { job_variables: { count: 'abc' } } },
    { id: 'rest · job vars patch with pool', method: 'PATCH', path: '/deployments/{{JVD}}', body: { work_pool_name: 'jv-pool', job_variables: { image: null } } },
    { id: 'rest · job vars patch fits', method: 'PATCH', path: '/deployments/{{JVD}}', body: { work_pool_name: 'jv-pool', job_variables: { image: 'y' } } },
    { id: 'rest · job vars run missing required', path: '/deployments/{{JVD}}/create_flow_run', body: {} },
    { id: 'rest · job vars run nested', path: '/deployments/{{JVD}}/create_flow_run', body: { job_variables: { req: 'r', opts: { a: 'z' } } } },
    { id: 'rest · job vars bulk', path: '/deployments/{{JVD}}/create_flow_run/bulk', body: [{ job_variables: { req: null } }, { job_variables: { req: 'r', env: { k: 2 } } }] },
  ];
}

/** A process pool's template whose variables have defaults, a required field and nested objects. */
const JOB_TEMPLATE = {
  job_configuration: { command: 'echo' },
  variables: {
    type: 'object',
    properties: {
      image: { type: 'string', default: 'python' },
      count: { type: 'integer' },
      req: { type: 'string' },
      env: { type: 'object', additionalProperties: { type: 'string' } },
      opts: { type: 'object', properties: { a: { type: 'integer' } }, required: ['a'] },
    },
    required: ['req'],
  },
};
