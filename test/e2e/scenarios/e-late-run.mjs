// @ts-check
// e. A run nobody picks up (its pool has no worker) turns Late once it is overdue
// (Prefect: 15 s after its scheduled time, PREFECT_SERVER_SERVICES_LATE_RUNS_AFTER_SECONDS).
import assert from 'node:assert/strict';
import { flowRunStates, waitFor } from '../lib/api.mjs';

/** @type {import('../run.mjs').Scenario} */
export default {
  id: 'e',
  title: 'a run in a pool without a worker turns Late',
  needs: 'services (late runs)',
  timeoutMs: 150_000,
  async run(ctx) {
    const pool = ctx.name('e2e-late-pool');
    const deployment = ctx.name('e2e-late');
    await ctx.prefect(['work-pool', 'create', pool, '--type', 'process'], { label: 'e-pool-create' });
    const deployed = await ctx.python([ctx.flowsFile('deploy.py'), ctx.flowSource('e'), deployment, pool], { label: 'e-deploy', timeoutMs: 60_000 });
    assert.equal(deployed.code, 0, `deploy.py exited ${deployed.code}:\n${ctx.tail(deployed.output)}`);
    const started = await ctx.prefect(['deployment', 'run', `fn/${deployment}`], { label: 'e-deployment-run' });
    const id = ctx.flowRunIdIn(started.output);
    const scheduledAt = Date.now();
    const run = await waitFor(
      `flow run ${id} to turn Late`,
      async () => {
        const r = await ctx.api.get(`/flow_runs/${id}`);
        if (r.state_type !== 'SCHEDULED') throw new Error(`it left SCHEDULED: ${r.state_type}/${r.state_name}`);
        return r.state_name === 'Late' ? r : null;
      },
      { timeoutMs: 90_000, intervalMs: 1000, describe: async () => (await flowRunStates(ctx.api, id)).join(' → ') },
    );
    ctx.note(`Late ${((Date.now() - scheduledAt) / 1000).toFixed(0)} s after it was scheduled`);
    assert.deepEqual(await flowRunStates(ctx.api, id), ['SCHEDULED/Scheduled', 'SCHEDULED/Late']);
    assert.equal(Date.parse(run.state.state_details.scheduled_time), Date.parse(run.expected_start_time), 'Late keeps the scheduled time');
  },
};
