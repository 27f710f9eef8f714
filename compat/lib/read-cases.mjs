// @ts-check
// The read cases of ../shared/spec/prefect-filters.md §5.2 (1–48, 51), the six-family /deployments/filter
// request, and the GET routes, on the canonical dataset. Case ids start with the spec's case number.

import { timeMicros } from './normalize.mjs';

/** @typedef {import('./engine.mjs').Case} Case @typedef {import('./normalize.mjs').Order} Order */

/** A uuid that names nothing on either server. */
export const RANDOM_ID = '7c0e3a4e-96a6-4d36-9c8c-000000000000';

/**
 * @param {string} id @param {string} path @param {unknown} body @param {Order} [order]
 * @returns {Case}
 */
const q = (id, path, body, order) => ({ id, path, body, ...(order ? { order } : {}) });
/** @returns {Case} */
const get = (/** @type {string} */ id, /** @type {string} */ path) => ({ id, method: 'GET', path });

const fr = (/** @type {unknown} */ flowRuns) => ({ flow_runs: flowRuns });
const state = (/** @type {unknown} */ s) => ({ flow_runs: { state: s } });

/** @returns {Case[]} */
export function readCases() {
  return [
    q('1 flows/count {}', '/flows/count', {}),
    q('1 flows/filter {}', '/flows/filter', {}, 'list'),
    q('2 flows name any_', '/flows/count', { flows: { name: { any_: ['f-1', 'f-100'] } } }),
    q('3 flows name like_ f', '/flows/count', { flows: { name: { like_: 'f' } } }),
    q('3 flows name like_ 1', '/flows/count', { flows: { name: { like_: '1' } } }),
    q('4 flows tags all_ db', '/flows/count', { flows: { tags: { all_: ['db'] } } }),
    q('4 flows tags all_ db,blue', '/flows/count', { flows: { tags: { all_: ['db', 'blue'] } } }),
    q('4 flows tags all_ db,red', '/flows/count', { flows: { tags: { all_: ['db', 'red'] } } }),
    q('5 flows by run tags', '/flows/count', fr({ tags: { all_: ['db', 'red'] } })),
    q('6 flows by run tags is_null_', '/flows/count', fr({ tags: { is_null_: true } })),
    q('7 flows by task name', '/flows/count', { task_runs: { name: { like_: '2a' } } }),
    q('8 flows by deployment name', '/flows/count', { deployments: { name: { like_: 'd-1' } } }),
    q('8 flows deployments {}', '/flows/filter', { deployments: {} }, 'list'),
    q('9 flows deployment is_null_ true', '/flows/filter', { flows: { deployment: { is_null_: true } } }, 'list'),
    q('9 flows deployment is_null_ false', '/flows/filter', { flows: { deployment: { is_null_: false } } }, 'list'),
    q('10 flows by subflow task', '/flows/count', { task_runs: { subflow_runs: { exists_: true } } }),
    q('10 flows by parent task', '/flows/count', fr({ parent_task_run_id: { is_null_: false } })),
    q('11 flows by work pool', '/flows/filter', { work_pools: { name: { any_: ['Test Pool'] } } }, 'list'),
    q('12 flow_runs/count {}', '/flow_runs/count', {}),
    q('12 runs by flow name', '/flow_runs/count', { flows: { name: { any_: ['f-1', 'f-2'] } } }),
    q('12 runs by flow tags', '/flow_runs/count', { flows: { tags: { all_: ['db', 'blue'] } } }),
    q('12 runs flows {}', '/flow_runs/count', { flows: {} }),
    q('13 runs tags is_null_ true', '/flow_runs/filter', fr({ tags: { is_null_: true } })),
    q('13 runs tags is_null_ false', '/flow_runs/filter', fr({ tags: { is_null_: false } })),
    q('14 runs name like_', '/flow_runs/count', fr({ name: { like_: 'test-happy' } })),
    q('14 runs name like_ case', '/flow_runs/count', fr({ name: { like_: 'DUCK' } })),
    q('15 deployment like_ d_1', '/flow_runs/filter', { deployments: { name: { like_: 'd_1' } } }),
    q('15 like_ happy%duck', '/flow_runs/filter', fr({ name: { like_: 'happy%duck' } })),
    q('15 like_ fr_1', '/flow_runs/filter', fr({ name: { like_: 'fr_1' } })),
    q('15 like_ %', '/flow_runs/count', fr({ name: { like_: '%' } })),
    q('16 state type and name', '/flow_runs/count', state({ type: { any_: ['COMPLETED'] }, name: { any_: ['NOT-COMPLETED'] } })),
    q('17 state names', '/flow_runs/count', state({ name: { any_: ['Failed', 'Completed'] } })),
    q('17 state names and type', '/flow_runs/count', state({ name: { any_: ['Failed', 'Completed'] }, type: { any_: ['FAILED'] } })),
    q('18 compound type applies both', '/flow_runs/count', state({ type: { any_: ['COMPLETED'], not_any_: ['COMPLETED'] } })),
    q('19 type not_any_', '/flow_runs/filter', state({ type: { not_any_: ['COMPLETED'] } })),
    q('20 state or_', '/flow_runs/filter', state({ operator: 'or_', type: { any_: ['FAILED'] }, name: { any_: ['Running'] } })),
    q('21 deployment_id any_', '/flow_runs/count', fr({ deployment_id: { any_: ['{{D11}}', '{{D12}}'] } })),
    q('21 deployment_id is_null_', '/flow_runs/count', fr({ deployment_id: { is_null_: true } })),
    q('21 deployment_id or_', '/flow_runs/count', fr({ deployment_id: { operator: 'or_', any_: ['{{D12}}'], is_null_: true } })),
    q('22 by task state', '/flow_runs/count', { task_runs: { state: { type: { any_: ['FAILED'] } } } }),
    q('22 by task state and flow tags', '/flow_runs/count', {
      task_runs: { state: { type: { any_: ['FAILED'] } } },
      flows: { tags: { all_: ['xyz'] } },
    }),
    q('23 flows and task state', '/flow_runs/filter', {
      flows: { name: { any_: ['f-1', 'f-2'] } },
      task_runs: { state: { type: { any_: ['RUNNING'] } } },
    }),
    q('24 parent_flow_run_id', '/flow_runs/filter', fr({ parent_flow_run_id: { any_: ['{{P}}'] } })),
    q('24 parent_flow_run_id random', '/flow_runs/filter', fr({ parent_flow_run_id: { any_: [RANDOM_ID] } })),
    q('24 parent_flow_run_id []', '/flow_runs/filter', fr({ parent_flow_run_id: { any_: [] } })),
    q('25 runs by pool', '/flow_runs/count', { work_pools: { name: { any_: ['Test Pool'] } } }),
    q('25 runs by pool and queue', '/flow_runs/count', {
      work_pools: { name: { any_: ['Test Pool'] } },
      work_pool_queues: { name: { any_: ['default'] } },
    }),
    q('25 runs by missing pool', '/flow_runs/count', { work_pools: { name: { any_: ['nope'] } } }),
    q('25 runs by missing queue', '/flow_runs/count', { work_pool_queues: { name: { any_: ['nope'] } } }),
    q('26 runs deployments {}', '/flow_runs/filter', { deployments: {} }),
    q('26 runs task_runs {}', '/flow_runs/filter', { task_runs: {} }),
    q('26 runs work_pools {}', '/flow_runs/filter', { work_pools: {} }),
    q('26 count deployments {}', '/flow_runs/count', { deployments: {} }),
    q('26 count task_runs {}', '/flow_runs/count', { task_runs: {} }),
    q('26 count work_pools {}', '/flow_runs/count', { work_pools: {} }),
    q('27 or_ with empty criterion', '/flow_runs/count', fr({ operator: 'or_', name: {}, tags: { all_: ['blue'] } })),
    q('27 or_ with null criterion', '/flow_runs/count', fr({ operator: 'or_', name: null, tags: { all_: ['blue'] } })),
    q('28 or_ name or tags', '/flow_runs/filter', fr({ operator: 'or_', name: { any_: ['fr-1-4'] }, tags: { all_: ['blue'] } })),
    q('29 id any_ []', '/flow_runs/count', fr({ id: { any_: [] } })),
    q('29 id not_any_ []', '/flow_runs/count', fr({ id: { not_any_: [] } })),
    q('29 tags any_ []', '/flow_runs/count', fr({ tags: { any_: [] } })),
    q('29 tags all_ []', '/flow_runs/count', fr({ tags: { all_: [] } })),
    q('29 state type any_ []', '/flow_runs/count', state({ type: { any_: [] } })),
    q('29 created_by type_ []', '/flow_runs/count', fr({ created_by: { type_: [] } })),
    q('30 tags any_', '/flow_runs/count', fr({ tags: { any_: ['blue', 'red'] } })),
    q('30 tags all_', '/flow_runs/count', fr({ tags: { all_: ['db', 'red'] } })),
    q('31 idempotency_key not_any_', '/flow_runs/count', fr({ idempotency_key: { not_any_: ['x'] } })),
    q('32 start_time is_null_', '/flow_runs/filter', fr({ start_time: { is_null_: true } })),
    q('32 start_time after_ 2000', '/flow_runs/count', fr({ start_time: { after_: '2000-01-01T00:00:00' } })),
    ...startTimeBounds(),
    q('34 END_TIME_DESC', '/flow_runs/filter', { sort: 'END_TIME_DESC' }, { groupBy: ['end_time'] }),
    q('34 NEXT_SCHEDULED_START_TIME_ASC', '/flow_runs/filter', { sort: 'NEXT_SCHEDULED_START_TIME_ASC' }, { groupBy: ['next_scheduled_start_time'] }),
    q('34 START_TIME_DESC', '/flow_runs/filter', { sort: 'START_TIME_DESC' }, { groupBy: ['start_time', 'expected_start_time'] }),
    q('34 NAME_ASC', '/flow_runs/filter', { sort: 'NAME_ASC' }, 'list'),
    q('35 paginate page 2', '/flow_runs/paginate', { limit: 3, page: 2, sort: 'NAME_ASC' }, 'list'),
    q('35 paginate limit 0', '/flow_runs/paginate', { limit: 0 }),
    q('36 task_runs/count {}', '/task_runs/count', {}),
    q('36 tasks by flow', '/task_runs/count', { flows: { name: { any_: ['f-1'] } } }),
    q('36 tasks by name', '/task_runs/count', { task_runs: { name: { like_: 'run-2' } } }),
    q('36 tasks by run tags', '/task_runs/count', fr({ tags: { all_: ['db', 'red'] } })),
    q('36 tasks by run tags is_null_', '/task_runs/count', fr({ tags: { is_null_: true } })),
    q('36 tasks by deployment id', '/task_runs/count', { deployments: { id: { any_: ['{{D11}}'] } } }),
    q('36 tasks deployments {}', '/task_runs/count', { deployments: {} }),
    q('37 subflow_runs exists_', '/task_runs/filter', { task_runs: { subflow_runs: { exists_: true } } }),
    q('37 subflow_runs not exists_', '/task_runs/count', { task_runs: { subflow_runs: { exists_: false } } }),
    q('38 end_time is_null_ true', '/task_runs/count', { task_runs: { end_time: { is_null_: true } } }),
    q('38 end_time is_null_ false', '/task_runs/count', { task_runs: { end_time: { is_null_: false } } }),
    q('38 end_time before_', '/task_runs/count', { task_runs: { end_time: { before_: '{{NOW_PLUS_1D}}' } } }),
    q('38 end_time after_', '/task_runs/count', { task_runs: { end_time: { after_: '{{NOW_PLUS_1D}}' } } }),
    q('39 flow_run_id {}', '/task_runs/count', { task_runs: { flow_run_id: {} } }),
    q('39 flow_run_id is_null_ with any_', '/task_runs/count', { task_runs: { flow_run_id: { is_null_: true, any_: ['{{R1}}'] } } }),
    q('39 flow_run_id any_', '/task_runs/count', { task_runs: { flow_run_id: { any_: ['{{R1}}'] } } }),
    q('40 task state type and name', '/task_runs/filter', {
      task_runs: { state: { type: { any_: ['COMPLETED'] }, name: { any_: ['Completed'] } } },
    }),
    q('40 tasks NAME_ASC', '/task_runs/filter', { sort: 'NAME_ASC' }, 'list'),
    q('40 tasks paginate', '/task_runs/paginate', { sort: 'NAME_ASC', limit: 4, page: 2 }, 'list'),
    q('41 deployments/count {}', '/deployments/count', {}),
    q('41 deployments by flow name', '/deployments/count', { flows: { name: { like_: 'f-2' } } }),
    q('41 deployments by run name', '/deployments/count', fr({ name: { like_: 'test-happy' } })),
    q('41 deployments by run deployment_id', '/deployments/count', fr({ deployment_id: { any_: ['{{D11}}', '{{D12}}', RANDOM_ID] } })),
    q('41 deployments by task state', '/deployments/count', { task_runs: { state: { type: { any_: ['FAILED'] } } } }),
    q('42 deployment and flow name', '/deployments/count', { deployments: { name: { any_: ['d-1-1'] } }, flows: { name: { any_: ['f-2'] } } }),
    q('42 deployment and flow names', '/deployments/count', {
      deployments: { name: { any_: ['d-1-1'] } },
      flows: { name: { any_: ['f-1', 'f-2'] } },
    }),
    q('43 flow_or_deployment_name', '/deployments/filter', { deployments: { flow_or_deployment_name: { like_: 'F-3' } } }, 'list'),
    q('43 flow_or_deployment_name ""', '/deployments/filter', { deployments: { flow_or_deployment_name: { like_: '' } } }, 'list'),
    q('44 queue startswith_', '/deployments/filter', { work_pool_queues: { name: { startswith_: ['DEF'] } } }, 'list'),
    q('44 work_pools {}', '/deployments/filter', { work_pools: {} }, 'list'),
    q('44 queue and missing pool', '/deployments/filter', {
      work_pool_queues: { name: { any_: ['default'] } },
      work_pools: { name: { any_: ['nope'] } },
    }),
    q('45 work_queue_name default', '/deployments/filter', { deployments: { work_queue_name: { any_: ['default'] } } }, 'list'),
    q('45 work_queue_name stored', '/deployments/filter', { deployments: { work_queue_name: { any_: ['test-queue-for-filters'] } } }, 'list'),
    q('46 paused eq_ true', '/deployments/filter', { deployments: { paused: { eq_: true } } }, 'list'),
    q('46 paused eq_ null', '/deployments/filter', { deployments: { paused: { eq_: null } } }, 'list'),
    q('46 concurrency_limit ignored', '/deployments/filter', { deployments: { concurrency_limit: { ge_: 100 } } }, 'list'),
    q('46 deployments or_', '/deployments/filter', { deployments: { operator: 'or_', name: { any_: ['d-1-1'] }, paused: { eq_: true } } }, 'list'),
    q('47 run and task on one run (FAILED)', '/deployments/filter', {
      flow_runs: { state: { type: { any_: ['FAILED'] } } },
      task_runs: { state: { type: { any_: ['RUNNING'] } } },
    }, 'list'),
    q('47 run and task on one run (COMPLETED)', '/deployments/filter', {
      flow_runs: { state: { type: { any_: ['COMPLETED'] } } },
      task_runs: { state: { type: { any_: ['RUNNING'] } } },
    }, 'list'),
    q('48 NAME_DESC', '/deployments/filter', { sort: 'NAME_DESC' }, 'list'),
    q('48 offset 1', '/deployments/filter', { offset: 1 }, 'list'),
    q('48 paginate past the end', '/deployments/paginate', { limit: 2, page: 5 }, 'list'),
    q('six families: all match', '/deployments/filter', {
      flows: { name: { any_: ['f-3'] } },
      flow_runs: { state: { type: { any_: ['COMPLETED'] } } },
      task_runs: { state: { type: { any_: ['FAILED'] } } },
      deployments: { name: { like_: 'd-3' } },
      work_pools: { name: { any_: ['Test Pool'] } },
      work_pool_queues: { name: { any_: ['default'] } },
    }, 'list'),
    q('six families: one misses', '/deployments/filter', {
      flows: { name: { any_: ['f-3'] } },
      flow_runs: { state: { type: { any_: ['COMPLETED'] } } },
      task_runs: { state: { type: { any_: ['RUNNING'] } } },
      deployments: { name: { like_: 'd-3' } },
      work_pools: { name: { any_: ['Test Pool'] } },
      work_pool_queues: { name: { any_: ['default'] } },
    }, 'list'),
    q('six families: SDK null dump', '/deployments/filter', {
      flows: { operator: 'and_', id: null, deployment: null, name: { any_: ['f-1'], like_: null }, tags: null },
      flow_runs: null,
      task_runs: null,
      deployments: {
        operator: 'and_', id: null, name: { any_: ['d-1-1'], like_: null }, flow_or_deployment_name: null, paused: null,
        tags: null, work_queue_name: null, concurrency_limit: null,
      },
      work_pools: null,
      work_pool_queues: null,
      limit: null,
      offset: 0,
      sort: null,
    }, 'list'),
    q('deployments/count six families', '/deployments/count', {
      flows: {}, flow_runs: {}, task_runs: {}, deployments: {}, work_pools: {}, work_pool_queues: {},
    }),
    ...getCases(),
    ...moreReadCases(),
  ];
}

/** Filters, sorts and bodies §5.2 does not list, on the same dataset. */
function moreReadCases() {
  const t = (/** @type {unknown} */ taskRuns) => ({ task_runs: taskRuns });
  return [
    q('sort flows CREATED_DESC', '/flows/filter', { sort: 'CREATED_DESC' }, 'list'),
    q('sort flows NAME_DESC, limit, offset', '/flows/filter', { sort: 'NAME_DESC', limit: 2, offset: 1 }, 'list'),
    q('sort deployments CREATED_DESC', '/deployments/filter', { sort: 'CREATED_DESC' }, 'list'),
    q('sort runs START_TIME_ASC', '/flow_runs/filter', { sort: 'START_TIME_ASC' }, { groupBy: ['start_time', 'expected_start_time'] }),
    q('sort runs EXPECTED_START_TIME_ASC', '/flow_runs/filter', { sort: 'EXPECTED_START_TIME_ASC' }, { groupBy: ['expected_start_time'] }),
    q('sort runs EXPECTED_START_TIME_DESC', '/flow_runs/filter', { sort: 'EXPECTED_START_TIME_DESC' }, { groupBy: ['expected_start_time'] }),
    q('sort runs NAME_DESC offset', '/flow_runs/filter', { sort: 'NAME_DESC', offset: 10 }, 'list'),
    q('sort tasks END_TIME_DESC', '/task_runs/filter', { sort: 'END_TIME_DESC' }, { groupBy: ['end_time'] }),
    q('sort tasks EXPECTED_START_TIME_DESC', '/task_runs/filter', { sort: 'EXPECTED_START_TIME_DESC' }, { groupBy: ['expected_start_time'] }),
    q('sort tasks NAME_DESC', '/task_runs/filter', { sort: 'NAME_DESC', limit: 3 }, 'list'),
    q('runs expected_start_time after_', '/flow_runs/count', fr({ expected_start_time: { after_: '{{NOW_MINUS_5M}}' } })),
    q('runs expected_start_time before_', '/flow_runs/count', fr({ expected_start_time: { before_: '{{NOW_PLUS_1D}}' } })),
    q('runs next_scheduled_start_time before_', '/flow_runs/filter', fr({ next_scheduled_start_time: { before_: '{{NOW_PLUS_1D}}' } })),
    q('runs end_time is_null_', '/flow_runs/count', fr({ end_time: { is_null_: true } })),
    q('runs end_time after_', '/flow_runs/count', fr({ end_time: { after_: '{{NOW_MINUS_5M}}' } })),
    q('runs work_queue_name any_', '/flow_runs/count', fr({ work_queue_name: { any_: ['default'] } })),
    q('runs work_queue_name is_null_', '/flow_runs/count', fr({ work_queue_name: { is_null_: true } })),
    q('runs flow_version any_', '/flow_runs/count', fr({ flow_version: { any_: ['1'] } })),
    q('runs idempotency_key any_', '/flow_runs/count', fr({ idempotency_key: { any_: ['x'] } })),
    q('runs parent_task_run_id any_', '/flow_runs/filter', fr({ parent_task_run_id: { any_: ['{{TPb}}'] } })),
    q('runs id any_ and not_any_', '/flow_runs/count', fr({ id: { any_: ['{{R1}}', '{{R2}}'], not_any_: ['{{R2}}'] } })),
    q('runs name any_', '/flow_runs/filter', fr({ name: { any_: ['parent', 'child'] } })),
    q('runs state name not_any_', '/flow_runs/count', state({ name: { not_any_: ['Completed'] } })),
    q('runs by deployment tags', '/flow_runs/count', { deployments: { tags: { all_: [] } } }),
    q('runs by deployment paused', '/flow_runs/filter', { deployments: { paused: { eq_: true } } }),
    q('runs by queue startswith_', '/flow_runs/count', { work_pool_queues: { name: { startswith_: ['def'] } } }),
    q('runs by flow id', '/flow_runs/count', { flows: { id: { any_: ['{{F2}}'] } } }),
    q('runs by flow deployment is_null_', '/flow_runs/count', { flows: { deployment: { is_null_: false } } }),
    q('tasks by tags', '/task_runs/count', t({ tags: { all_: [] } })),
    q('tasks by state name', '/task_runs/filter', t({ state: { name: { any_: ['Pending'] } } })),
    q('tasks DURATION_DESC', '/task_runs/filter', { sort: 'DURATION_DESC', task_runs: { name: { any_: ['tr-3-1-a'] } } }),
    q('tasks DURATION_ASC', '/task_runs/filter', { sort: 'DURATION_ASC', task_runs: { name: { any_: ['tr-3-1-a'] } } }),
    q('tasks by state type not_any_', '/task_runs/count', t({ state: { type: { not_any_: ['COMPLETED'] } } })),
    q('tasks start_time is_null_', '/task_runs/count', t({ start_time: { is_null_: true } })),
    q('tasks start_time after_', '/task_runs/count', t({ start_time: { after_: '{{NOW_MINUS_5M}}' } })),
    q('tasks expected_start_time before_', '/task_runs/count', t({ expected_start_time: { before_: '{{NOW_PLUS_1D}}' } })),
    q('tasks id any_', '/task_runs/filter', t({ id: { any_: ['{{T1}}', '{{TCa}}'] } })),
    q('tasks name any_', '/task_runs/count', t({ name: { any_: ['p-a', 'nope'] } })),
    q('tasks by run state', '/task_runs/count', { flow_runs: { state: { type: { any_: ['PENDING'] } } } }),
    q('tasks or_', '/task_runs/count', t({ operator: 'or_', name: { like_: 'tr-' }, state: { type: { any_: ['FAILED'] } } })),
    q('flows id any_', '/flows/filter', { flows: { id: { any_: ['{{F1}}', '{{F4}}'] } } }, 'list'),
    q('flows tags is_null_', '/flows/filter', { flows: { tags: { is_null_: true } } }, 'list'),
    q('flows name like_ %', '/flows/count', { flows: { name: { like_: '%-%' } } }),
    q('flows or_', '/flows/filter', { flows: { operator: 'or_', name: { any_: ['f-4'] }, tags: { all_: ['blue'] } } }, 'list'),
    q('flows by run state', '/flows/filter', fr({ state: { type: { any_: ['SCHEDULED'] } } }), 'list'),
    q('flows paginate limit 0', '/flows/paginate', { limit: 0 }, 'list'),
    q('deployments id any_', '/deployments/filter', { deployments: { id: { any_: ['{{D31}}', '{{D12}}'] } } }, 'list'),
    q('deployments tags all_', '/deployments/count', { deployments: { tags: { all_: [] } } }),
    q('deployments name like_', '/deployments/filter', { deployments: { name: { like_: '-1-' } } }, 'list'),
    q('deployments paused eq_ false', '/deployments/filter', { deployments: { paused: { eq_: false } } }, 'list'),
    q('deployments by pool type', '/deployments/count', { work_pools: { type: { any_: ['prefect-agent'] } } }),
    q('deployments by queue id', '/deployments/filter', { work_pool_queues: { id: { any_: ['{{WQd}}'] } } }, 'list'),
    q('deployments work_queue_name like_', '/deployments/count', { deployments: { work_queue_name: { like_: 'test' } } }),
    q('work_pools/filter by type', '/work_pools/filter', { work_pools: { type: { any_: ['prefect-agent'] } } }, 'list'),
    q('work_pools/filter by id', '/work_pools/filter', { work_pools: { id: { any_: ['{{pool}}'] } } }, 'list'),
    q('work_pools/filter limit offset', '/work_pools/filter', { limit: 1, offset: 1 }, 'list'),
    q('work_queues/filter by name', '/work_queues/filter', { work_queues: { name: { any_: ['default'] } } }),
    q('work_queues/filter startswith_', '/work_queues/filter', { work_queues: { name: { startswith_: ['test'] } } }, 'list'),
    q('pool queues/filter by name', '/work_pools/Test%20Pool/queues/filter', { work_queues: { name: { any_: ['nope'] } } }, 'list'),
    get('GET agent pool queue', '/work_pools/default-agent-pool/queues/test-queue-for-filters'),
    get('GET task run (pending)', '/task_runs/{{TCa}}'),
    get('GET task run (failed)', '/task_runs/{{T7}}'),
    get('GET flow run (running)', '/flow_runs/{{R4}}'),
    get('GET flow run (no hyphens)', '/flow_runs/{{R1.upper}}'),
  ];
}

/** §5.2 case 33, on R4's real start time (a client cannot choose it through the API). */
function startTimeBounds() {
  const r4 = (/** @type {Record<string, unknown>} */ bound) => fr({ name: { any_: ['fr-1-4'] }, start_time: bound });
  return [
    q('33 after_ start (Z)', '/flow_runs/count', r4({ after_: '{{R4.start_time}}' })),
    q('33 after_ start (naive)', '/flow_runs/count', r4({ after_: '{{R4.start_naive}}' })),
    q('33 after_ start (+01:00)', '/flow_runs/count', r4({ after_: '{{R4.start_plus_one_hour}}' })),
    q('33 after_ start + 1µs', '/flow_runs/count', r4({ after_: '{{R4.start_next_micro}}' })),
    q('33 before_ start', '/flow_runs/count', r4({ before_: '{{R4.start_time}}' })),
    q('33 before_ start - 1µs', '/flow_runs/count', r4({ before_: '{{R4.start_previous_micro}}' })),
  ];
}

function getCases() {
  return [
    get('51 GET flow', '/flows/{{F1}}'),
    get('51 GET flow not-a-uuid', '/flows/not-a-uuid'),
    get('51 GET flow random', `/flows/${RANDOM_ID}`),
    get('GET observed-states', '/observed-states'),
    get('GET observed-states query, NAME_ASC', '/observed-states?query=%20com&order_by=NAME_ASC'),
    get('GET observed-states limit 2', '/observed-states?order_by=NAME_ASC&limit=2'),
    get('GET observed-states limit 0', '/observed-states?limit=0'),
    get('GET observed-states bad sort', '/observed-states?order_by=name'),
    get('51 GET flow upper, no hyphens', '/flows/{{F1.upper}}'),
    get('51 GET flow_runs/filter', '/flow_runs/filter'),
    get('GET flow by name', '/flows/name/f-1'),
    get('GET flow by missing name', '/flows/name/nope'),
    get('GET flow run', '/flow_runs/{{R1}}'),
    get('GET flow run (subflow)', '/flow_runs/{{C}}'),
    get('GET flow run (scheduled)', '/flow_runs/{{R10}}'),
    get('GET flow run random', `/flow_runs/${RANDOM_ID}`),
    get('GET task run', '/task_runs/{{T1}}'),
    get('GET task run (parent of subflow)', '/task_runs/{{TPb}}'),
    get('GET task run random', `/task_runs/${RANDOM_ID}`),
    get('GET deployment', '/deployments/{{D11}}'),
    get('GET deployment (queue name only)', '/deployments/{{D12}}'),
    get('GET deployment (pool)', '/deployments/{{D31}}'),
    get('GET deployment random', `/deployments/${RANDOM_ID}`),
    get('GET deployment by name', '/deployments/name/f-1/d-1-1'),
    get('GET deployment by missing name', '/deployments/name/f-1/nope'),
    get('GET deployment schedules', '/deployments/{{D31}}/schedules'),
    get('GET work pool', '/work_pools/Test%20Pool'),
    get('GET work pool missing', '/work_pools/nope'),
    get('GET pool queue', '/work_pools/Test%20Pool/queues/default'),
    get('GET pool queue missing', '/work_pools/Test%20Pool/queues/nope'),
    get('GET work queue', '/work_queues/{{WQd}}'),
    get('GET work queue random', `/work_queues/${RANDOM_ID}`),
    get('GET work queue by name', '/work_queues/name/test-queue-for-filters'),
    q('work_pools/filter', '/work_pools/filter', {}, 'list'),
    q('work_pools/count', '/work_pools/count', {}),
    q('work_pools/count by name', '/work_pools/count', { work_pools: { name: { any_: ['Test Pool'] } } }),
    q('pool queues/filter', '/work_pools/Test%20Pool/queues/filter', {}, 'list'),
    q('pool queues/filter missing pool', '/work_pools/nope/queues/filter', {}),
    // Both pools have a queue named "default": a tie in Prefect's name order.
    q('work_queues/filter', '/work_queues/filter', {}, { groupBy: ['name'] }),
    q('flows/paginate', '/flows/paginate', { limit: 3, page: 2 }, 'list'),
    q('deployments/paginate', '/deployments/paginate', { limit: 2 }, 'list'),
  ];
}

/**
 * Values the read cases need that are derived from what each server returned: R4's start time written
 * other ways and one microsecond either side, and F1's id in upper case without hyphens.
 * @param {import('./normalize.mjs').Side} side
 */
export function deriveReadVars(side) {
  const f1 = side.vars.get('F1');
  if (typeof f1 === 'string') {
    side.vars.set('F1.upper', f1.replace(/-/g, '').toUpperCase());
    side.vars.set('F1.braced', `{${f1}}`);
  }
  const r1 = side.vars.get('R1');
  if (typeof r1 === 'string') side.vars.set('R1.upper', r1.replace(/-/g, '').toUpperCase());
  const start = side.vars.get('R4.start_time');
  const micros = typeof start === 'string' ? timeMicros(start) : null;
  if (micros === null) return;
  const t = BigInt(micros);
  side.vars.set('R4.start_naive', formatMicros(t).replace(/Z$/, ''));
  side.vars.set('R4.start_plus_one_hour', formatMicros(t, 60));
  side.vars.set('R4.start_next_micro', formatMicros(t + 1n));
  side.vars.set('R4.start_previous_micro', formatMicros(t - 1n));
}

/** ISO 8601 with 6 fraction digits, in UTC (`Z`) or at a whole-minute offset east of UTC. */
export function formatMicros(/** @type {bigint} */ micros, offsetMinutes = 0) {
  const local = micros + BigInt(offsetMinutes) * 60_000_000n;
  const ms = Number(local / 1000n);
  const fraction = String(local % 1_000_000n).padStart(6, '0');
  const base = new Date(ms).toISOString().slice(0, 19);
  if (offsetMinutes === 0) return `${base}.${fraction}Z`;
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${base}.${fraction}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}
