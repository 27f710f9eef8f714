// @ts-check
// The requests the benchmark sends, identical for both servers. Read scenarios repeat one body; bulk
// scenarios send request n against the n-th set of 50 reserved runs (bench/lib/ids.mjs), so every
// bulk request does real work on runs nobody touched before.
import { BULK_SIZE } from './config.mjs';
import { bulkRunIds, uid } from './ids.mjs';
import { DEPLOYMENT_FILTERS } from './read-bodies.mjs';

/**
 * @typedef {import('./load.mjs').RequestSpec} RequestSpec
 * @typedef {import('./load.mjs').Reply} Reply
 * @typedef {{
 *   key: string, label: string, kind: 'read' | 'bulk',
 *   block?: keyof import('./config.mjs').BenchConfig['blocks'],
 *   spec: (n: number) => RequestSpec,
 *   check: (reply: Reply) => string | null,
 *   summary: (reply: Reply) => unknown,
 * }} Scenario
 */

/** @param {Reply} reply @returns {any} */
function json(reply) {
  return JSON.parse(reply.body.toString('utf8'));
}

/** @param {Reply} reply */
function expectStatus(reply, /** @type {number} */ status) {
  return reply.status === status ? null : `HTTP ${reply.status}: ${reply.body.toString('utf8').slice(0, 300)}`;
}

/**
 * What identifies an answer, compared between the two servers: the ids a filter returned, in order.
 * @param {Reply} reply
 */
const deploymentIds = (reply) => (/** @type {{ id: string }[]} */ (json(reply))).map((d) => d.id);

/** @param {string} key @param {string} label @param {unknown} body @returns {Scenario} */
function deploymentsFilter(key, label, body) {
  return {
    key,
    label,
    kind: 'read',
    spec: () => ({ method: 'POST', path: '/api/deployments/filter', body }),
    check: (reply) => expectStatus(reply, 200) ?? (reply.body[0] === 0x5b ? null : 'response is not a JSON array'),
    summary: deploymentIds,
  };
}

/** A day of the dataset, ending at its anchor (T0 in ./dataset.mjs): what the UI's dashboard asks about. */
const DAY = { after_: '2026-10-31T00:00:00Z', before_: '2026-11-01T00:00:00Z' };
const range = (/** @type {number} */ n) => Array.from({ length: n }, (_, i) => i);

/**
 * The UI's aggregates (POST /ui/...), as its flows list, runs list and dashboard send them: a page of
 * 20 flows, 50 flow runs, a day of history. Each is one SQL statement on our side.
 * @type {{ key: string, label: string, path: string, body: object, summary: (body: any) => unknown }[]}
 */
const UI_AGGREGATES = [
  {
    key: 'ui-flows-count-deployments',
    label: '/ui/flows/count-deployments (20 flows)',
    path: '/api/ui/flows/count-deployments',
    body: { flow_ids: range(20).map((f) => uid('flow', f)) },
    summary: (b) => b,
  },
  {
    key: 'ui-flows-next-runs',
    label: '/ui/flows/next-runs (20 flows)',
    path: '/api/ui/flows/next-runs',
    body: { flow_ids: range(20).map((f) => uid('flow', f)) },
    summary: (b) => Object.fromEntries(Object.entries(b).map(([k, v]) => [k, v?.next_scheduled_start_time ?? null])),
  },
  {
    key: 'ui-flow-runs-count-task-runs',
    label: '/ui/flow_runs/count-task-runs (50 runs)',
    path: '/api/ui/flow_runs/count-task-runs',
    body: { flow_run_ids: range(50).map((i) => uid('flow_run', i)) },
    summary: (b) => b,
  },
  {
    key: 'ui-flow-runs-history',
    label: '/ui/flow_runs/history (a day, ≤1000 runs)',
    path: '/api/ui/flow_runs/history',
    body: { sort: 'EXPECTED_START_TIME_DESC', limit: 1000, offset: 0, flow_runs: { expected_start_time: DAY } },
    summary: (b) => b.map((/** @type {{ id: string }} */ p) => p.id),
  },
  {
    key: 'ui-task-runs-dashboard-counts',
    label: '/ui/task_runs/dashboard/counts (a day)',
    path: '/api/ui/task_runs/dashboard/counts',
    body: { task_runs: { start_time: DAY } },
    summary: (b) => b,
  },
  {
    key: 'ui-task-runs-count',
    label: '/ui/task_runs/count (a day)',
    path: '/api/ui/task_runs/count',
    body: { task_runs: { start_time: DAY } },
    summary: (b) => b,
  },
];

/** Every bulk_set_state result should be ACCEPT (the reserved runs are in a state that allows it). */
function checkAllAccepted(/** @type {Reply} */ reply) {
  const bad = expectStatus(reply, 200);
  if (bad) return bad;
  const results = /** @type {{ status: string }[]} */ (json(reply).results);
  if (results.length !== BULK_SIZE) return `expected ${BULK_SIZE} results, got ${results.length}`;
  const notAccepted = results.filter((r) => r.status !== 'ACCEPT');
  return notAccepted.length ? `${notAccepted.length} results were not ACCEPT (e.g. ${JSON.stringify(notAccepted[0]).slice(0, 300)})` : null;
}

/** @param {Reply} reply */
const setStateSummary = (reply) => {
  const results = /** @type {{ flow_run_id: string, status: string, state: { type: string } | null }[]} */ (json(reply).results);
  return results.map((r) => `${r.flow_run_id}:${r.status}:${r.state?.type ?? null}`).sort();
};

/** @param {import('./config.mjs').BenchConfig} config @returns {Scenario[]} */
export function scenarios(config) {
  const { blocks } = config;
  return [
    ...Object.entries(DEPLOYMENT_FILTERS).map(([key, { label, body }]) => deploymentsFilter(key, label, body)),
    ...UI_AGGREGATES.map(({ key, label, path, body, summary }) => ({
      key,
      label,
      kind: /** @type {const} */ ('read'),
      spec: () => ({ method: 'POST', path, body }),
      check: (/** @type {Reply} */ reply) => expectStatus(reply, 200),
      summary: (/** @type {Reply} */ reply) => summary(json(reply)),
    })),
    {
      key: 'bulk-delete',
      label: '/flow_runs/bulk_delete (50)',
      kind: 'bulk',
      block: 'delete',
      spec: (n) => ({ method: 'POST', path: '/api/flow_runs/bulk_delete', body: { flow_runs: { id: { any_: bulkRunIds(blocks.delete, n) } }, limit: BULK_SIZE } }),
      check: (reply) => {
        const bad = expectStatus(reply, 200);
        if (bad) return bad;
        const deleted = /** @type {string[]} */ (json(reply).deleted);
        return deleted.length === BULK_SIZE ? null : `expected ${BULK_SIZE} deleted runs, got ${deleted.length}`;
      },
      summary: (reply) => [...json(reply).deleted].sort(),
    },
    {
      key: 'bulk-cancel',
      label: '/flow_runs/bulk_set_state → CANCELLING (50)',
      kind: 'bulk',
      block: 'cancel',
      spec: (n) => ({
        method: 'POST',
        path: '/api/flow_runs/bulk_set_state',
        body: { flow_runs: { id: { any_: bulkRunIds(blocks.cancel, n) } }, state: { type: 'CANCELLING', name: 'Cancelling' }, force: false, limit: BULK_SIZE },
      }),
      check: checkAllAccepted,
      summary: setStateSummary,
    },
    {
      key: 'bulk-reschedule',
      label: '/flow_runs/bulk_set_state → SCHEDULED (50)',
      kind: 'bulk',
      block: 'reschedule',
      spec: (n) => ({
        method: 'POST',
        path: '/api/flow_runs/bulk_set_state',
        body: { flow_runs: { id: { any_: bulkRunIds(blocks.reschedule, n) } }, state: { type: 'SCHEDULED', name: 'Scheduled' }, force: false, limit: BULK_SIZE },
      }),
      check: checkAllAccepted,
      summary: setStateSummary,
    },
  ];
}
