// Benchmark (not a test): events ingestion and delivery through Prefect's WebSocket protocol.
//
//   npm run bench:events [-- N]         (default N = 20,000 events per run)
//
// 1. Ingestion over one socket: N events sent over one `/events/in` socket (the `prefect` subprotocol,
//    `{"type":"auth","token":null}` first, then one JSON event per message, as the SDK's EventsClient
//    does), timed from the first message until `POST /events/filter` counts all N stored.
// 2. The same over 10 sockets at once (N/10 each).
// 3. Latency from `/events/in` to `/events/out`: a subscriber sends its filter message, then LATENCY_N
//    events are sent one at a time at irregular intervals; for each, the time from its send to its
//    arrival at the subscriber (p50, p95, max).
// 4. Fan-out: 1, 10 and 50 subscribers on /events/out at once. While nothing happens (10 s), the
//    database load they cause: transactions and new connections per second (pg_stat_database, when the
//    database is known: ours, or BENCH_DATABASE_URL). Then FANOUT_N events sent one at a time: the
//    in → out latency over every (event, subscriber) pair.
// Prints events/s and whether any event was lost (stored count ≠ sent count, checked again after a pause),
// with the machine's 1-minute load average after each part (the figures move with it on a shared machine).
// Exits 1 when an event was lost or not delivered.
//
// By default it starts our server as `npm run test:e2e` does (`npm run dev` over a throwaway PostgreSQL
// cluster, PGlite without PostgreSQL) and stops it at the end. BENCH_API_URL=http://127.0.0.1:4200/api
// runs it against a server that is already running instead (Prefect's own, for a comparison; events of
// a unique prefix are added to its database and not removed). Loopback only; every wait is bounded.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { execFileSync } from 'node:child_process';
/* global AbortSignal */
import { exitWith } from '../test/e2e/lib/processes.mjs';
import { startServer } from '../test/e2e/lib/server.mjs';
import { stopAll } from '../test/e2e/lib/processes.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const N = Number(process.argv[2] ?? process.env.BENCH_EVENTS ?? 20_000);
const SOCKETS = 10;
const LATENCY_N = 50;
const FANOUT = (process.env.BENCH_FANOUT ?? '1,10,50').split(',').filter((x) => /^\d+$/.test(x)).map(Number);
const FANOUT_N = 20;
const RUNS = Number(process.env.BENCH_RUNS ?? 1);
const STORE_TIMEOUT_MS = 180_000;
const t0 = performance.now();
const log = (msg) => console.log(`[bench ${((performance.now() - t0) / 1000).toFixed(0).padStart(3)} s] ${msg}`);

let cleanUp = async () => {};
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => cleanUp().finally(() => process.exit(130)));

/** An open, authenticated socket on `path` (after `auth_success`). */
async function openSocket(apiUrl, socketPath) {
  const ws = new WebSocket(`${apiUrl.replace(/^http/, 'ws')}${socketPath}`, ['prefect']);
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${socketPath}: no auth_success within 20 s`)), 20_000);
    ws.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    ws.once('open', () => ws.send(JSON.stringify({ type: 'auth', token: null })));
    ws.once('message', (data) => {
      clearTimeout(timer);
      const msg = JSON.parse(String(data));
      if (msg.type === 'auth_success') resolve();
      else reject(new Error(`${socketPath}: expected auth_success, got ${String(data).slice(0, 200)}`));
    });
  });
  return ws;
}

/** Closes a socket and waits (bounded) for the close handshake. */
async function closeSocket(ws) {
  if (ws.readyState === WebSocket.CLOSED) return;
  const closed = new Promise((resolve) => ws.once('close', resolve));
  ws.close(1000);
  await Promise.race([closed, sleep(10_000)]);
}

/** An event as the SDK sends it: a resource, a related resource, a small payload. */
function makeEvent(name, i) {
  return {
    id: randomUUID(),
    occurred: new Date().toISOString(),
    event: name,
    resource: { 'prefect.resource.id': `bench.resource.${i}`, 'prefect.resource.name': `bench ${i}` },
    related: [{ 'prefect.resource.id': 'bench.parent', 'prefect.resource.role': 'parent' }],
    payload: { i },
  };
}

async function countStored(apiUrl, prefix) {
  const res = await fetch(`${apiUrl}/events/filter`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ filter: { event: { prefix: [prefix] } }, limit: 1 }),
    signal: AbortSignal.timeout(30_000),
  });
  if (!res.ok) throw new Error(`POST /events/filter answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
  return (await res.json()).total;
}

/**
 * Sends `total` events over `sockets` sockets at once and waits until all are stored.
 * @returns {{ sentS: number, storedS: number, stored: number }}
 */
async function ingest(apiUrl, total, sockets) {
  const prefix = `bench.${randomUUID().slice(0, 8)}.`;
  const conns = await Promise.all(Array.from({ length: sockets }, () => openSocket(apiUrl, '/events/in')));
  const errors = [];
  for (const ws of conns) ws.on('close', (code, reason) => code !== 1000 && code !== 1005 && errors.push(`socket closed ${code} ${reason}`));
  const per = Math.ceil(total / sockets);
  const start = performance.now();
  await Promise.all(
    conns.map(
      (ws, s) =>
        new Promise((resolve, reject) => {
          const from = s * per;
          const to = Math.min(total, from + per);
          let acked = 0;
          for (let i = from; i < to; i += 1) {
            ws.send(JSON.stringify(makeEvent(`${prefix}x`, i)), (err) => {
              if (err) return reject(err);
              acked += 1;
              if (acked === to - from) resolve();
            });
          }
          if (to <= from) resolve();
        }),
    ),
  );
  const sentS = (performance.now() - start) / 1000;
  // The SDK closes its socket when done; the server writes what it holds before the request ends.
  await Promise.all(conns.map(closeSocket));
  let stored = 0;
  const deadline = Date.now() + STORE_TIMEOUT_MS;
  while (Date.now() < deadline) {
    stored = await countStored(apiUrl, prefix);
    if (stored >= total) break;
    await sleep(50);
  }
  const storedS = (performance.now() - start) / 1000;
  // Anything still arriving late (or twice) shows up after a pause.
  await sleep(2_000);
  stored = await countStored(apiUrl, prefix);
  if (errors.length) log(`socket errors: ${errors.slice(0, 3).join('; ')}`);
  return { sentS, storedS, stored, timedOut: Date.now() >= deadline };
}

/** p-th percentile (nearest rank) of sorted values. */
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

/** Latency from a send on /events/in to the arrival on an /events/out subscriber. */
async function latency(apiUrl) {
  const prefix = `bench.latency.${randomUUID().slice(0, 8)}.`;
  const sub = await openSocket(apiUrl, '/events/out');
  /** @type {Map<string, number>} id → arrival time */
  const arrived = new Map();
  sub.on('message', (data) => {
    const msg = JSON.parse(String(data));
    if (msg.type === 'event' && msg.event.event.startsWith(prefix)) arrived.set(msg.event.id, performance.now());
  });
  // As the SDK's subscriber does: an explicit window reaching a year ahead (the default one ends now).
  const now = Date.now();
  const occurred = { since: new Date(now - 60_000).toISOString(), until: new Date(now + 365 * 86_400_000).toISOString() };
  sub.send(JSON.stringify({ type: 'filter', filter: { occurred, event: { prefix: [prefix] } }, backfill: false }));
  const sender = await openSocket(apiUrl, '/events/in');
  // The subscription is live once a warm-up event comes back.
  const warm = makeEvent(`${prefix}warmup`, -1);
  sender.send(JSON.stringify(warm));
  const warmDeadline = Date.now() + 30_000;
  while (!arrived.has(warm.id) && Date.now() < warmDeadline) await sleep(20);
  if (!arrived.has(warm.id)) throw new Error('/events/out delivered no warm-up event within 30 s');

  /** @type {Map<string, number>} id → send time */
  const sent = new Map();
  for (let i = 0; i < LATENCY_N; i += 1) {
    const e = makeEvent(`${prefix}x`, i);
    sent.set(e.id, performance.now());
    sender.send(JSON.stringify(e));
    // Irregular gaps (97–311 ms), so that sends fall at every phase of the server's polling.
    await sleep(97 + ((i * 89) % 215));
  }
  const deadline = Date.now() + 30_000;
  while ([...sent.keys()].some((id) => !arrived.has(id)) && Date.now() < deadline) await sleep(20);
  await closeSocket(sender);
  await closeSocket(sub);
  const ms = [...sent].filter(([id]) => arrived.has(id)).map(([id, at]) => arrived.get(id) - at).sort((a, b) => a - b);
  return { received: ms.length, ms };
}

/** Transactions and sessions so far in the database of `url` (pg_stat_database), or null. */
function dbCounters(url) {
  if (!url) return null;
  const out = execFileSync('psql', [url, '-Atc', 'SELECT xact_commit + xact_rollback, sessions FROM pg_stat_database WHERE datname = current_database()'], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  const [xacts, sessions] = out.trim().split('|').map(Number);
  return { xacts, sessions, at: performance.now() };
}

/** `subscribers` sockets on /events/out: idle database load, then latency over every (event, subscriber). */
async function fanout(apiUrl, subscribers, dbUrl) {
  const prefix = `bench.fanout.${randomUUID().slice(0, 8)}.`;
  const now = Date.now();
  const occurred = { since: new Date(now - 60_000).toISOString(), until: new Date(now + 365 * 86_400_000).toISOString() };
  /** @type {Map<string, number>[]} per subscriber: id → arrival */
  const arrivals = [];
  const subs = [];
  for (let i = 0; i < subscribers; i += 1) {
    const sub = await openSocket(apiUrl, '/events/out');
    const arrived = new Map();
    arrivals.push(arrived);
    sub.on('message', (data) => {
      const msg = JSON.parse(String(data));
      if (msg.type === 'event' && msg.event.event.startsWith(prefix)) arrived.set(msg.event.id, performance.now());
    });
    sub.send(JSON.stringify({ type: 'filter', filter: { occurred, event: { prefix: [prefix] } }, backfill: false }));
    subs.push(sub);
  }
  const sender = await openSocket(apiUrl, '/events/in');
  const warm = makeEvent(`${prefix}warmup`, -1);
  sender.send(JSON.stringify(warm));
  const warmDeadline = Date.now() + 60_000;
  while (arrivals.some((a) => !a.has(warm.id)) && Date.now() < warmDeadline) await sleep(20);
  if (arrivals.some((a) => !a.has(warm.id))) throw new Error(`fan-out ${subscribers}: warm-up not delivered to every subscriber within 60 s`);
  await sleep(1_000);
  const before = dbCounters(dbUrl);
  await sleep(10_000);
  const after = dbCounters(dbUrl);
  const idle =
    before && after
      ? { xactsPerS: ((after.xacts - before.xacts) * 1000) / (after.at - before.at), sessionsPerS: ((after.sessions - before.sessions) * 1000) / (after.at - before.at) }
      : null;
  const sent = new Map();
  for (let i = 0; i < FANOUT_N; i += 1) {
    const e = makeEvent(`${prefix}x`, i);
    sent.set(e.id, performance.now());
    sender.send(JSON.stringify(e));
    await sleep(97 + ((i * 89) % 215));
  }
  const deadline = Date.now() + 30_000;
  const missing = () => arrivals.some((a) => [...sent.keys()].some((id) => !a.has(id)));
  while (missing() && Date.now() < deadline) await sleep(20);
  await closeSocket(sender);
  await Promise.all(subs.map(closeSocket));
  const ms = arrivals.flatMap((a) => [...sent].filter(([id]) => a.has(id)).map(([id, at]) => a.get(id) - at)).sort((x, y) => x - y);
  return { subscribers, idle, received: ms.length, expected: FANOUT_N * subscribers, ms };
}

async function main() {
  let apiUrl = process.env.BENCH_API_URL?.replace(/\/$/, '');
  let dbUrl = process.env.BENCH_DATABASE_URL ?? '';
  let where;
  let workDir = null;
  const cleanups = [];
  cleanUp = async () => {
    await stopAll();
    for (const fn of cleanups.reverse()) await fn().catch(() => {});
    if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
  };
  try {
    if (apiUrl) {
      where = `${apiUrl} (BENCH_API_URL)`;
    } else {
      workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'prefect-edge-bench-events-'));
      const logDir = path.join(workDir, 'logs');
      fs.mkdirSync(logDir);
      const s = await startServer({ root, workDir, logDir, log, onCleanup: (fn) => cleanups.push(fn) });
      apiUrl = `http://127.0.0.1:${s.port}/api`;
      dbUrl = s.databaseUrl;
      where = `npm run dev on port ${s.port}, ${s.database}`;
    }
    // One small round first, so that connections and code paths are warm.
    await ingest(apiUrl, 200, 1);

    const results = [];
    for (let run = 0; run < RUNS; run += 1)
    for (const sockets of (process.env.BENCH_SOCKETS ?? `1,${SOCKETS}`).split(',').map(Number)) {
      log(`sending ${N} events over ${sockets} socket(s)…`);
      const r = await ingest(apiUrl, N, sockets);
      const rate = N / r.storedS;
      const lost = N - r.stored;
      results.push({ sockets, ...r, rate, lost, load: os.loadavg()[0] });
      log(
        `${sockets} socket(s): sent in ${r.sentS.toFixed(2)} s, all stored after ${r.storedS.toFixed(2)} s: ${Math.round(rate)} events/s; ` +
          `stored ${r.stored} of ${N}${lost > 0 ? ` (${lost} LOST)` : lost < 0 ? ` (${-lost} EXTRA)` : ', none lost'}${r.timedOut ? ' (TIMED OUT)' : ''}`,
      );
    }
    log(`latency: ${LATENCY_N} events, /events/in → /events/out subscriber…`);
    const lat = process.env.BENCH_LATENCY === 'false' ? { received: LATENCY_N, ms: [] } : await latency(apiUrl);
    const latLoad = os.loadavg()[0];
    const fans = [];
    for (const k of FANOUT) {
      log(`fan-out: ${k} subscriber(s)…`);
      fans.push({ ...(await fanout(apiUrl, k, dbUrl)), load: os.loadavg()[0] });
    }

    console.log(`\nevents benchmark (${where}; ${os.cpus().length} cores)`);
    for (const r of results) {
      console.log(
        `  ingestion, ${String(r.sockets).padStart(2)} socket(s): ${String(N).padStart(6)} events stored in ${r.storedS.toFixed(2).padStart(6)} s = ${String(Math.round(r.rate)).padStart(6)} events/s, ` +
          `${r.lost === 0 ? 'none lost' : r.lost > 0 ? `${r.lost} lost` : `${-r.lost} extra`} (load average ${r.load.toFixed(1)})`,
      );
    }
    if (lat.ms.length) {
      console.log(
        `  latency /events/in → /events/out: ${lat.received}/${LATENCY_N} received, p50 ${Math.round(pct(lat.ms, 50))} ms, ` +
          `p95 ${Math.round(pct(lat.ms, 95))} ms, max ${Math.round(lat.ms.at(-1))} ms (load average ${latLoad.toFixed(1)})`,
      );
    } else console.log('  latency /events/in → /events/out: no event received');
    for (const f of fans) {
      const idle = f.idle ? `idle database load ${f.idle.xactsPerS.toFixed(1)} transactions/s, ${f.idle.sessionsPerS.toFixed(1)} new connections/s; ` : '';
      const lat = f.ms.length ? `latency p50 ${Math.round(pct(f.ms, 50))} ms, p95 ${Math.round(pct(f.ms, 95))} ms` : 'nothing received';
      console.log(`  fan-out, ${String(f.subscribers).padStart(2)} subscriber(s): ${idle}${f.received}/${f.expected} delivered, ${lat} (load average ${f.load.toFixed(1)})`);
    }
    const ok = results.every((r) => r.lost === 0) && lat.received === LATENCY_N && fans.every((f) => f.received === f.expected);
    return ok ? 0 : 1;
  } finally {
    await cleanUp();
  }
}

exitWith(main, cleanUp);
