// @ts-check
// Orchestration sequences from ../shared/spec/prefect-orchestration.md §7 on runs whose deployment (if
// any) has no concurrency limit, each step a case; then the bulk endpoints (§7 52–62). Case ids start
// with the spec's case number. Every run here belongs to the flow `orchestration` (FO), so the read
// cases, which run earlier, are not affected.

import { RANDOM_ID } from './read-cases.mjs';

/** @typedef {import('./engine.mjs').Case} Case */

/**
 * A new run named `key` (saved as the variable `key`), in `state` when given.
 * @returns {Case}
 */
const create = (/** @type {string} */ id, /** @type {string} */ key, /** @type {Record<string, unknown>} */ extra = {}) => ({
  id,
  path: '/flow_runs/',
  body: { flow_id: '{{FO}}', name: key.toLowerCase(), tags: ['orchestration'], ...extra },
  save: { [key]: 'id' },
});
/** @returns {Case} */
const setState = (/** @type {string} */ id, /** @type {string} */ key, /** @type {Record<string, unknown>} */ state, force = false, headers = {}) => ({
  id,
  path: `/flow_runs/{{${key}}}/set_state`,
  body: force ? { state, force } : { state },
  headers,
});
/** @returns {Case} */
const read = (/** @type {string} */ id, /** @type {string} */ key) => ({ id, method: 'GET', path: `/flow_runs/{{${key}}}` });
/** @param {string} time @param {string} [name] */
const scheduledAt = (time, name) => ({ type: 'SCHEDULED', ...(name ? { name } : {}), state_details: { scheduled_time: time } });

/** @returns {Case[]} */
export function orchestrationCases() {
  return [
    { id: 'orch setup: flow', path: '/flows/', body: { name: 'orchestration' }, save: { FO: 'id' } },

    create('1 create (Pending)', 'O1'),
    setState('1 Pending → RUNNING "Test State"', 'O1', { type: 'RUNNING', name: 'Test State' }),
    read('1 run after RUNNING', 'O1'),
    setState('10 RUNNING → PENDING aborts', 'O1', { type: 'PENDING' }),
    setState('3 RUNNING → COMPLETED', 'O1', { type: 'COMPLETED' }),
    read('3 run after COMPLETED', 'O1'),
    setState('5 COMPLETED → RUNNING (forced)', 'O1', { type: 'RUNNING' }, true),
    read('5 run after forced RUNNING', 'O1'),

    create('9 create (Pending)', 'O2'),
    setState('9 Pending → PENDING aborts', 'O2', { type: 'PENDING' }),
    setState('11 Pending → Submitting', 'O2', { type: 'PENDING', name: 'Submitting' }),
    setState('11 Submitting → Pending aborts', 'O2', { type: 'PENDING', name: 'Pending' }),

    create('12 create with transition_id', 'O3', { state: { type: 'PENDING', state_details: { transition_id: 'aaaaaaaa-0000-4000-8000-000000000001' } } }),
    setState('12 same transition_id rejected', 'O3', {
      type: 'PENDING',
      name: 'Test State',
      state_details: { transition_id: 'aaaaaaaa-0000-4000-8000-000000000001' },
    }),
    setState('12 another transition_id', 'O3', {
      type: 'PENDING',
      name: 'Test State',
      state_details: { transition_id: 'aaaaaaaa-0000-4000-8000-000000000002' },
    }),

    create('14 create scheduled in 30 days', 'O4', { state: scheduledAt('{{NOW_PLUS_30D}}') }),
    setState('14 RUNNING waits', 'O4', { type: 'RUNNING' }),
    setState('14 RUNNING forced', 'O4', { type: 'RUNNING' }, true),
    create('15 create scheduled in 1 day', 'O5', { state: scheduledAt('{{NOW_PLUS_1D}}') }),
    setState('15 PENDING keeps scheduled_time', 'O5', { type: 'PENDING' }),
    setState('15 RUNNING waits', 'O5', { type: 'RUNNING' }),
    create('16 create scheduled 5 minutes ago', 'O6', { state: scheduledAt('{{NOW_MINUS_5M}}') }),
    setState('16 RUNNING accepted', 'O6', { type: 'RUNNING' }),
    read('16 run after RUNNING', 'O6'),

    create('17 create', 'O7'),
    setState('17 COMPLETED with a dict', 'O7', { type: 'COMPLETED', data: { foo: 'bar' } }),
    read('17 data read back', 'O7'),
    setState('18 forced COMPLETED without data rejected', 'O7', { type: 'COMPLETED' }, true),
    setState('20 RUNNING after a persisted result', 'O7', { type: 'RUNNING' }),
    create('19 create', 'O8'),
    setState('19 forced COMPLETED data 1', 'O8', { type: 'COMPLETED', data: 1 }, true),
    setState('19 forced COMPLETED without data', 'O8', { type: 'COMPLETED' }, true),
    setState('20 RUNNING after a scalar result', 'O8', { type: 'RUNNING' }),

    create('21 create COMPLETED', 'O9', { state: { type: 'COMPLETED' } }),
    setState('21 COMPLETED → CRASHED', 'O9', { type: 'CRASHED' }),
    setState('21 COMPLETED → CANCELLING', 'O9', { type: 'CANCELLING' }),
    setState('21 COMPLETED → PAUSED', 'O9', { type: 'PAUSED' }),

    // A deployed run belongs to its deployment's flow (F1 for D11).
    create('22 create deployed RUNNING', 'O10', { flow_id: '{{F1}}', deployment_id: '{{D11}}', state: { type: 'RUNNING' } }),
    setState('22 RUNNING → FAILED', 'O10', { type: 'FAILED' }),
    setState('22 FAILED → AwaitingRetry (deployed)', 'O10', { type: 'SCHEDULED', name: 'AwaitingRetry' }),
    read('22 run after reschedule', 'O10'),
    create('24 create FAILED', 'O11', { state: { type: 'FAILED' } }),
    setState('24 FAILED → SCHEDULED without deployment', 'O11', { type: 'SCHEDULED' }),
    setState('25 FAILED → PENDING', 'O11', { type: 'PENDING' }),

    create('26 create RUNNING with retries', 'O12', { state: { type: 'RUNNING' }, empirical_policy: { retries: 1, retry_delay: 0 } }),
    setState('26 FAILED → AwaitingRetry', 'O12', { type: 'FAILED', message: 'boom' }),
    read('26 run after retry', 'O12'),
    setState('27 RUNNING again', 'O12', { type: 'RUNNING' }),
    setState('27 FAILED accepted', 'O12', { type: 'FAILED' }),
    read('27 run after FAILED', 'O12'),

    create('29 create RUNNING', 'O13', { state: { type: 'RUNNING' } }),
    setState('29 RUNNING → CANCELLING', 'O13', { type: 'CANCELLING' }),
    setState('29 CANCELLING → RUNNING', 'O13', { type: 'RUNNING' }),
    setState('29 CANCELLING → COMPLETED', 'O13', { type: 'COMPLETED' }),
    setState('13 CANCELLING → PENDING', 'O13', { type: 'PENDING' }),
    setState('29 CANCELLING → CANCELLED', 'O13', { type: 'CANCELLED' }),
    setState('13 CANCELLED → PENDING', 'O13', { type: 'PENDING' }),

    create('31 create SCHEDULED', 'O14', { state: scheduledAt('{{NOW_MINUS_5M}}') }),
    setState('31 CANCELLING without infrastructure', 'O14', { type: 'CANCELLING' }),
    read('31 run after cancel', 'O14'),

    create('33 create SCHEDULED', 'O15', { state: scheduledAt('{{NOW_PLUS_1D}}') }),
    setState('33 SCHEDULED → Late', 'O15', scheduledAt('{{NOW_PLUS_1D}}', 'Late')),
    setState('33 Late → Late', 'O15', scheduledAt('{{NOW_PLUS_1D}}', 'Late')),
    create('33 create RUNNING', 'O16', { state: { type: 'RUNNING' } }),
    setState('33 RUNNING → Late', 'O16', scheduledAt('{{NOW_PLUS_1D}}', 'Late')),

    setState('35 SCHEDULED → PAUSED', 'O15', { type: 'PAUSED' }),
    create('36 create RUNNING', 'O17', { state: { type: 'RUNNING' } }),
    setState('36 suspend without deployment', 'O17', { type: 'PAUSED', state_details: { pause_reschedule: true } }),
    setState('36 Suspended without deployment', 'O17', { type: 'PAUSED', name: 'Suspended', state_details: { pause_reschedule: true } }),
    setState('39 blocking pause without deployment', 'O17', { type: 'PAUSED', state_details: { pause_timeout: '{{NOW_PLUS_1D}}' } }),
    { id: '40 resume a blocking pause', path: '/flow_runs/{{O17}}/resume', body: {} },
    read('41 run after resume', 'O17'),
    { id: '40 resume a FAILED run', path: '/flow_runs/{{O11}}/resume', body: {} },
    { id: '40 resume an unknown run', path: `/flow_runs/${RANDOM_ID}/resume`, body: {} },

    create('34 create deployed RUNNING', 'O18', { flow_id: '{{F1}}', deployment_id: '{{D11}}', state: { type: 'RUNNING' } }),
    setState('34 PAUSED with a pause key', 'O18', { type: 'PAUSED', state_details: { pause_key: 'hello', pause_timeout: '{{NOW_PLUS_1D}}' } }),
    setState('37 PAUSED → PENDING rejected', 'O18', { type: 'PENDING' }),
    setState('37 PAUSED → RUNNING', 'O18', { type: 'RUNNING' }),
    setState('34 the same pause key again', 'O18', { type: 'PAUSED', state_details: { pause_key: 'hello' } }),
    read('34 run after pauses', 'O18'),

    setState('6 extra key in state', 'O1', { type: 'RUNNING', timestamp: '2020-01-01T00:00:00Z' }),
    setState('6 unknown state type', 'O1', { type: 'NOPE' }),
    { id: '6 missing state', path: '/flow_runs/{{O1}}/set_state', body: { force: true } },
    { id: '7 unknown run', path: `/flow_runs/${RANDOM_ID}/set_state`, body: { state: { type: 'RUNNING' } } },
    { id: '4.1 non-uuid run id', path: '/flow_runs/nope/set_state', body: { state: { type: 'RUNNING' } } },
    setState('8 api version abc', 'O1', { type: 'RUNNING' }, false, { 'x-prefect-api-version': 'abc' }),
    setState('8 api version 0.7.9', 'O1', { type: 'RUNNING' }, false, { 'x-prefect-api-version': '0.7.9' }),

    create('51 create parent RUNNING', 'O19', { state: { type: 'RUNNING' } }),
    {
      id: '51 create the parent task',
      path: '/task_runs/',
      body: { flow_run_id: '{{O19}}', name: 'x', task_key: 'x', dynamic_key: '0', state: { type: 'RUNNING' } },
      save: { X: 'id' },
    },
    create('51 create subflow RUNNING', 'O20', { parent_task_run_id: '{{X}}', state: { type: 'RUNNING' } }),
    setState('51 subflow → FAILED', 'O20', { type: 'FAILED' }),
    { id: '51 parent task after the subflow failed', method: 'GET', path: '/task_runs/{{X}}' },

    ...bulkCases(),
  ];
}

/**
 * §7 52–62 on runs of their own, picked by the tag `bulk`.
 * @returns {Case[]}
 */
function bulkCases() {
  const bulk = { flow_runs: { tags: { all_: ['bulk'] } } };
  /** @returns {Case} */
  const run = (/** @type {string} */ key, /** @type {Record<string, unknown>} */ extra = {}) => ({
    id: `bulk setup ${key}`,
    path: '/flow_runs/',
    body: { flow_id: '{{FO}}', name: key.toLowerCase(), tags: ['bulk'], ...extra },
    save: { [key]: 'id' },
  });
  return [
    run('B0'),
    run('B1'),
    run('B2'),
    run('B3', { state: { type: 'RUNNING' } }),
    { id: '58 bulk_set_state forced CANCELLED by id', path: '/flow_runs/bulk_set_state', body: { flow_runs: { id: { any_: ['{{B0}}', '{{B1}}'] } }, state: { type: 'CANCELLED' }, force: true } },
    { id: '58 run after bulk cancel', method: 'GET', path: '/flow_runs/{{B0}}' },
    { id: '62 bulk_set_state PENDING on RUNNING', path: '/flow_runs/bulk_set_state', body: { flow_runs: { id: { any_: ['{{B3}}'] } }, state: { type: 'PENDING' } } },
    { id: '61 bulk_set_state no match', path: '/flow_runs/bulk_set_state', body: { flow_runs: { id: { any_: [RANDOM_ID] } }, state: { type: 'PENDING' } } },
    { id: '61 bulk_set_state limit 0', path: '/flow_runs/bulk_set_state', body: { ...bulk, state: { type: 'PENDING' }, limit: 0 } },
    { id: '61 bulk_set_state limit 51', path: '/flow_runs/bulk_set_state', body: { ...bulk, state: { type: 'PENDING' }, limit: 51 } },
    { id: '61 bulk_set_state without state', path: '/flow_runs/bulk_set_state', body: bulk },
    { id: '61 bulk_set_state by state type', path: '/flow_runs/bulk_set_state', body: { flow_runs: { tags: { all_: ['bulk'] }, state: { type: { any_: ['PENDING'] } } }, state: { type: 'RUNNING' } } },
    { id: '52 bulk_delete by id', path: '/flow_runs/bulk_delete', body: { flow_runs: { id: { any_: ['{{B0}}', '{{B1}}'] } } } },
    { id: '52 deleted run is gone', method: 'GET', path: '/flow_runs/{{B0}}' },
    { id: '53 bulk_delete an unknown id', path: '/flow_runs/bulk_delete', body: { flow_runs: { id: { any_: ['{{B2}}', RANDOM_ID] } } } },
    { id: '53 bulk_delete no match', path: '/flow_runs/bulk_delete', body: { flow_runs: { id: { any_: [RANDOM_ID] } } } },
    { id: '54 bulk_delete limit 0', path: '/flow_runs/bulk_delete', body: { limit: 0 } },
    { id: '54 bulk_delete limit 51', path: '/flow_runs/bulk_delete', body: { limit: 51 } },
    { id: '54 bulk_delete extra key in filter', path: '/flow_runs/bulk_delete', body: { flow_runs: { foo: 1 } } },
    { id: '54 bulk_delete what is left', path: '/flow_runs/bulk_delete', body: bulk },
  ];
}
