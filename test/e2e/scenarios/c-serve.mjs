// @ts-check
// c. `flow.serve(name=...)` in a background python process, then `prefect deployment run`: COMPLETED.
import assert from 'node:assert/strict';
import { GiveUp, waitFor, waitForCompleted } from '../lib/api.mjs';

/** @type {import('../run.mjs').Scenario} */
export default {
  id: 'c',
  title: '`flow.serve()` in the background runs `prefect deployment run`: COMPLETED',
  needs: 'workers',
  timeoutMs: 150_000,
  async run(ctx) {
    const deployment = ctx.name('e2e-served');
    const source = ctx.flowSource('c');
    const served = ctx.start(ctx.bin('python'), [ctx.flowsFile('serve.py'), source, deployment], { label: 'c-serve' });
    await waitFor(
      `the deployment fn/${deployment} that serve() creates`,
      async () => {
        if (!served.running()) throw new GiveUp(`serve.py exited:\n${ctx.tail(served.output())}`);
        const found = await ctx.api.post('/deployments/filter', { deployments: { name: { any_: [deployment] } } });
        return found.length === 1;
      },
      { timeoutMs: 60_000, describe: () => `serve.py output:\n${ctx.tail(served.output())}` },
    );
    const started = await ctx.prefect(['deployment', 'run', `fn/${deployment}`], { label: 'c-deployment-run' });
    const id = ctx.flowRunIdIn(started.output);
    await waitForCompleted(ctx.api, id, 90_000, served).catch((e) => {
      throw new Error(`${e.message}\nserve.py output:\n${ctx.tail(served.output())}`);
    });
    await ctx.waitForLog(id, 'fn says hello');
    assert.ok(served.running(), `serve.py stopped:\n${ctx.tail(served.output())}`);
  },
};
