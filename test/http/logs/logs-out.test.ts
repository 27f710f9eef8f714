/** The /logs/out WebSocket (Prefect 3.9.1): auth, the filter message, then new matching log lines only (no backfill). */
import { randomUUID } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { post, resetDb } from '../helpers';
import { openEventsIn } from '../events/support';

const openLogsOut = () => openEventsIn({ path: '/logs/out' });
const line = (flowRunId: string, message: string) => ({
  name: 'prefect.flow_runs',
  level: 20,
  message,
  timestamp: new Date().toISOString(),
  flow_run_id: flowRunId,
  task_run_id: null,
});

beforeEach(async () => {
  await resetDb();
});

describe('/logs/out', () => {
  it('streams the matching lines written after the filter, once each, and none written before', async () => {
    const run = randomUUID();
    expect((await post('/logs/', [line(run, 'before')])).status).toBe(201);
    const s = await openLogsOut();
    expect(s.protocol).toBe('prefect');
    s.ws.send(JSON.stringify({ type: 'auth', token: null }));
    expect(JSON.parse(await s.next())).toEqual({ type: 'auth_success' });
    s.ws.send(JSON.stringify({ type: 'filter', filter: { flow_run_id: { any_: [run] } } }));
    expect((await post('/logs/', [line(randomUUID(), 'other run'), line(run, 'first')])).status).toBe(201);
    const first = JSON.parse(await s.next());
    expect(first).toMatchObject({ type: 'log', log: { message: 'first', flow_run_id: run, level: 20 } });
    expect(Object.keys(first.log)).toEqual(['id', 'created', 'updated', 'name', 'level', 'message', 'timestamp', 'flow_run_id', 'task_run_id']);
    expect((await post('/logs/', [line(run, 'second')])).status).toBe(201);
    expect(JSON.parse(await s.next()).log.message).toBe('second');
    s.ws.close(1000);
    expect(s.messages).toEqual([]);
  });

  it('closes with 1002 when the message after auth is not a filter, or the filter is invalid', async () => {
    const a = await openLogsOut();
    a.ws.send(JSON.stringify({ type: 'auth' }));
    await a.next();
    a.ws.send(JSON.stringify({ type: 'subscribe' }));
    expect(await a.closed).toEqual({ code: 1002, reason: "Expected 'filter' message" });
    const b = await openLogsOut();
    b.ws.send(JSON.stringify({ type: 'auth' }));
    await b.next();
    b.ws.send(JSON.stringify({ type: 'filter', filter: { level: { ge_: 'high' } } }));
    const closed = await b.closed;
    expect(closed.code).toBe(1002);
    expect(closed.reason).toMatch(/^Invalid filter/);
  });
});
