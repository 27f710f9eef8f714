// @ts-check
// Child processes of the compatibility run (wrangler, Prefect's server): each in its own process
// group, so that stopping it also stops what it spawned (workerd, uvicorn) and nothing else.
/* global AbortSignal */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** @typedef {{ pid: number, exited: Promise<number | null>, running: () => boolean, stop: () => Promise<void> }} Child */

/**
 * @param {string} command
 * @param {string[]} args
 * @param {{ env: NodeJS.ProcessEnv, cwd?: string, logFile: string }} options  stdout and stderr go to logFile
 * @returns {Child}
 */
export function startChild(command, args, { env, cwd, logFile }) {
  const log = fs.openSync(logFile, 'a');
  const child = spawn(command, args, { env, cwd, detached: true, stdio: ['ignore', log, log] });
  fs.closeSync(log);
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  const pid = child.pid;
  /** @type {Promise<number | null>} */
  const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  const running = () => child.exitCode === null && child.signalCode === null;
  const killGroup = (/** @type {NodeJS.Signals} */ signal) => {
    try {
      process.kill(-pid, signal);
    } catch {
      /* the group is already empty */
    }
  };
  // If the runner dies on an exception, leave nothing behind.
  const onExit = () => killGroup('SIGKILL');
  process.once('exit', onExit);
  return {
    pid,
    exited,
    running,
    async stop() {
      if (running()) {
        killGroup('SIGTERM');
        await Promise.race([exited, sleep(5_000)]);
      }
      killGroup('SIGKILL');
      process.off('exit', onExit);
    },
  };
}

/** Polls GET url until it answers 200; throws when the child exits first or after timeoutMs. */
export async function waitForHttp(/** @type {string} */ url, /** @type {Child} */ child, timeoutMs = 180_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!child.running()) throw new Error(`process ${child.pid} exited before ${url} answered`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(3_000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      /* not up yet */
    }
    await sleep(300);
  }
  throw new Error(`${url} did not answer within ${timeoutMs / 1000} s`);
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
/** COMPAT_PORTS="8881,8882,…": the ports to hand out, in order, on a machine where ports are shared out. */
const assignedPorts = (process.env.COMPAT_PORTS ?? '').split(',').filter(Boolean).map(Number);

export function freePort() {
  const assigned = assignedPorts.shift();
  if (assigned !== undefined) return Promise.resolve(assigned);
  return /** @type {Promise<number>} */ (
    new Promise((resolve, reject) => {
      const srv = net.createServer();
      srv.on('error', reject);
      srv.listen(0, '127.0.0.1', () => {
        const address = srv.address();
        const port = typeof address === 'object' && address ? address.port : 0;
        srv.close(() => resolve(port));
      });
    })
  );
}
