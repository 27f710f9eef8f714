// @ts-check
// What the scenarios assert through: our REST API, read with plain fetch, and bounded waits.
import { setTimeout as sleep } from 'node:timers/promises';
/* global AbortSignal */

/**
 * @param {string} apiUrl e.g. http://127.0.0.1:8787/api
 */
export function apiClient(apiUrl) {
  /**
   * @param {string} method
   * @param {string} path
   * @param {unknown} [body]
   * @returns {Promise<any>} the parsed JSON body
   */
  async function call(method, path, body) {
    const res = await fetch(`${apiUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(20_000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text.slice(0, 500)}`);
    return text ? JSON.parse(text) : null;
  }
  return {
    get: (/** @type {string} */ path) => call('GET', path),
    post: (/** @type {string} */ path, /** @type {unknown} */ body) => call('POST', path, body),
    /** GET that gives null on 404 (something not created yet). */
    async find(/** @type {string} */ path) {
      const res = await fetch(`${apiUrl}${path}`, { signal: AbortSignal.timeout(20_000) });
      const text = await res.text();
      if (res.status === 404) return null;
      if (!res.ok) throw new Error(`GET ${path} answered ${res.status}: ${text.slice(0, 500)}`);
      return JSON.parse(text);
    },
  };
}

/** @typedef {ReturnType<typeof apiClient>} Api */

/**
 * Calls `probe` until it returns something other than undefined/false/null, at most until timeoutMs.
 * On timeout the error says what was awaited and what `describe` makes of the last probe's answer.
 * @template T
 * @param {string} what
 * @param {() => Promise<T | undefined | null | false>} probe
 * @param {{ timeoutMs: number, intervalMs?: number, describe?: () => string | Promise<string> }} options
 * @returns {Promise<T>}
 */
export async function waitFor(what, probe, { timeoutMs, intervalMs = 500, describe }) {
  const deadline = Date.now() + timeoutMs;
  /** @type {unknown} */
  let lastError = null;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== null && v !== false) return v;
      lastError = null;
    } catch (e) {
      lastError = e;
      if (e instanceof GiveUp) break;
    }
    if (Date.now() >= deadline) break;
    await sleep(intervalMs);
  }
  let detail = '';
  if (describe) detail = await Promise.resolve(describe()).catch((e) => `(could not describe: ${e})`);
  if (lastError) detail += `${detail ? '\n' : ''}last error: ${lastError instanceof Error ? lastError.message : lastError}`;
  const why = lastError instanceof GiveUp ? `gave up` : `timed out after ${timeoutMs / 1000} s`;
  throw new Error(`${why} waiting for ${what}${detail ? `\n${detail}` : ''}`);
}

/** Thrown by a waitFor probe to stop waiting at once (what it waits for can no longer happen). */
export class GiveUp extends Error {}

/** The states of a flow run, oldest first, as "TYPE/Name". */
export async function flowRunStates(/** @type {Api} */ api, /** @type {string} */ flowRunId) {
  /** @type {any[]} */
  const states = await api.get(`/flow_run_states/?flow_run_id=${flowRunId}`);
  return states.sort((a, b) => a.timestamp.localeCompare(b.timestamp)).map((s) => `${s.type}/${s.name}`);
}

/** The states of a task run, oldest first, as "TYPE/Name". */
export async function taskRunStates(/** @type {Api} */ api, /** @type {string} */ taskRunId) {
  /** @type {any[]} */
  const states = await api.get(`/task_run_states/?task_run_id=${taskRunId}`);
  return states.sort((a, b) => a.timestamp.localeCompare(b.timestamp)).map((s) => `${s.type}/${s.name}`);
}

/**
 * Waits until a flow run reaches a final state and returns the run; fails on any final state but
 * COMPLETED, and at once when `runner` (the worker or `serve()` process that should run it) exits.
 * @param {Api} api
 * @param {string} flowRunId
 * @param {number} timeoutMs
 * @param {{ label: string, running: () => boolean }} [runner]
 */
export async function waitForCompleted(api, flowRunId, timeoutMs, runner) {
  const run = await waitFor(
    `flow run ${flowRunId} to finish`,
    async () => {
      if (runner && !runner.running()) throw new GiveUp(`${runner.label} exited before the run finished`);
      const r = await api.get(`/flow_runs/${flowRunId}`);
      return ['COMPLETED', 'FAILED', 'CRASHED', 'CANCELLED'].includes(r.state_type) ? r : null;
    },
    {
      timeoutMs,
      describe: async () => {
        const r = await api.get(`/flow_runs/${flowRunId}`);
        return `its state: ${r.state_type}/${r.state_name}; history: ${(await flowRunStates(api, flowRunId)).join(' → ')}`;
      },
    },
  );
  if (run.state_type !== 'COMPLETED') {
    throw new Error(
      `flow run ${flowRunId} ended ${run.state_type}/${run.state_name} (${run.state?.message ?? ''}); history: ${(await flowRunStates(api, flowRunId)).join(' → ')}`,
    );
  }
  return run;
}

/**
 * Waits until the flow run's stored logs include `message` (a run's last lines reach the API a
 * moment after its final state: the client sends logs in batches).
 */
export async function waitForLog(/** @type {Api} */ api, /** @type {string} */ flowRunId, /** @type {string} */ message, timeoutMs = 20_000) {
  const read = async () => (await api.post('/logs/filter', { logs: { flow_run_id: { any_: [flowRunId] } } })).map((/** @type {any} */ l) => l.message);
  await waitFor(`the log line "${message}" of flow run ${flowRunId}`, async () => (await read()).includes(message), {
    timeoutMs,
    describe: async () => `stored: ${JSON.stringify(await read())}`,
  });
}
