// @ts-check
// Events: the same requests on both servers, then the events each emitted, read back through
// /events/filter and /events/count-by/{day,time,event,resource}. Covers a flow run's whole life
// (created from a deployment, pending, running, completed; failed; a retry; cancelling and cancelled; a
// pause and its resume), and a pool's, a queue's and a deployment's events (created, status, updated,
// deleted). Prefect persists events in the background a few seconds after the request, so the first
// read waits (`settle`) until Prefect's count stops growing; ours are written with the request.
// All of it happens under the flow `events-flow` and the pool `events-pool`, after the other cases.

/** @typedef {import('./engine.mjs').Case} Case */

/** @returns {Case[]} */
export function eventCases() {
  /** @type {(id: string, key: string, state: Record<string, unknown>, extra?: Record<string, unknown>) => Case} */
  const setState = (id, key, state, extra = {}) => ({ id: `ev ${id}`, path: `/flow_runs/{{${key}}}/set_state`, body: { state, ...extra } });
  /** @type {(id: string, name: string, extra?: Record<string, unknown>) => Case} */
  const run = (id, name, extra = {}) => ({
    id: `ev ${id}`,
    path: '/flow_runs/',
    body: { flow_id: '{{EF}}', name, tags: ['ev'], state: { type: 'PENDING' }, ...extra },
    save: { [name.toUpperCase().replace(/-/g, '_')]: 'id' },
  });
  // The pool, queues and deployment below (and so the flow runs of the deployment). Not the flows: their
  // lifecycle events (prefect.flow.created, …) are read by the lifecycle cases at the end.
  const anyResource = { id: ['prefect.work-pool.{{EP}}', 'prefect.work-queue.{{EQ}}', 'prefect.work-queue.{{EPQ}}', 'prefect.deployment.{{ED}}'] };
  const since = { since: '{{NOW_MINUS_5M}}', until: '{{NOW_PLUS_1D}}' };
  const filter = { occurred: since, any_resource: anyResource, order: 'ASC' };
  const flowRuns = { occurred: since, related: { id: ['prefect.flow.{{EF}}'] }, event: { prefix: ['prefect.flow-run.'] }, order: 'ASC' };
  /** @type {(what: string, ids: string[]) => Case} */
  const lifecycleRead = (what, ids) => ({
    id: `ev lifecycle: ${what} events`,
    path: '/events/filter',
    body: { filter: { occurred: since, resource: { id: ids }, order: 'ASC' } },
    order: 'list',
    settle: true,
  });
  return [
    { id: 'ev setup: flow', path: '/flows/', body: { name: 'events-flow' }, save: { EF: 'id' } },
    { id: 'ev pool created', path: '/work_pools/', body: { name: 'events-pool', type: 'process' }, save: { EP: 'id', EPQ: 'default_queue_id' } },
    { id: 'ev queue created', path: '/work_pools/events-pool/queues', body: { name: 'eq', priority: 2 }, save: { EQ: 'id' } },
    {
      id: 'ev deployment created',
      path: '/deployments/',
      body: { name: 'events-dep', flow_id: '{{EF}}', work_pool_name: 'events-pool', work_queue_name: 'eq', tags: ['ev'] },
      save: { ED: 'id' },
    },
    { id: 'ev worker heartbeat', path: '/work_pools/events-pool/workers/heartbeat', body: { name: 'w1' } },
    { id: 'ev worker poll', path: '/work_pools/events-pool/get_scheduled_flow_runs', body: { work_queue_names: ['eq'] } },
    { id: 'ev pool updated', method: 'PATCH', path: '/work_pools/events-pool', body: { description: 'pool d', concurrency_limit: 5 } },
    { id: 'ev queue updated', method: 'PATCH', path: '/work_pools/events-pool/queues/eq', body: { priority: 3, description: 'q d' } },
    { id: 'ev queue paused', method: 'PATCH', path: '/work_pools/events-pool/queues/eq', body: { is_paused: true } },
    { id: 'ev queue unpaused', method: 'PATCH', path: '/work_pools/events-pool/queues/eq', body: { is_paused: false } },
    { id: 'ev deployment updated', method: 'PATCH', path: '/deployments/{{ED}}', body: { description: 'dep d', tags: ['ev', 'x'], version: '2' } },
    {
      id: 'ev deployment upserted',
      path: '/deployments/',
      body: { name: 'events-dep', flow_id: '{{EF}}', work_pool_name: 'events-pool', work_queue_name: 'eq', tags: ['ev'] },
    },

    // A run from the deployment: scheduled, pending, running, completed.
    { id: 'ev run from deployment', path: '/deployments/{{ED}}/create_flow_run', body: { name: 'ev-dep-run' }, save: { EV_DEP_RUN: 'id' } },
    setState('dep run pending', 'EV_DEP_RUN', { type: 'PENDING' }),
    setState('dep run running', 'EV_DEP_RUN', { type: 'RUNNING' }),
    setState('dep run completed', 'EV_DEP_RUN', { type: 'COMPLETED', message: 'done' }),
    // A failure, a retry, a cancellation and a pause.
    run('failing run', 'ev-failing'),
    setState('failing run running', 'EV_FAILING', { type: 'RUNNING' }),
    setState('failing run failed', 'EV_FAILING', { type: 'FAILED', message: 'boom' }),
    run('retried run', 'ev-retried', { empirical_policy: { retries: 1, retry_delay: 0 } }),
    setState('retried run running', 'EV_RETRIED', { type: 'RUNNING' }),
    setState('retried run fails into a retry', 'EV_RETRIED', { type: 'FAILED' }),
    setState('retried run runs again', 'EV_RETRIED', { type: 'RUNNING' }),
    setState('retried run completed', 'EV_RETRIED', { type: 'COMPLETED' }),
    run('cancelled run', 'ev-cancelled'),
    setState('cancelled run running', 'EV_CANCELLED', { type: 'RUNNING' }),
    setState('cancelled run cancelling', 'EV_CANCELLED', { type: 'CANCELLING' }),
    setState('cancelled run cancelled', 'EV_CANCELLED', { type: 'CANCELLED' }),
    run('paused run', 'ev-paused'),
    setState('paused run running', 'EV_PAUSED', { type: 'RUNNING' }),
    setState('paused run paused', 'EV_PAUSED', { type: 'PAUSED', state_details: { pause_timeout: '{{NOW_PLUS_1D}}', pause_key: 'k1' } }),
    { id: 'ev paused run resumed', path: '/flow_runs/{{EV_PAUSED}}/resume', body: {} },
    setState('paused run running again', 'EV_PAUSED', { type: 'RUNNING' }),
    setState('paused run completed', 'EV_PAUSED', { type: 'COMPLETED' }),

    // Deletions last: the queue, then the deployment.
    { id: 'ev queue deleted', method: 'DELETE', path: '/work_pools/events-pool/queues/eq' },
    { id: 'ev deployment deleted', method: 'DELETE', path: '/deployments/{{ED}}' },

    // Reads. The first waits until Prefect has persisted everything above.
    { id: 'ev filter: flow-run events', path: '/events/filter', body: { filter: flowRuns, limit: 50 }, settle: true, order: 'list' },
    // Prefect readies a poll's queues and deployments in two background tasks that run in either order.
    {
      id: 'ev filter: pool, queue and deployment events',
      path: '/events/filter',
      body: { filter: { ...filter, event: { exclude_prefix: ['prefect.flow-run.'] } }, limit: 50 },
      settle: true,
      order: 'set',
    },
    { id: 'ev filter: by event name', path: '/events/filter', body: { filter: { ...filter, event: { name: ['prefect.flow-run.Failed', 'prefect.flow-run.Cancelled'] } } }, order: 'list' },
    { id: 'ev filter: by resource label', path: '/events/filter', body: { filter: { ...flowRuns, resource: { labels: { 'prefect.state-type': ['PAUSED'] } } } }, order: 'list' },
    { id: 'ev filter: related role', path: '/events/filter', body: { filter: { occurred: since, related: { role: ['deployment'], id: ['prefect.deployment.{{ED}}'] }, order: 'ASC' } }, order: 'list' },
    { id: 'ev filter: descending, limit 3', path: '/events/filter', body: { filter: { ...flowRuns, order: 'DESC' }, limit: 3 }, omit: ['next_page'], order: 'list' },
    { id: 'ev count-by event', path: '/events/count-by/event', body: { filter }, order: 'set' },
    { id: 'ev count-by resource', path: '/events/count-by/resource', body: { filter }, order: 'set' },
    { id: 'ev count-by day', path: '/events/count-by/day', body: { filter }, order: 'list' },
    { id: 'ev count-by time (hours)', path: '/events/count-by/time', body: { filter, time_unit: 'hour', time_interval: 1 }, order: 'list' },
    { id: 'ev count-by time (minutes)', path: '/events/count-by/time', body: { filter, time_unit: 'minute', time_interval: 15 }, order: 'list' },
    { id: 'ev filter: flow lifecycle events', path: '/events/filter', body: { filter: { occurred: since, resource: { id: ['prefect.flow.{{EF}}'] } } }, order: 'list' },

    // Lifecycle events: created (not when the name exists), updated, deleted.
    { id: 'ev lifecycle: flow created', path: '/flows/', body: { name: 'events-flow-2', tags: ['a'], labels: { team: 't' } }, save: { EF2: 'id' } },
    { id: 'ev lifecycle: flow upserted', path: '/flows/', body: { name: 'events-flow-2', tags: ['b'] } },
    { id: 'ev lifecycle: flow updated', method: 'PATCH', path: '/flows/{{EF2}}', body: { tags: ['c'] } },
    { id: 'ev lifecycle: flow deleted', method: 'DELETE', path: '/flows/{{EF2}}' },
    lifecycleRead('flow', ['prefect.flow.{{EF2}}']),
    { id: 'ev lifecycle: variable created', path: '/variables/', body: { name: 'events_var', value: { a: [1, 'x'] }, tags: ['t'] }, save: { EVAR: 'id' } },
    { id: 'ev lifecycle: variable name taken', path: '/variables/', body: { name: 'events_var', value: 1 } },
    { id: 'ev lifecycle: variable updated', method: 'PATCH', path: '/variables/{{EVAR}}', body: { value: 'two' } },
    { id: 'ev lifecycle: variable updated by name', method: 'PATCH', path: '/variables/name/events_var', body: { name: 'events_var_2', tags: [] } },
    { id: 'ev lifecycle: variable deleted', method: 'DELETE', path: '/variables/name/events_var_2' },
    lifecycleRead('variable', ['prefect.variable.{{EVAR}}']),
    { id: 'ev lifecycle: global limit created', path: '/v2/concurrency_limits/', body: { name: 'events-gcl', limit: 5, slot_decay_per_second: 0.5 }, save: { EGCL: 'id' } },
    { id: 'ev lifecycle: global limit name taken', path: '/v2/concurrency_limits/', body: { name: 'events-gcl', limit: 1 } },
    { id: 'ev lifecycle: global limit updated', method: 'PATCH', path: '/v2/concurrency_limits/{{EGCL}}', body: { limit: 7 } },
    { id: 'ev lifecycle: global limit updated by name', method: 'PATCH', path: '/v2/concurrency_limits/events-gcl', body: { active: false } },
    { id: 'ev lifecycle: global limit deleted', method: 'DELETE', path: '/v2/concurrency_limits/events-gcl' },
    { id: 'ev lifecycle: tag limit created', path: '/concurrency_limits/', body: { tag: 'events-tag', concurrency_limit: 2 }, save: { ETCL: 'id' } },
    { id: 'ev lifecycle: tag limit updated', path: '/concurrency_limits/', body: { tag: 'events-tag', concurrency_limit: 3 } },
    { id: 'ev lifecycle: tag limit deleted', method: 'DELETE', path: '/concurrency_limits/tag/events-tag' },
    lifecycleRead('concurrency limit', ['prefect.concurrency-limit.{{EGCL}}', 'prefect.concurrency-limit.{{ETCL}}']),
    { id: 'ev lifecycle: artifact created', path: '/artifacts/', body: { key: 'events-art', type: 'markdown', data: '# one', description: 'd1' }, save: { EA1: 'id' } },
    { id: 'ev lifecycle: artifact collection read', method: 'GET', path: '/artifacts/events-art/latest', save: { EAC: 'id' } },
    {
      id: 'ev lifecycle: artifact of a run',
      path: '/artifacts/',
      body: { key: 'events-art', type: 'table', data: { a: [1, 2] }, flow_run_id: '{{EV_DEP_RUN}}' },
      save: { EA2: 'id' },
    },
    { id: 'ev lifecycle: artifact updated', method: 'PATCH', path: '/artifacts/{{EA2}}', body: { description: 'changed' } },
    { id: 'ev lifecycle: latest artifact deleted', method: 'DELETE', path: '/artifacts/{{EA2}}' },
    { id: 'ev lifecycle: last artifact deleted', method: 'DELETE', path: '/artifacts/{{EA1}}' },
    lifecycleRead('artifact collection', ['prefect.artifact-collection.{{EAC}}']),
  ];
}
