// @ts-check
// The requests the benchmark sends, identical for both servers. Read scenarios repeat one body; bulk
// scenarios send request n against the n-th set of 50 reserved runs (bench/lib/ids.mjs), so every
// bulk request does real work on runs nobody touched before.
import { BULK_SIZE } from './config.mjs';
import { bulkRunIds } from './ids.mjs';
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
