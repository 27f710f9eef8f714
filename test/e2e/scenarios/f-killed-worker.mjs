// @ts-check
// f. A worker killed with SIGKILL (no goodbye) is marked OFFLINE once its heartbeats stop.
import assert from 'node:assert/strict';
import { GiveUp, waitFor } from '../lib/api.mjs';

const HEARTBEAT_S = 5;

/** @type {import('../run.mjs').Scenario} */
export default {
  id: 'f',
  title: 'a worker killed with SIGKILL goes OFFLINE',
  needs: 'workers (heartbeat) and services (foreman)',
  timeoutMs: 150_000,
  async run(ctx) {
    const pool = ctx.name('e2e-kill-pool');
    const workerName = ctx.name('e2e-doomed-worker');
    await ctx.prefect(['work-pool', 'create', pool, '--type', 'process'], { label: 'f-pool-create' });
    const worker = ctx.start(ctx.bin('prefect'), ['worker', 'start', '--pool', pool, '--name', workerName], {
      label: 'f-worker',
      env: { PREFECT_WORKER_HEARTBEAT_SECONDS: String(HEARTBEAT_S) },
    });
    const workers = () => ctx.api.post(`/work_pools/${pool}/workers/filter`, {});
    const online = await waitFor(
      `worker ${workerName} to report ONLINE`,
      async () => {
        if (!worker.running()) throw new GiveUp('the worker exited');
        return (await workers()).find((/** @type {any} */ w) => w.name === workerName && w.status === 'ONLINE');
      },
      { timeoutMs: 60_000, describe: async () => `workers: ${JSON.stringify(await workers())}\nworker output:\n${ctx.tail(worker.output())}` },
    );
    assert.equal(online.heartbeat_interval_seconds, HEARTBEAT_S, 'the worker reported its heartbeat interval');

    process.kill(worker.pid, 'SIGKILL');
    const killedAt = Date.now();
    await waitFor(
      `worker ${workerName} to go OFFLINE`,
      async () => (await workers()).find((/** @type {any} */ w) => w.name === workerName && w.status === 'OFFLINE'),
      { timeoutMs: 100_000, intervalMs: 1000, describe: async () => `workers: ${JSON.stringify(await workers())}` },
    );
    ctx.note(`OFFLINE ${((Date.now() - killedAt) / 1000).toFixed(0)} s after the SIGKILL`);
    // Prefect's foreman marks the worker OFFLINE and its pool NOT_READY in one pass; a server that
    // works a worker's status out when it is read shows OFFLINE first, so the pool gets its own wait.
    await waitFor(
      `pool ${pool}, whose only worker is offline, to be NOT_READY`,
      async () => (await ctx.api.get(`/work_pools/${pool}`)).status === 'NOT_READY',
      { timeoutMs: 60_000, intervalMs: 1000, describe: async () => `its status: ${(await ctx.api.get(`/work_pools/${pool}`)).status}` },
    );
    ctx.note(`pool NOT_READY ${((Date.now() - killedAt) / 1000).toFixed(0)} s after`);
  },
};
