// @ts-check
// The processes the end-to-end suite starts (npm run dev, Prefect workers, `flow.serve`, scripts): each
// in a process group of its own, its output kept in memory and in a log file, and every one of them,
// with everything it spawned, stopped by stopAll() whatever happens (failure, timeout, Ctrl-C).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * @typedef {{
 *   pid: number,
 *   label: string,
 *   output: () => string,
 *   exited: Promise<{ code: number | null, signal: string | null }>,
 *   running: () => boolean,
 *   stop: (graceMs?: number) => Promise<void>,
 * }} Proc
 */

/** @type {Set<Proc>} */
const live = new Set();
/** Set by stopAll(): from then on nothing new may start (a scenario still running must not leak). */
let closed = false;

/** Every live (non-zombie) process below pid, children first-found order. */
export function descendants(/** @type {number} */ pid) {
  /** @type {Map<number, number[]>} */
  const children = new Map();
  let entries = [];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return []; // not Linux: process groups alone must do
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      /* exited meanwhile */
    }
  }
  /** @type {number[]} */
  const found = [];
  const walk = (/** @type {number} */ p) => {
    for (const c of children.get(p) ?? []) {
      found.push(c);
      walk(c);
    }
  };
  walk(pid);
  return found;
}

export function alive(/** @type {number} */ pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
}

function signal(/** @type {number} */ pid, /** @type {NodeJS.Signals} */ sig) {
  try {
    process.kill(pid, sig);
  } catch {
    /* gone */
  }
}

/**
 * Starts `command` in its own process group. Output (stdout and stderr interleaved) is kept for
 * assertions and appended to logDir/<label>.log.
 * @param {string} command
 * @param {string[]} args
 * @param {{ label: string, logDir: string, env?: NodeJS.ProcessEnv, cwd?: string, onOutput?: (chunk: string) => void }} options
 * @returns {Proc}
 */
export function start(command, args, { label, logDir, env = process.env, cwd, onOutput }) {
  if (closed) throw new Error(`not starting ${label}: the suite is stopping`);
  const logFile = path.join(logDir, `${label}.log`);
  fs.appendFileSync(logFile, `$ ${command} ${args.join(' ')}\n`);
  const child = spawn(command, args, { env, cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let spawnError = /** @type {Error | null} */ (null);
  const onData = (/** @type {Buffer} */ d) => {
    const s = d.toString();
    output += s;
    fs.appendFileSync(logFile, s);
    onOutput?.(s);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  /** @type {Promise<{ code: number | null, signal: string | null }>} */
  const exited = new Promise((resolve) => {
    child.once('error', (e) => {
      spawnError = e;
      output += `\n[could not start ${command}: ${e.message}]\n`;
      resolve({ code: 127, signal: null });
    });
    child.once('close', (code, sig) => resolve({ code, signal: sig }));
  });
  const pid = child.pid ?? -1;
  const running = () => !spawnError && child.exitCode === null && child.signalCode === null;

  /** @type {Proc} */
  const proc = {
    pid,
    label,
    output: () => output,
    exited,
    running,
    /**
     * SIGTERM to the group (the program's own shutdown: dev.mjs stops wrangler and the database, a
     * worker deregisters), then SIGKILL to whatever is left of it and of every process it spawned,
     * including those that moved to process groups of their own (wrangler, flow-run subprocesses).
     */
    async stop(graceMs = 15_000) {
      live.delete(proc);
      if (pid < 0) return;
      const tree = new Set(descendants(pid));
      signal(-pid, 'SIGTERM');
      // Wait for the program and what it started to end by themselves (npm may exit before dev.mjs
      // has finished stopping wrangler).
      const deadline = Date.now() + graceMs;
      while ((running() || [...tree].some(alive)) && Date.now() < deadline) {
        for (const p of descendants(pid)) tree.add(p);
        await sleep(100);
      }
      for (const p of descendants(pid)) tree.add(p);
      signal(-pid, 'SIGKILL');
      for (const p of tree) {
        signal(-p, 'SIGKILL');
        signal(p, 'SIGKILL');
      }
      await Promise.race([exited, sleep(5_000)]);
    },
  };
  // A process that ends by itself stays in `live`: stopAll() still reaps what it may have left behind.
  live.add(proc);
  return proc;
}

/**
 * Runs a command to its end within timeoutMs; the result carries its exit code and output.
 * @param {string} command
 * @param {string[]} args
 * @param {{ label: string, logDir: string, env?: NodeJS.ProcessEnv, cwd?: string, timeoutMs: number }} options
 */
export async function run(command, args, options) {
  const proc = start(command, args, options);
  const timedOut = Symbol('timeout');
  const result = await Promise.race([proc.exited, sleep(options.timeoutMs, timedOut)]);
  await proc.stop(2_000); // also reaps anything it left running
  if (result === timedOut) {
    throw new Error(`\`${command} ${args.join(' ')}\` did not finish within ${options.timeoutMs / 1000} s; its output:\n${tail(proc.output())}`);
  }
  return { code: result.code, signal: result.signal, output: proc.output() };
}

/** Stops every process still running that start() made (last started first). */
export async function stopAll() {
  closed = true;
  const procs = [...live].reverse();
  await Promise.all(procs.map((p) => p.stop(10_000).catch(() => {})));
}

/** The last lines of a long output, for error messages. */
export function tail(/** @type {string} */ text, lines = 40) {
  const all = text.trimEnd().split('\n');
  return (all.length > lines ? [`… (${all.length - lines} lines before)`, ...all.slice(-lines)] : all).join('\n');
}

/**
 * A suite runner's clean-up: the functions pushed onto `cleanups` (last pushed first) and stopAll(),
 * once however often `cleanUp` is called; also on SIGINT, SIGTERM and SIGHUP, then exit 130.
 * `processesFirst`: stopAll() before the cleanups (the e2e suite's order) rather than after them (the
 * browser suite's: its browser context closes first).
 * @param {string} label the suite's name in messages ('e2e')
 * @param {{ processesFirst?: boolean }} [options]
 */
export function suiteCleanup(label, { processesFirst = false } = {}) {
  /** @type {(() => Promise<void>)[]} */
  const cleanups = [];
  let cleaning = /** @type {Promise<void> | null} */ (null);
  const runCleanups = async () => {
    for (const fn of cleanups.reverse()) await fn().catch((err) => console.error(`[${label}] while cleaning up: ${err.message ?? err}`));
  };
  const cleanUp = () => {
    cleaning ??= (async () => {
      if (processesFirst) await stopAll();
      await runCleanups();
      if (!processesFirst) await stopAll();
    })();
    return cleaning;
  };
  for (const sig of /** @type {const} */ (['SIGINT', 'SIGTERM', 'SIGHUP'])) {
    process.on(sig, () => {
      console.error(`\n[${label}] ${sig}: stopping everything the suite started`);
      cleanUp().finally(() => process.exit(130));
    });
  }
  /** True once the clean-up has begun (a signal, the watchdog): long loops stop starting work. */
  const stopping = () => cleaning !== null;
  return { cleanups, cleanUp, stopping };
}

/** Runs a suite's main and exits with its code; when it throws: the error, the clean-up, exit 1. */
export function exitWith(/** @type {() => Promise<number>} */ main, /** @type {() => Promise<void>} */ cleanUp) {
  main().then(
    (code) => process.exit(code),
    async (err) => {
      console.error(err);
      await cleanUp();
      process.exit(1);
    },
  );
}
