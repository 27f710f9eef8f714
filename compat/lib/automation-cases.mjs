// @ts-check
// Automations (/automations): create with every trigger and action type, read, filter, count, replace,
// enable/disable, related-to, owned-by, delete, templates/validate, and the 422s of bad triggers and
// actions (compared by `type` and `loc`). Jinja here uses `{% %}` only: `{{…}}` are the cases' own variables.

/** @typedef {import('./engine.mjs').Case} Case */

const ZERO = '00000000-0000-0000-0000-000000000000';
const trigger = { posture: 'Reactive', expect: ['prefect.flow-run.Failed'], match: { 'prefect.resource.id': 'prefect.flow-run.*' } };

/** @returns {Case[]} */
export function automationCases() {
  const create = (/** @type {string} */ id, /** @type {Record<string, unknown>} */ body, /** @type {Record<string, string>} */ save = {}) => ({
    id: `automations: ${id}`,
    path: '/automations/',
    body: { name: 'auto', trigger, actions: [{ type: 'do-nothing' }], ...body },
    save,
  });
  const q = (/** @type {string} */ id, /** @type {Partial<Case> & { path: string }} */ c) => ({ id: `automations: ${id}`, ...c });
  return [
    create('create, every action type', {
      name: 'auto-all',
      tags: ['t1'],
      owner_resource: 'prefect.deployment.{{D11}}',
      trigger: {
        type: 'compound',
        require: 'any',
        within: 60,
        triggers: [
          { posture: 'Proactive', expect: ['x'], after: ['w'], for_each: ['prefect.resource.id'] },
          { type: 'sequence', within: 'PT5M', triggers: [{ posture: 'Reactive', expect: ['y'], threshold: 3, within: '00:01:00', match_related: [{ 'prefect.resource.role': 'flow' }] }] },
        ],
      },
      actions: [
        { type: 'do-nothing' },
        { type: 'run-deployment', deployment_id: '{{D11}}', parameters: { a: '{% if event %}x{% endif %}' }, schedule_after: 30 },
        { type: 'run-deployment', source: 'inferred' },
        { type: 'pause-deployment', source: 'inferred' },
        { type: 'resume-deployment', deployment_id: '{{D11}}' },
        { type: 'cancel-flow-run' },
        { type: 'suspend-flow-run' },
        { type: 'resume-flow-run' },
        { type: 'delete-flow-run' },
        { type: 'change-flow-run-state', state: 'CANCELLED', message: 'm', force: true },
        { type: 'pause-work-queue', source: 'inferred' },
        { type: 'resume-work-queue', work_queue_id: ZERO },
        { type: 'pause-work-pool', work_pool_id: ZERO },
        { type: 'resume-work-pool', source: 'inferred' },
        { type: 'pause-automation', source: 'inferred' },
        { type: 'resume-automation', automation_id: ZERO },
        { type: 'call-webhook', block_document_id: ZERO, payload: '{% for r in event.related %}{% endfor %}' },
        { type: 'send-notification', block_document_id: ZERO, body: 'Run {% if flow_run %}failed{% endif %}' },
      ],
      actions_on_trigger: [{ type: 'do-nothing' }],
    }, { AUTO_ALL: 'id' }),
    create('create, minimal', { name: 'auto-min' }, { AUTO_MIN: 'id' }),
    q('read', { method: 'GET', path: '/automations/{{AUTO_ALL}}' }),
    q('read unknown', { method: 'GET', path: `/automations/${ZERO}` }),
    q('filter', { path: '/automations/filter', body: { automations: { name: { any_: ['auto-all', 'auto-min'] } } } }),
    q('filter by tag, sorted', { path: '/automations/filter', body: { sort: 'CREATED_DESC', automations: { tags: { all_: ['t1'] } } } }),
    q('filter sort enum', { path: '/automations/filter', body: { sort: 'name_asc' } }),
    q('count', { path: '/automations/count', body: { automations: { name: { any_: ['auto-all', 'auto-min'] } } } }),
    q('related-to the deployment', { method: 'GET', path: '/automations/related-to/prefect.deployment.{{D11}}' }),
    q('replace', { method: 'PUT', path: '/automations/{{AUTO_MIN}}', body: { name: 'auto-min', description: 'd', trigger: { posture: 'Reactive' }, actions: [] } }),
    q('read replaced', { method: 'GET', path: '/automations/{{AUTO_MIN}}' }),
    q('replace unknown', { method: 'PUT', path: `/automations/${ZERO}`, body: { name: 'x', trigger: { posture: 'Reactive' }, actions: [] } }),
    q('disable', { method: 'PATCH', path: '/automations/{{AUTO_MIN}}', body: { enabled: false } }),
    q('patch extra key', { method: 'PATCH', path: '/automations/{{AUTO_MIN}}', body: { enabled: false, name: 'x' } }),
    q('patch unknown', { method: 'PATCH', path: `/automations/${ZERO}`, body: { enabled: true } }),
    create('missing posture', { trigger: { expect: ['x'] } }),
    create('proactive within 5 s', { trigger: { posture: 'Proactive', within: 5 } }),
    create('within null', { trigger: { posture: 'Reactive', within: null } }),
    create('negative within', { trigger: { posture: 'Reactive', within: -1 } }),
    create('run-deployment without deployment', { actions: [{ type: 'run-deployment' }] }),
    create('inferred with an id', { actions: [{ type: 'pause-work-pool', source: 'inferred', work_pool_id: ZERO }] }),
    create('require above the triggers', { trigger: { type: 'compound', require: 2, within: null, triggers: [{ posture: 'Reactive' }] } }),
    create('inferred run-deployment loop', { trigger: { posture: 'Reactive', expect: ['prefect.flow-run.Running'] }, actions: [{ type: 'run-deployment', source: 'inferred' }] }),
    create('extra key', { foo: 1 }),
    create('job variables of an unknown deployment', { actions: [{ type: 'run-deployment', deployment_id: ZERO, job_variables: { a: 1 } }] }),
    q('templates/validate ok', { path: '/automations/templates/validate', body: '{% if flow_run %}x{% endif %}' }),
    q('templates/validate not a string', { path: '/automations/templates/validate', body: { template: 'x' } }),
    q('owned-by the deployment', { method: 'DELETE', path: '/automations/owned-by/prefect.deployment.{{D11}}' }),
    q('owned automation is gone', { method: 'GET', path: '/automations/{{AUTO_ALL}}' }),
    q('delete', { method: 'DELETE', path: '/automations/{{AUTO_MIN}}' }),
    q('delete again', { method: 'DELETE', path: '/automations/{{AUTO_MIN}}' }),
  ];
}
