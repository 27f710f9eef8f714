// `wrangler dev` as a child process that can always be stopped completely.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { createRequire } from 'node:module';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const MIN_NODE = [22, 12];

/** A Node that wrangler accepts: this one, else the `node` devDependency (npm run puts it first on PATH). */
export function nodeForWrangler(root) {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1])) return process.execPath;
  const local = path.join(root, 'node_modules', '.bin', 'node');
  if (fs.existsSync(local)) return local;
  throw new Error(`wrangler needs Node >= ${MIN_NODE.join('.')} and this is ${process.version}: run \`npm ci\`, then \`npm run dev\``);
}

/** Fails early when 127.0.0.1:port is taken, rather than letting the health check reach whatever answers there. */
export function assertPortFree(port) {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', (e) =>
      reject(new Error(e.code === 'EADDRINUSE' ? `port ${port} is in use (another \`npm run dev\`?); set PORT to use another` : e.message)),
    );
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve()));
  });
}

/**
 * Starts `wrangler dev` on 127.0.0.1:port with the given bindings.
 *
 * Wrangler runs workerd as its own child, and workerd outlives a wrangler that dies abruptly. So
 * wrangler gets a process group of its own, and stopping it ends with a SIGKILL to that whole group.
 * The price: a background process group may not read the terminal, so wrangler's hotkeys are off
 * (Ctrl-C still works: it reaches this script, which stops wrangler).
 *
 * Bindings go in as `--var` rather than a generated .dev.vars: nothing is written that could go stale
 * or overwrite the developer's own .dev.vars (their other settings still load, and `--var` wins over
 * a leftover DATABASE_URL there), and wrangler prints them as "(hidden)". The cost: they show in `ps`.
 */
export function startWranglerDev({ root, port, bindings, testScheduled = false }) {
  const wrangler = path.join(path.dirname(createRequire(import.meta.url).resolve('wrangler/package.json')), 'bin', 'wrangler.js');
  const args = [wrangler, 'dev', '--ip', '127.0.0.1', '--port', String(port), '--show-interactive-dev-session=false'];
  // `--test-scheduled` exposes /__scheduled, which runs the Worker's scheduled() handler (the cron trigger).
  if (testScheduled) args.push('--test-scheduled');
  for (const [name, value] of Object.entries(bindings)) args.push('--var', `${name}:${value}`);
  const child = spawn(nodeForWrangler(root), args, {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: {
      ...process.env,
      WRANGLER_SEND_METRICS: 'false',
      // Offline-friendly: use miniflare's placeholder Request.cf instead of downloading it (the app
      // reads nothing from it).
      CLOUDFLARE_CF_FETCH_ENABLED: process.env.CLOUDFLARE_CF_FETCH_ENABLED ?? 'false',
      // Wrangler's logs and settings stay inside the project instead of ~/.config.
      XDG_CONFIG_HOME: path.join(root, '.wrangler', 'config'),
    },
  });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const running = () => child.exitCode === null && child.signalCode === null;

  const killGroup = (signal) => {
    try {
      process.kill(-child.pid, signal);
    } catch {
      /* the group is already empty */
    }
  };
  // If this script dies on an exception, leave nothing behind.
  const onExit = () => killGroup('SIGKILL');
  process.once('exit', onExit);

  return {
    child,
    exited,
    running,
    /** Asks wrangler to shut down (it stops workerd), then kills whatever is left of its group. */
    async stop(signal = 'SIGTERM', graceMs = 10_000) {
      if (child.pid === undefined) return;
      if (running()) {
        child.kill(signal);
        await Promise.race([exited, sleep(graceMs)]);
      }
      killGroup('SIGKILL');
      process.off('exit', onExit);
    },
  };
}

/** Polls GET url until it answers `true`; false if wrangler exits first, an error after timeoutMs. */
export async function waitForHealth(url, { running, timeoutMs = 120_000 }) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!running()) return false;
    const healthy = await Promise.race([
      fetch(url)
        .then(async (res) => res.ok && (await res.json()) === true)
        .catch(() => false),
      sleep(5000, false),
    ]);
    if (healthy) return true;
    await sleep(250);
  }
  throw new Error(`${url} did not answer within ${timeoutMs / 1000} s`);
}
