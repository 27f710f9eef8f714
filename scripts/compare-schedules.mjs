// Compares the runs our scheduler creates with those of a reference Prefect server for the same
// deployment schedules (not a test: it needs both servers running).
//   node scripts/compare-schedules.mjs http://127.0.0.1:8802/api http://127.0.0.1:4200/api
// For each schedule it creates a flow and a deployment on both servers and compares
//   1. the runs each server schedules by itself (its scheduler), and
//   2. the runs of POST /deployments/{id}/schedule for windows across the 2026 DST changes,
// by expected_start_time and by the date part of the idempotency key.
const [ours = 'http://127.0.0.1:8802/api', ref = 'http://127.0.0.1:4200/api'] = process.argv.slice(2);
const tag = Math.random().toString(36).slice(2, 8);

const SCHEDULES = [
  { interval: 3600, anchor_date: '2026-01-01T00:30:00Z', timezone: 'America/New_York' },
  { interval: 86400, anchor_date: '2026-01-05T07:30:00Z', timezone: 'America/New_York' },
  { interval: 900, anchor_date: '2026-02-01T00:00:00Z', timezone: 'UTC' },
  { cron: '0 * * * *', timezone: 'America/New_York' },
  { cron: '30 2 * * *', timezone: 'America/New_York' },
  { cron: '*/20 1-3 * * *', timezone: 'Europe/Paris', day_or: true },
  { cron: '0 9 1-7 * 1', timezone: 'America/New_York', day_or: false },
  { rrule: 'FREQ=DAILY;BYHOUR=2;BYMINUTE=30', timezone: 'America/New_York' },
  { rrule: 'DTSTART:20260101T090000\nRRULE:FREQ=WEEKLY;BYDAY=MO,WE,FR', timezone: 'Europe/Paris' },
  { rrule: 'FREQ=HOURLY;INTERVAL=2', timezone: 'America/New_York' },
];
// Filled up to end_time (min_runs and min_time beyond it), or to max_runs.
const WINDOWS = [
  { start_time: '2026-03-07T12:00:00Z', end_time: '2026-03-09T12:00:00Z', min_runs: 100, min_time: 864000, max_runs: 100 },
  { start_time: '2026-10-31T12:00:00Z', end_time: '2026-11-02T12:00:00Z', min_runs: 100, min_time: 864000, max_runs: 100 },
  { start_time: '2026-03-28T12:00:00Z', end_time: '2026-03-30T12:00:00Z', min_runs: 100, min_time: 864000, max_runs: 100 },
  { start_time: '2026-01-01T00:00:00Z', end_time: '2027-01-01T00:00:00Z', min_runs: 100, min_time: 31536000, max_runs: 100 },
];

async function call(base, method, path, body) {
  const res = await fetch(`${base}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${base}${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

async function deployment(base, name, schedule, paused) {
  const flow = await call(base, 'POST', '/flows/', { name });
  return (await call(base, 'POST', '/deployments/', { name, flow_id: flow.id, paused, schedules: [{ schedule }] })).id;
}

async function runs(base, id) {
  const list = await call(base, 'POST', '/flow_runs/filter', { deployments: { id: { any_: [id] } }, sort: 'EXPECTED_START_TIME_ASC', limit: 200 });
  return list.map((r) => `${r.expected_start_time} ${r.idempotency_key.split(' ').slice(3).join(' ')}`);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let differences = 0;
const report = (what, a, b) => {
  const same = JSON.stringify(a) === JSON.stringify(b);
  if (!same) differences++;
  console.log(`${same ? 'same' : 'DIFF'}  ${what}: ${a.length} runs${same ? '' : ` vs ${b.length}\n  ours: ${a.slice(0, 6).join(' | ')}\n  ref:  ${b.slice(0, 6).join(' | ')}`}`);
};

for (const [i, schedule] of SCHEDULES.entries()) {
  const label = JSON.stringify(schedule);
  // 1. Each server's own scheduler (ours schedules inline; Prefect's recent-deployments loop every 5 s).
  const name = `cmp-${tag}-${i}`;
  const [a, b] = await Promise.all([deployment(ours, name, schedule, false), deployment(ref, name, schedule, false)]);
  let ra = [];
  let rb = [];
  for (let t = 0; t < 40 && (ra.length === 0 || rb.length === 0); t++) {
    await sleep(500);
    [ra, rb] = await Promise.all([runs(ours, a), runs(ref, b)]);
  }
  // Both pick "now" a moment apart: compare the runs both horizons contain.
  const n = Math.min(ra.length, rb.length);
  report(`auto    ${label}`, ra.slice(0, n), rb.slice(0, n));
  // 2. Explicit windows (paused deployments: nothing else creates runs).
  for (const [w, window] of WINDOWS.entries()) {
    const pname = `cmpw-${tag}-${i}-${w}`;
    const [pa, pb] = await Promise.all([deployment(ours, pname, schedule, true), deployment(ref, pname, schedule, true)]);
    await Promise.all([call(ours, 'POST', `/deployments/${pa}/schedule`, window), call(ref, 'POST', `/deployments/${pb}/schedule`, window)]);
    report(`window ${window.start_time.slice(0, 10)} ${label}`, await runs(ours, pa), await runs(ref, pb));
  }
}
console.log(differences === 0 ? 'all the same' : `${differences} differences`);
process.exit(differences === 0 ? 0 : 1);
