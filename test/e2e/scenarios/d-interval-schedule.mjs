// @ts-check
// d. A deployment made with `deploy(interval=60)` gets its scheduled runs within seconds, from the
// scheduler, without anything else happening.
import assert from 'node:assert/strict';
import { waitFor } from '../lib/api.mjs';

const INTERVAL_S = 60;
/** Prefect's scheduler makes at least this many runs of a new schedule (min_runs). */
const MIN_RUNS = 3;

/** @type {import('../run.mjs').Scenario} */
export default {
  id: 'd',
  title: `an interval deployment (every ${INTERVAL_S} s) gets its scheduled runs within seconds`,
  needs: 'services (scheduler)',
  timeoutMs: 120_000,
  async run(ctx) {
    const pool = ctx.name('e2e-interval-pool');
    const deploymentName = ctx.name('e2e-interval');
    await ctx.prefect(['work-pool', 'create', pool, '--type', 'process'], { label: 'd-pool-create' });
    const deployed = await ctx.python([ctx.flowsFile('deploy.py'), ctx.flowSource('d'), deploymentName, pool, String(INTERVAL_S)], {
      label: 'd-deploy',
      timeoutMs: 60_000,
    });
    assert.equal(deployed.code, 0, `deploy.py exited ${deployed.code}:\n${ctx.tail(deployed.output)}`);
    const deploymentId = /^E2E_DEPLOYMENT_ID (\S+)$/m.exec(deployed.output)?.[1];
    assert.ok(deploymentId, `deploy.py printed no deployment id:\n${ctx.tail(deployed.output)}`);
    const createdAt = Date.now();

    const query = { flow_runs: { deployment_id: { any_: [deploymentId] } }, sort: 'EXPECTED_START_TIME_ASC' };
    /** @type {any[]} */
    const runs = await waitFor(`at least ${MIN_RUNS} scheduled runs of ${deploymentName}`, async () => {
      const found = await ctx.api.post('/flow_runs/filter', query);
      return found.length >= MIN_RUNS ? found : null;
    }, { timeoutMs: 30_000, intervalMs: 1000, describe: async () => `found ${(await ctx.api.post('/flow_runs/filter', query)).length}` });
    ctx.note(`${runs.length} runs ${((Date.now() - createdAt) / 1000).toFixed(0)} s after the deployment was made`);

    for (const r of runs) {
      assert.equal(r.state_type, 'SCHEDULED', `run ${r.name} is ${r.state_type}`);
      assert.equal(r.auto_scheduled, true, `run ${r.name} is auto_scheduled`);
    }
    const [first, ...later] = runs.map((r) => Date.parse(r.expected_start_time));
    later.reduce((previous, t, i) => {
      assert.equal((t - previous) / 1000, INTERVAL_S, `runs ${i} and ${i + 1} are ${INTERVAL_S} s apart`);
      return t;
    }, /** @type {number} */ (first));
    const due = /** @type {number} */ (first);
    assert.ok(Math.abs(due - createdAt) <= 120_000, `the first run is due near now: ${runs[0].expected_start_time}`);
  },
};
