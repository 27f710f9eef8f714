/**
 * The /events/in WebSocket: Prefect's auth handshake, events stored as they stream in (batched, flushed
 * when the socket closes), duplicates ignored, an invalid event closing the socket, and credentials
 * checked the way our HTTP routes check them.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { get, resetDb } from '../helpers';
import { basicHeader } from '../security/app';
import { holdLock } from '../security/faults';
import { count, event, eventCount, openEventsIn, until } from './support';

const KEYS = { PREFECT_API_KEYS: 'pnu_socket-key', PREFECT_API_AUTH_STRING: 'admin:socket-pass' };

beforeEach(async () => {
  await resetDb();
});

describe('/events/in protocol', () => {
  it('accepts the prefect subprotocol, answers the auth message, and stores the events sent after it', async () => {
    const s = await openEventsIn();
    expect(s.status).toBe(101);
    expect(s.protocol).toBe('prefect');
    s.ws.send(JSON.stringify({ type: 'auth', token: null }));
    expect(JSON.parse(await s.next())).toEqual({ type: 'auth_success' });
    const events = Array.from({ length: 5 }, () => event());
    for (const e of events) s.ws.send(JSON.stringify(e));
    // Stored while the socket is still open (batches are written every few ms).
    await until(async () => (await eventCount()) === 5);
    s.ws.close(1000);
    expect((await s.closed).code).toBe(1000);
  });

  it('writes what is still pending when the client closes right after sending', async () => {
    const s = await openEventsIn();
    s.ws.send(JSON.stringify({ type: 'auth' }));
    await s.next();
    const events = Array.from({ length: 250 }, () => event());
    for (const e of events) s.ws.send(JSON.stringify(e));
    s.ws.close(1000);
    await until(async () => (await eventCount()) === 250);
  });

  it('ignores an event id it already stored (a client resending after a reconnect)', async () => {
    const e = event();
    for (let i = 0; i < 2; i += 1) {
      const s = await openEventsIn();
      s.ws.send(JSON.stringify({ type: 'auth' }));
      await s.next();
      s.ws.send(JSON.stringify(e));
      s.ws.send(JSON.stringify(e));
      s.ws.close(1000);
      await until(async () => (await eventCount()) === 1);
    }
    expect(await count(sql`SELECT count(*)::int AS n FROM event_resource`)).toBe(1);
  });

  it('closes with 1008 when the first message is not an auth message, as Prefect does', async () => {
    const s = await openEventsIn();
    s.ws.send(JSON.stringify(event()));
    expect(await s.closed).toEqual({ code: 1008, reason: "Expected 'auth' message" });
    expect(await eventCount()).toBe(0);
  });

  it('keeps the events before an invalid one, then closes the socket with an error (the client reconnects)', async () => {
    const s = await openEventsIn();
    s.ws.send(JSON.stringify({ type: 'auth' }));
    await s.next();
    const good = event();
    s.ws.send(JSON.stringify(good));
    s.ws.send(JSON.stringify(event({ resource: {} })));
    s.ws.send(JSON.stringify(event()));
    const closed = await s.closed;
    expect(closed.code).toBe(1007);
    expect(closed.reason).toContain('prefect.resource.id');
    await until(async () => (await eventCount()) === 1);
    expect(await count(sql`SELECT count(*)::int AS n FROM event WHERE id = ${good.id}`)).toBe(1);
  });

  it('closes with 1007 on a message that is not JSON', async () => {
    const s = await openEventsIn();
    s.ws.send(JSON.stringify({ type: 'auth' }));
    await s.next();
    s.ws.send('not json');
    expect((await s.closed).code).toBe(1007);
  });

  it('without the subprotocol (legacy clients) takes events with no auth message when the server is open', async () => {
    const s = await openEventsIn({ protocol: false });
    expect(s.status).toBe(101);
    expect(s.protocol).toBeNull();
    s.ws.send(JSON.stringify(event()));
    s.ws.close(1000);
    await until(async () => (await eventCount()) === 1);
  });

  it('a batch the database refuses closes the socket with 1011, and the client resending loses nothing', async () => {
    // Every write of the batch times out behind a lock on the event table.
    const lock = await holdLock(sql`LOCK TABLE event IN ACCESS EXCLUSIVE MODE`);
    const bindings = { ALLOW_UNAUTHENTICATED: 'true', STATEMENT_TIMEOUT_MS: '300' };
    const events = Array.from({ length: 3 }, () => event());
    try {
      const s = await openEventsIn({ bindings });
      s.ws.send(JSON.stringify({ type: 'auth' }));
      await s.next();
      for (const e of events) s.ws.send(JSON.stringify(e));
      expect((await s.closed).code).toBe(1011);
    } finally {
      await lock.release();
    }
    expect(await eventCount()).toBe(0);
    // What the SDK does after an abnormal close: reconnect and resend the unconfirmed events.
    const again = await openEventsIn({ bindings });
    again.ws.send(JSON.stringify({ type: 'auth' }));
    await again.next();
    for (const e of events) again.ws.send(JSON.stringify(e));
    again.ws.close(1000);
    await until(async () => (await eventCount()) === 3);
  });

  it('a plain GET (no upgrade) gets 426', async () => {
    const res = await get('/events/in');
    expect(res.status).toBe(426);
  });
});

describe('/events/in credentials, with keys and an auth string configured', () => {
  const authed = async (s: Awaited<ReturnType<typeof openEventsIn>>, token: unknown) => {
    expect(s.status).toBe(101);
    s.ws.send(JSON.stringify({ type: 'auth', token }));
    return s;
  };

  it('accepts the auth string as the token (what the SDK sends with PREFECT_API_AUTH_STRING)', async () => {
    const s = await authed(await openEventsIn({ bindings: KEYS }), KEYS.PREFECT_API_AUTH_STRING);
    expect(JSON.parse(await s.next())).toEqual({ type: 'auth_success' });
    s.ws.send(JSON.stringify(event()));
    s.ws.close(1000);
    await until(async () => (await eventCount()) === 1);
  });

  it('accepts an API key as the token', async () => {
    const s = await authed(await openEventsIn({ bindings: KEYS }), KEYS.PREFECT_API_KEYS);
    expect(JSON.parse(await s.next())).toEqual({ type: 'auth_success' });
    s.ws.close(1000);
  });

  it('accepts valid HTTP credentials on the upgrade request, whatever the token', async () => {
    for (const authorization of [`Bearer ${KEYS.PREFECT_API_KEYS}`, basicHeader(KEYS.PREFECT_API_AUTH_STRING)]) {
      const s = await authed(await openEventsIn({ bindings: KEYS, headers: { authorization } }), null);
      expect(JSON.parse(await s.next())).toEqual({ type: 'auth_success' });
      s.ws.close(1000);
    }
    // Legacy clients (no subprotocol, no auth message) too.
    const legacy = await openEventsIn({ bindings: KEYS, protocol: false, headers: { authorization: `Bearer ${KEYS.PREFECT_API_KEYS}` } });
    expect(legacy.status).toBe(101);
    legacy.ws.close(1000);
  });

  it('closes with 1008 without a token, or with a wrong one, storing nothing sent after', async () => {
    const none = await authed(await openEventsIn({ bindings: KEYS }), null);
    none.ws.send(JSON.stringify(event()));
    expect(await none.closed).toEqual({ code: 1008, reason: 'Auth required but no token provided' });
    for (const token of ['admin:wrong', 'pnu_wrong', `Bearer ${KEYS.PREFECT_API_KEYS}`]) {
      const wrong = await authed(await openEventsIn({ bindings: KEYS }), token);
      expect(await wrong.closed).toEqual({ code: 1008, reason: 'Invalid token' });
    }
    const badHeader = await authed(await openEventsIn({ bindings: KEYS, headers: { authorization: 'Bearer pnu_wrong' } }), null);
    expect((await badHeader.closed).code).toBe(1008);
    expect(await eventCount()).toBe(0);
  });

  it('refuses a client without the subprotocol and without credentials (403, as Prefect refuses the handshake)', async () => {
    const s = await openEventsIn({ bindings: KEYS, protocol: false });
    expect(s.status).toBe(403);
    expect(s.ws).toBeNull();
  });

  it('refuses every socket of a deployed server with no credentials configured (401)', async () => {
    const s = await openEventsIn({ bindings: {} });
    expect(s.status).toBe(401);
    expect(s.ws).toBeNull();
  });
});
