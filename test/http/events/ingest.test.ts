/** POST /events: validation as Prefect's Event model, storage de-duplicated by id, constant statements. */
import { beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { post, resetDb, withDb } from '../helpers';
import { send } from '../security/app';
import { count, event, eventCount, taskRunEvent, at } from './support';

beforeEach(async () => {
  await resetDb();
});

describe('POST /events', () => {
  it('stores events with their resources, and answers 204', async () => {
    const e = event({
      event: 'my.event',
      resource: { 'prefect.resource.id': 'my.resource.1', 'prefect.resource.name': 'one' },
      related: [{ 'prefect.resource.id': 'my.other.2', 'prefect.resource.role': 'helper', extra: 'x' }],
      payload: { a: 1 },
      follows: crypto.randomUUID(),
      received: '1999-01-01T00:00:00Z', // ignored: the server sets it
    });
    const res = await post('/events', [e]);
    expect(res.status).toBe(204);
    expect(res.body).toBeNull();
    const [row] = (await withDb((db) => db.execute(sql`SELECT * FROM event WHERE id = ${e.id}`))).rows as any[];
    expect(row).toMatchObject({
      event: 'my.event',
      resource_id: 'my.resource.1',
      resource: e.resource,
      related: e.related,
      related_resource_ids: ['my.other.2'],
      payload: { a: 1 },
      follows: e.follows,
    });
    expect(new Date(row.received).getUTCFullYear()).toBeGreaterThan(2000);
    const resources = (await withDb((db) => db.execute(sql`SELECT resource_id, resource_role, resource FROM event_resource WHERE event_id = ${e.id} ORDER BY resource_role`))).rows;
    expect(resources).toEqual([
      { resource_id: 'my.resource.1', resource_role: '', resource: { 'prefect.resource.name': 'one' } },
      { resource_id: 'my.other.2', resource_role: 'helper', resource: { extra: 'x' } },
    ]);
  });

  it('ignores an event id it already has, within a batch and across batches', async () => {
    const e = event();
    expect((await post('/events', [e, e])).status).toBe(204);
    expect((await post('/events', [e, event()])).status).toBe(204);
    expect(await eventCount()).toBe(2);
    expect(await count(sql`SELECT count(*)::int AS n FROM event_resource WHERE event_id = ${e.id}`)).toBe(1);
  });

  it.each([
    ['no prefect.resource.id', { resource: { 'prefect.resource.name': 'x' } }, 'Resources must include the prefect.resource.id label'],
    ['an empty prefect.resource.id', { resource: { 'prefect.resource.id': '' } }, 'The prefect.resource.id label must be non-empty'],
    ['a related resource without a role', { related: [{ 'prefect.resource.id': 'r' }] }, 'Related Resources must include the prefect.resource.role label'],
    ['a non-string label', { resource: { 'prefect.resource.id': 'r', n: 1 } }, 'Input should be a valid string'],
    ['too many related resources', { related: Array.from({ length: 101 }, (_, i) => ({ 'prefect.resource.id': `r${i}`, 'prefect.resource.role': 'x' })) }, 'The maximum number of related resources is 100'],
    ['too many labels', { resource: Object.fromEntries([['prefect.resource.id', 'r'], ...Array.from({ length: 500 }, (_, i) => [`l${i}`, 'v'])]) }, 'The maximum number of labels per resource is 500'],
    ['an event name over 1024 characters', { event: 'e'.repeat(1025) }, 'Event name must be at most 1024 characters'],
    ['a bad id', { id: 'nope' }, 'Input should be a valid UUID'],
    ['a bad occurred', { occurred: 'yesterday' }, 'Invalid date string'],
  ])('refuses an event with %s (422), storing nothing of the batch', async (_what, over, message) => {
    const res = await post('/events', [event(), event(over)]);
    expect(res.status).toBe(422);
    expect(JSON.stringify(res.body.exception_detail)).toContain(message);
    expect(res.body.exception_detail[0].loc.slice(0, 2)).toEqual(['body', 1]);
    expect(await eventCount()).toBe(0);
  });

  it('drops an event larger than 1.5 MB, as Prefect does, and keeps the rest', async () => {
    const big = event({ payload: { blob: 'x'.repeat(1_500_001) } });
    const small = event();
    // Above the default 1 MiB body limit: raise it so the event-size rule is what decides.
    const res = await send('https://prefect.example.com/api/events', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([big, small]),
    }, { MAX_BODY_BYTES: '4000000', ALLOW_UNAUTHENTICATED: 'true' });
    expect(res.status).toBe(204);
    expect(await eventCount()).toBe(1);
  });

  it('a batch costs the same number of statements for 1 event as for 100 (with task runs recorded)', async () => {
    const flowRunId = (await withDb((db) => db.execute(sql`INSERT INTO flow (name) VALUES ('f') RETURNING id`))).rows[0] as { id: string };
    const run = (await withDb((db) => db.execute(sql`INSERT INTO flow_run (name, flow_id) VALUES ('r', ${flowRunId.id}) RETURNING id`))).rows[0] as { id: string };
    const batch = (n: number, offset: number) =>
      Array.from({ length: n }, (_, i) => [
        taskRunEvent({ taskRunId: crypto.randomUUID(), flowRunId: run.id, type: 'PENDING', occurred: at(offset + i), dynamicKey: `${offset + i}` }),
        event(),
      ]).flat();
    const one = await post('/events', batch(1, 0));
    const many = await post('/events', batch(50, 1000));
    expect(one.status).toBe(204);
    expect(many.status).toBe(204);
    expect(one.headers.get('x-sql-statements')).toBe(many.headers.get('x-sql-statements'));
    expect(Number(many.headers.get('x-sql-statements'))).toBeLessThanOrEqual(4); // BEGIN, events, recorder, COMMIT
    expect(await count(sql`SELECT count(*)::int AS n FROM task_run`)).toBe(51);
    expect(await eventCount()).toBe(102);
  });
});
