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
    { id: 'saved search create', method: 'PUT', path: '/saved_searches/', body: { name: 'mine', filters: [FILTER] }, save: { SS: 'id' } },
    { id: 'saved search upsert', method: 'PUT', path: '/saved_searches/', body: { name: 'mine', filters: [] } },
    { id: 'saved search read', method: 'GET', path: '/saved_searches/{{SS}}' },
    { id: 'saved search filter', path: '/saved_searches/filter', body: { limit: 5 } },
    { id: 'saved search bad body', method: 'PUT', path: '/saved_searches/', body: { filters: [{ object: 1 }], x: 1 } },
    { id: 'saved search null filters', method: 'PUT', path: '/saved_searches/', body: { name: 'c', filters: null } },
    { id: 'saved search negative limit', path: '/saved_searches/filter', body: { limit: -1 } },
    { id: 'saved search unknown', method: 'GET', path: `/saved_searches/${RANDOM_ID}` },
    { id: 'saved search delete', method: 'DELETE', path: '/saved_searches/{{SS}}' },
    { id: 'saved search delete again', method: 'DELETE', path: '/saved_searches/{{SS}}' },
    { id: 'saved search wrong method', method: 'GET', path: '/saved_searches/filter' },
    // Flow-run input.
    { id: 'input run', path: '/flow_runs/', body: { flow_id: '{{F1}}', name: 'input-run' }, save: { IR: 'id' } },
    { id: 'input create', path: '/flow_runs/{{IR}}/input', body: { key: 'k1', value: '{"a":1}', sender: 'me' } },
    { id: 'input create plain', path: '/flow_runs/{{IR}}/input', body: { key: 'k2-x', value: 'plain' } },
    { id: 'input taken key', path: '/flow_runs/{{IR}}/input', body: { key: 'k1', value: 'x' } },
    { id: 'input unknown run', path: `/flow_runs/${RANDOM_ID}/input`, body: { key: 'k1', value: 'x' } },
    { id: 'input bad fields', path: '/flow_runs/{{IR}}/input', body: { key: null, value: 1, sender: 5 } },
    { id: 'input filter', path: '/flow_runs/{{IR}}/input/filter', body: { prefix: 'k', limit: 10, exclude_keys: ['k1'] } },
    { id: 'input filter default limit', path: '/flow_runs/{{IR}}/input/filter', body: { prefix: 'k' } },
    { id: 'input filter no prefix', path: '/flow_runs/{{IR}}/input/filter', body: {} },
    { id: 'input read', method: 'GET', path: '/flow_runs/{{IR}}/input/k1' },
    { id: 'input read unknown', method: 'GET', path: '/flow_runs/{{IR}}/input/nope' },
    { id: 'input delete', method: 'DELETE', path: '/flow_runs/{{IR}}/input/k2-x' },
    { id: 'input delete again', method: 'DELETE', path: '/flow_runs/{{IR}}/input/k2-x' },
    { id: 'input wrong method', method: 'GET', path: '/flow_runs/{{IR}}/input' },
    // Template validation.
    { id: 'template valid', path: '/templates/validate', body: 'hello {{ flow.name }} {% for x in y %}{{ x|upper }}{% endfor %}' },
    { id: 'template unclosed print', path: '/templates/validate', body: 'hello {{ flow.name ' },
    { id: 'template unclosed if', path: '/templates/validate', body: '{% if x %}a' },
    { id: 'template nesting mistake', path: '/templates/validate', body: '{% if a %}{% for x in y %}{% endif %}{% endfor %}' },
    { id: 'template empty expression', path: '/templates/validate', body: 'line1\n{{ }}' },
    { id: 'template loops too deep', path: '/templates/validate', body: '{% for i in a %}{% for j in i %}{% for k in j %}{% endfor %}{% endfor %}{% endfor %}' },
    { id: 'template not a string', path: '/templates/validate', body: { template: 'x' } },
    // Wrong methods.
    { id: '405 GET bulk_delete', method: 'GET', path: '/flow_runs/bulk_delete' },
    { id: '405 PUT work_pools/filter', method: 'PUT', path: '/work_pools/filter' },
    { id: '405 GET work_queues/', method: 'GET', path: '/work_queues/' },
    // User text inside validation messages.
    { id: 'timezone with |', path: '/deployments/', body: { name: 'tz', flow_id: '{{F1}}', schedules: [{ schedule: { interval: 60, timezone: 'a|b' } }] } },
    // Parameter schemas.
    {
      id: 'parameters against a schema',
      path: '/deployments/',
      body: {
        name: 'schema-dep',
        flow_id: '{{F1}}',
        enforce_parameter_schema: true,
        parameter_openapi_schema: { type: 'object', properties: { o: { $ref: '#/definitions/O' } }, definitions: { O: { type: 'object', properties: { k: { type: 'boolean' } } } } },
        parameters: { o: { k: 1 } },
      },
    },
  ];
}
