// Fires the same automation (a reactive for_each trigger, a do-nothing and a failing cancel-flow-run
// action) on our server and on a running Prefect 3.9.1 server, and prints the shapes of the automation events
// each stored (prefect.automation.created / triggered / action.triggered / executed / failed) side by side.
// Usage: OURS_URL=http://127.0.0.1:8787/api PREFECT_URL=http://127.0.0.1:4200/api node scripts/compare-automation-events.mjs
const sides = { ours: process.env.OURS_URL ?? 'http://127.0.0.1:8787/api', prefect: process.env.PREFECT_URL ?? 'http://127.0.0.1:4200/api' };
const call = async (side, method, path, body) => { const r = await fetch(sides[side] + path, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) }); const t = await r.text(); return t ? JSON.parse(t) : null; };
const tag = `cmp.go.${Date.now()}`;
const autos = {};
for (const side of Object.keys(sides)) {
  autos[side] = await call(side, 'POST', '/automations/', { name: 'fire-cmp', trigger: { posture: 'Reactive', expect: [tag], for_each: ['prefect.resource.id'] }, actions: [{ type: 'do-nothing' }, { type: 'cancel-flow-run' }] });
}
await new Promise((r) => setTimeout(r, 3000));
for (const side of Object.keys(sides)) await call(side, 'POST', '/events', [{ id: crypto.randomUUID(), occurred: new Date().toISOString(), event: tag, resource: { 'prefect.resource.id': 'res.1' }, payload: { a: 1 } }]);
await new Promise((r) => setTimeout(r, 15000));
for (const side of Object.keys(sides)) {
  const ev = await call(side, 'POST', '/events/filter', { filter: { resource: { id: [`prefect.automation.${autos[side].id}`] }, order: 'ASC' } });
  console.log('==', side);
  for (const e of ev.events) console.log(JSON.stringify({ event: e.event, resource: e.resource, related: e.related.map((r) => r['prefect.resource.role']), payload: Object.fromEntries(Object.entries(e.payload).map(([k, v]) => [k, typeof v === 'object' && v ? Object.keys(v) : v])), follows: !!e.follows }));
}
