/** The /events/out WebSocket: auth, the filter message, backfill of recent events, then new events as they arrive. */
import { beforeEach, describe, expect, it } from 'vitest';
import { post, resetDb } from '../helpers';
import { event, openEventsIn } from './support';

const KEYS = { PREFECT_API_KEYS: 'pnu_out-key' };
const openOut = (opts: Parameters<typeof openEventsIn>[0] = {}) => openEventsIn({ ...opts, path: '/events/out' });
const nowIso = (msAgo = 0) => new Date(Date.now() - msAgo).toISOString();

beforeEach(async () => {
  await resetDb();
});

describe('/events/out', () => {
  it('backfills matching recent events, then streams new ones, once each', async () => {
    const old = event({ event: 'out.old', occurred: nowIso(60 * 60_000) }); // beyond the 15-minute backfill
    const recent = event({ event: 'out.recent', occurred: nowIso(60_000) });
    const other = event({ event: 'elsewhere.recent', occurred: nowIso(60_000) });
    expect((await post('/events', [old, recent, other])).status).toBe(204);

    const s = await openOut();
    expect(s.protocol).toBe('prefect');
    s.ws.send(JSON.stringify({ type: 'auth', token: null }));
    expect(JSON.parse(await s.next())).toEqual({ type: 'auth_success' });
    s.ws.send(JSON.stringify({ type: 'filter', filter: { event: { prefix: ['out.'] }, occurred: { since: nowIso(24 * 3600_000), until: new Date(Date.now() + 3600_000).toISOString() } } }));
    const first = JSON.parse(await s.next());
    expect(first).toMatchObject({ type: 'event', event: { id: recent.id, event: 'out.recent' } });

    const live = event({ event: 'out.live', occurred: nowIso() });
    expect((await post('/events', [event({ event: 'elsewhere.live', occurred: nowIso() }), live])).status).toBe(204);
    const second = JSON.parse(await s.next());
    expect(second.event).toMatchObject({ id: live.id, event: 'out.live' });
    expect(Object.keys(second.event)).toEqual(['occurred', 'event', 'resource', 'related', 'payload', 'id', 'follows', 'received']);
    s.ws.close(1000);
    expect(s.messages).toEqual([]);
  });

  it('closes with 1002 when the message after auth is not a filter, or the filter is invalid', async () => {
    const a = await openOut();
    a.ws.send(JSON.stringify({ type: 'auth' }));
    await a.next();
    a.ws.send(JSON.stringify({ type: 'subscribe' }));
    expect(await a.closed).toEqual({ code: 1002, reason: "Expected 'filter' message" });
    const b = await openOut();
    b.ws.send(JSON.stringify({ type: 'auth' }));
    await b.next();
    b.ws.send(JSON.stringify({ type: 'filter', filter: { nope: 1 } }));
    const closed = await b.closed;
    expect(closed.code).toBe(1002);
    expect(closed.reason).toMatch(/^Invalid filter/);
  });

  it('checks credentials as /events/in does', async () => {
    const s = await openOut({ bindings: KEYS });
    s.ws.send(JSON.stringify({ type: 'auth', token: 'wrong' }));
    expect(await s.closed).toEqual({ code: 1008, reason: 'Invalid token' });
    const ok = await openOut({ bindings: KEYS });
    ok.ws.send(JSON.stringify({ type: 'auth', token: KEYS.PREFECT_API_KEYS }));
    expect(JSON.parse(await ok.next())).toEqual({ type: 'auth_success' });
    ok.ws.close(1000);
  });
});
