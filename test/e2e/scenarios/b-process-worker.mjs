// @ts-check
// b. A process work pool made with the CLI, `prefect worker start` in the background, a deployment made
// with `flow.from_source(...).deploy(...)`, and `prefect deployment run`: the worker runs it to COMPLETED.
import assert from 'node:assert/strict';
import { GiveUp, flowRunStates, waitFor, waitForCompleted } from '../lib/api.mjs';

/** @type {import('../run.mjs').Scenario} */
export default {
  id: 'b',
  title: '`prefect worker start` (process pool) runs a `from_source(...).deploy(...)` deployment: COMPLETED',
  needs: 'workers',
  timeoutMs: 180_000,
  async run(ctx) {
    const pool = ctx.name('e2e-pool');
    const deployment = ctx.name('e2e-worker-deployment');
    await ctx.prefect(['work-pool', 'create', pool, '--type', 'process'], { label: 'b-pool-create' });
    const worker = ctx.start(ctx.bin('prefect'), ['worker', 'start', '--pool', pool, '--name', ctx.name('e2e-worker')], { label: 'b-worker' });

    const source = ctx.flowSource('b');
    const deployed = await ctx.python([ctx.flowsFile('deploy.py'), source, deployment, pool], { label: 'b-deploy', timeoutMs: 60_000 });
    assert.equal(deployed.code, 0, `deploy.py exited ${deployed.code}:\n${ctx.tail(deployed.output)}`);

    await waitFor(
      `the worker to report ONLINE in ${pool}`,
      async () => {
        if (!worker.running()) throw new GiveUp('the worker exited');
        const workers = await ctx.api.post(`/work_pools/${pool}/workers/filter`, {});
        return workers.some((/** @type {any} */ w) => w.status === 'ONLINE');
      },
      { timeoutMs: 60_000, describe: () => `worker output:\n${ctx.tail(worker.output())}` },
    );

    const started = await ctx.prefect(['deployment', 'run', `fn/${deployment}`], { label: 'b-deployment-run' });
    const id = ctx.flowRunIdIn(started.output);
    const run = await waitForCompleted(ctx.api, id, 120_000, worker).catch((e) => {
      throw new Error(`${e.message}\nworker output:\n${ctx.tail(worker.output())}`);
    });
    assert.equal(run.work_pool_name, pool);
    const states = await flowRunStates(ctx.api, id);
    for (const s of ['SCHEDULED/Scheduled', 'PENDING/Pending', 'RUNNING/Running', 'COMPLETED/Completed']) {
      assert.ok(states.includes(s), `the history ${states.join(' → ')} lacks ${s}`);
    }
    await ctx.waitForLog(id, 'fn says hello');
    assert.ok(worker.running(), `the worker stopped:\n${ctx.tail(worker.output())}`);
  },
};
