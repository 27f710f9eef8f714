// @ts-check
// The events automations emit: the same automation fires on both servers, and the events each stored are
// read back and compared after normalisation (ids named where they first appear, times hidden):
// prefect.automation.created, .triggered, and per action .action.triggered and .action.executed or
// .action.failed, with their resources, related resources, payloads and `follows`.
//
// The first automation reacts to a custom event with `for_each` on its resource, and has four actions:
// do-nothing, pause-deployment (executed, related to its target), run-deployment (executed, related to the
// run it created) and cancel-flow-run inferred from an event that is not a flow run's (failed, with the
// reason). The second reacts to a server-side event, a flow run's Failed state, and changes that run's
// state, resumes the deployment and pauses the first automation.
// Prefect evaluates triggers and runs actions in background services (enabled for this in
// compat/lib/prefect.mjs), ours right after the request that stored the event, so the reads wait
// (`delay`, then `settle`). Jinja here uses `{% %}` only: `{{…}}` are the cases' own variables.

/** @typedef {import('./engine.mjs').Case} Case */

/** @returns {Case[]} */
export function automationEventCases() {
  // One id for the triggering event on both servers, new each run (each server stores it once).
  const triggeringId = crypto.randomUUID();
  const since = { since: '{{NOW_MINUS_5M}}', until: '{{NOW_PLUS_1D}}' };
  /** @type {(id: string, names: string[], extra?: Partial<Case>) => Case} */
  const read = (id, names, extra = {}) => ({
    id: `autoev ${id}`,
    path: '/events/filter',
    body: { filter: { occurred: since, any_resource: { id: ['prefect.automation.{{AE}}'] }, event: { name: names }, order: 'ASC' }, limit: 50 },
    omit: ['next_page'],
    // Ordered by (occurred, id); ids differ per server, and a firing's action events share their time.
    order: 'set',
    ...extra,
  });
  return [
    { id: 'autoev setup: flow', path: '/flows/', body: { name: 'autoev-flow' }, save: { AEF: 'id' } },
    { id: 'autoev setup: deployment to run', path: '/deployments/', body: { name: 'autoev-run', flow_id: '{{AEF}}' }, save: { AED_RUN: 'id' } },
    { id: 'autoev setup: deployment to pause', path: '/deployments/', body: { name: 'autoev-pause', flow_id: '{{AEF}}' }, save: { AED_PAUSE: 'id' } },
    {
      id: 'autoev create the automation',
      path: '/automations/',
      body: {
        name: 'autoev',
        description: 'fires on autoev.go',
        tags: ['autoev'],
        trigger: { posture: 'Reactive', expect: ['autoev.go'], for_each: ['prefect.resource.id'] },
        actions: [
          { type: 'do-nothing' },
          { type: 'pause-deployment', deployment_id: '{{AED_PAUSE}}' },
          { type: 'run-deployment', deployment_id: '{{AED_RUN}}', parameters: { why: '{% if event %}fired{% endif %}' } },
          { type: 'cancel-flow-run' },
        ],
      },
      save: { AE: 'id' },
    },
    {
      id: 'autoev the triggering event',
      path: '/events',
      // Prefect's triggers service learns of a new automation through a notification: give it a moment.
      delay: 2_000,
      body: [
        {
          id: triggeringId,
          occurred: '{{NOW}}',
          event: 'autoev.go',
          resource: { 'prefect.resource.id': 'autoev.thing.1', 'prefect.resource.name': 'thing' },
          related: [{ 'prefect.resource.id': 'prefect.flow.{{AEF}}', 'prefect.resource.role': 'flow' }],
          payload: { n: 1 },
        },
      ],
    },
    // Every event of the automation, once both servers are done (the count settles).
    read(
      'all events of the automation',
      ['prefect.automation.created', 'prefect.automation.triggered', 'prefect.automation.action.triggered', 'prefect.automation.action.executed', 'prefect.automation.action.failed'],
      { delay: 3_000, settle: true, mask: ['prefect.resource.name'] },
    ),
    read('automation.created', ['prefect.automation.created']),
    read('automation.triggered', ['prefect.automation.triggered']),
    // Both name the run the run-deployment action created, which has a random name on each server.
    read('action.triggered', ['prefect.automation.action.triggered'], { mask: ['prefect.resource.name'] }),
    read('action.executed', ['prefect.automation.action.executed'], { mask: ['prefect.resource.name'] }),
    read('action.failed', ['prefect.automation.action.failed']),
    // What the actions did, read through the API.
    { id: 'autoev paused deployment', method: 'GET', path: '/deployments/{{AED_PAUSE}}' },
    { id: 'autoev run created by the automation', path: '/flow_runs/filter', body: { deployments: { id: { any_: ['{{AED_RUN}}'] } } }, mask: ['name'] },

    // A server-side event as the trigger: a flow run of the flow fails; the actions change that run's
    // state (inferred from the event), resume the paused deployment and pause the first automation.
    {
      id: 'autoev create the flow-run automation',
      path: '/automations/',
      body: {
        name: 'autoev-runs',
        trigger: { posture: 'Reactive', expect: ['prefect.flow-run.Failed'], match_related: { 'prefect.resource.id': 'prefect.flow.{{AEF}}' } },
        actions: [
          { type: 'change-flow-run-state', state: 'CANCELLED', message: 'cancelled by autoev-runs' },
          { type: 'resume-deployment', deployment_id: '{{AED_PAUSE}}' },
          { type: 'pause-automation', automation_id: '{{AE}}' },
        ],
      },
      save: { AE2: 'id' },
    },
    { id: 'autoev a run that fails', path: '/flow_runs/', delay: 2_000, body: { flow_id: '{{AEF}}', name: 'autoev-failing', state: { type: 'RUNNING' } }, save: { AER: 'id' } },
    { id: 'autoev the run fails', path: '/flow_runs/{{AER}}/set_state', body: { state: { type: 'FAILED', message: 'boom' } } },
    {
      id: 'autoev events of the flow-run automation',
      path: '/events/filter',
      body: { filter: { occurred: since, any_resource: { id: ['prefect.automation.{{AE2}}'] }, order: 'ASC' }, limit: 50 },
      omit: ['next_page'],
      order: 'set',
      delay: 3_000,
      settle: true,
    },
    { id: 'autoev the run, changed by the action', method: 'GET', path: '/flow_runs/{{AER}}' },
    { id: 'autoev the resumed deployment', method: 'GET', path: '/deployments/{{AED_PAUSE}}' },
    { id: 'autoev the paused automation', method: 'GET', path: '/automations/{{AE}}' },
  ];
}
