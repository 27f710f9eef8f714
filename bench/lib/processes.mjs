// @ts-check
// Child processes the benchmark starts (proxy, wrangler, Prefect): each runs in its own process group
// so that stopping it also stops what it spawned (workerd, uvicorn), and nothing else.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { onInterrupt } from './cleanup.mjs';

/**
 * @typedef {{ pid: number, stop: () => Promise<void>, exited: Promise<number | null> }} Child
 */

/**
 * @param {string} command
 * @param {string[]} args
 * @param {{ env?: NodeJS.ProcessEnv, logFile: string, cwd?: string, pipeStdout?: boolean }} options
 *   pipeStdout: read stdout through `child.stdout` (see firstLine); otherwise it goes to the log too.
 * @returns {Child & { stdout: import('node:stream').Readable | null }}
 */
export function startChild(command, args, { env = process.env, logFile, cwd, pipeStdout = false }) {
  const log = fs.openSync(logFile, 'a');
  const child = spawn(command, args, { env, cwd, detached: true, stdio: ['ignore', pipeStdout ? 'pipe' : log, log] });
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  const pid = child.pid;
  const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  const stop = async () => {
    forget();
    try {
      // The whole group we created (detached: true): wrangler's workerd, Prefect's uvicorn.
      process.kill(-pid, 'SIGTERM');
    } catch {
      return; // nothing left in the group
    }
    if (child.exitCode !== null || child.signalCode !== null) return;
    const timer = setTimeout(() => {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }, 5_000);
    await exited;
    clearTimeout(timer);
    fs.closeSync(log);
  };
  const forget = onInterrupt(stop);
  return { pid, stdout: child.stdout, exited: /** @type {Promise<number | null>} */ (exited), stop };
}

/** Resolves with the first stdout line of a child (e.g. a JSON hello), or rejects when it exits first. */
export function firstLine(/** @type {Child & { stdout: import('node:stream').Readable | null }} */ child, timeoutMs = 15_000) {
  const stdout = child.stdout;
  if (!stdout) throw new Error('firstLine needs a child started with pipeStdout');
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`no output from pid ${child.pid} within ${timeoutMs} ms`)), timeoutMs);
    stdout.on('data', (d) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(buf.slice(0, nl));
      }
    });
    child.exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`pid ${child.pid} exited with ${code} before printing`));
    });
  });
}

/* global AbortSignal */
/** Polls `url` until it answers 200, or throws after `timeoutMs` (or when the child exits). */
export async function waitForHttp(/** @type {string} */ url, /** @type {Child} */ child, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  child.exited.then(() => (exited = true));
  for (;;) {
    if (exited) throw new Error(`process ${child.pid} exited before ${url} answered`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
