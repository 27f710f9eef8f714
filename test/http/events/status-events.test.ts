/**
 * Status events of work pools, work queues and deployments: Prefect 3.9.1's `prefect.work-pool.*`,
 * `prefect.work-queue.*` and `prefect.deployment.*` events, written by the statement that changes the
 * status. The expected shapes are what the 3.9.1 server emitted for the same requests.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { workPool } from '../../../src/db/schema';
import { del, patch, post, resetDb, withDb } from '../helpers';
import { createDeployment, createPool, createQueue, poll } from '../workers/fixtures';
import { withServiceContext } from '../services/fixtures';
import { runForeman } from '../../../src/services/foreman';
import { updateWorkPool } from '../../../src/queries/work-pools';
import { nowMicros, toPgTimestamp } from '../../../src/time';

beforeEach(async () => {
  await resetDb();
});

interface Ev {
  id: string;
  event: string;
  resource: Record<string, string>;
  related: Record<string, string>[];
  payload: Record<string, unknown>;
  follows: string | null;
}

/** Events naming any of the resources, oldest first. */
async function eventsAbout(...ids: string[]): Promise<Ev[]> {
  const res = await post('/events/filter', { filter: { any_resource: { id: ids }, order: 'ASC' }, limit: 50 });
  expect(res.status).toBe(200);
  return res.body.events;
}
/** The status events (not created or deleted) among events naming any of the resources, oldest first. */
const statusEventsAbout = async (...ids: string[]) => (await eventsAbout(...ids)).filter((e) => /\.(ready|not-ready|paused)$/.test(e.event));
const names = (events: Ev[]) => events.map((e) => e.event);

const poolResource = (p: { id: string; name: string }) => ({
  'prefect.resource.id': `prefect.work-pool.${p.id}`,
  'prefect.resource.name': p.name,
  'prefect.work-pool.type': 'process',
});
const relatedPool = (p: { id: string; name: string }) => ({ ...poolResource(p), 'prefect.resource.role': 'work-pool' });
const queueResource = (id: string, name: string) => ({
  'prefect.resource.id': `prefect.work-queue.${id}`,
  'prefect.resource.name': name,
  'prefect.resource.role': 'work-queue',
});

async function deploymentNames(depId: string) {
  const rows = await withDb((db) =>
    db.execute(sql`SELECT d.name, f.name AS flow_name FROM deployment d JOIN flow f ON f.id = d.flow_id WHERE d.id = ${depId}`),
  );
  return rows.rows[0] as { name: string; flow_name: string };
}

const statusEventCount = () =>
  withDb(async (db) => ((await db.execute(sql`SELECT count(*)::int AS n FROM event WHERE event ~ '^prefect\\.(work-pool|work-queue|deployment)\\.'`)).rows[0] as { n: number }).n);

describe('work pool status events', () => {
  it('creation emits the first status; a heartbeat readies the pool once; each pause/unpause emits, following the previous', async () => {
    const pool = await createPool();
    const paused = await createPool({ is_paused: true });
    let events = await statusEventsAbout(`prefect.work-pool.${pool.id}`);
    expect(events.map(({ event, resource, related, payload, follows }) => ({ event, resource, related, payload, follows }))).toEqual([
      { event: 'prefect.work-pool.not-ready', resource: poolResource(pool), related: [], payload: {}, follows: null },
    ]);
    expect(names(await statusEventsAbout(`prefect.work-pool.${paused.id}`))).toEqual(['prefect.work-pool.paused']);

    expect((await post(`/work_pools/${pool.name}/workers/heartbeat`, { name: 'w1', heartbeat_interval_seconds: 30 })).status).toBe(204);
    expect((await post(`/work_pools/${pool.name}/workers/heartbeat`, { name: 'w1' })).status).toBe(204);
    events = await statusEventsAbout(`prefect.work-pool.${pool.id}`);
    expect(names(events)).toEqual(['prefect.work-pool.not-ready', 'prefect.work-pool.ready']);
    const ready = events[1]!;
    expect(ready).toMatchObject({ resource: poolResource(pool), related: [], payload: {}, follows: null });
    // The event's id is the pool's last_status_event_id, and it is a UUIDv7 (as Prefect's are).
    const stored = await withDb((db) => db.execute(sql`SELECT last_status_event_id::text AS id FROM work_pool WHERE id = ${pool.id}`));
    expect((stored.rows[0] as { id: string }).id).toBe(ready.id);
    expect(ready.id[14]).toBe('7');

    // As in Prefect 3.9.1, pausing a paused pool emits `paused` again; each event follows the previous one.
    for (const is_paused of [true, true, false]) expect((await patch(`/work_pools/${pool.name}`, { is_paused })).status).toBe(204);
    events = await statusEventsAbout(`prefect.work-pool.${pool.id}`);
    expect(names(events).slice(1)).toEqual(['prefect.work-pool.ready', 'prefect.work-pool.paused', 'prefect.work-pool.paused', 'prefect.work-pool.ready']);
    expect(events.slice(2).map((e) => e.follows)).toEqual(events.slice(1, 4).map((e) => e.id));
    // A PATCH that does not touch is_paused emits no status event.
    expect((await patch(`/work_pools/${pool.name}`, { description: 'x' })).status).toBe(204);
    expect(await statusEventsAbout(`prefect.work-pool.${pool.id}`)).toHaveLength(5);
  });

  it('a pause that rolls back leaves no event', async () => {
    const pool = await createPool();
    const before = await statusEventCount();
    await expect(
      withDb((db) =>
        db.transaction(async (tx) => {
          const [row] = await tx.select().from(workPool).where(eq(workPool.id, pool.id));
          await updateWorkPool(tx, row!, { is_paused: true });
          throw new Error('roll back');
        }),
      ),
    ).rejects.toThrow('roll back');
    expect(await statusEventCount()).toBe(before);
    expect(names(await statusEventsAbout(`prefect.work-pool.${pool.id}`))).toEqual(['prefect.work-pool.not-ready']);
  });
});

describe('work queue and deployment status events', () => {
  it("a worker's poll readies its queues and their deployments once, with Prefect's resources", async () => {
    const pool = await createPool();
    const q2 = await createQueue(pool.name, { name: 'q2' });
    const dep = await createDeployment(pool.name);
    const depNames = await deploymentNames(dep.id);
    expect((await poll(pool.name)).status).toBe(200);
    expect((await poll(pool.name)).status).toBe(200);
    expect((await post('/deployments/get_scheduled_flow_runs', { deployment_ids: [dep.id] })).status).toBe(200);

    const queueEvents = await statusEventsAbout(`prefect.work-queue.${pool.defaultQueueId}`, `prefect.work-queue.${q2}`);
    const readyQueues = queueEvents.filter((e) => e.resource['prefect.resource.id']!.startsWith('prefect.work-queue.'));
    expect(readyQueues.map(({ event, resource, related, payload, follows }) => ({ event, resource, related, payload, follows })).sort((a, b) =>
      a.resource['prefect.resource.name']!.localeCompare(b.resource['prefect.resource.name']!),
    )).toEqual([
      { event: 'prefect.work-queue.ready', resource: queueResource(pool.defaultQueueId, 'default'), related: [relatedPool(pool)], payload: {}, follows: null },
      { event: 'prefect.work-queue.ready', resource: queueResource(q2, 'q2'), related: [relatedPool(pool)], payload: {}, follows: null },
    ]);

    const depEvents = (await statusEventsAbout(`prefect.deployment.${dep.id}`)).filter((e) => e.event.startsWith('prefect.deployment.'));
    expect(depEvents.map(({ event, resource, related, payload, follows }) => ({ event, resource, related, payload, follows }))).toEqual([
      {
        event: 'prefect.deployment.ready',
        resource: { 'prefect.resource.id': `prefect.deployment.${dep.id}`, 'prefect.resource.name': depNames.name },
        related: [
          { 'prefect.resource.id': `prefect.flow.${dep.flowId}`, 'prefect.resource.name': depNames.flow_name, 'prefect.resource.role': 'flow' },
          { 'prefect.resource.id': `prefect.work-queue.${pool.defaultQueueId}`, 'prefect.resource.name': 'default', 'prefect.resource.role': 'work-queue' },
          relatedPool(pool),
        ],
        payload: {},
        follows: null,
      },
    ]);
    // Findable by the related pool (event_resource rows), and the primary resource has role ''.
    const byPool = await post('/events/filter', {
      filter: { related: { id: [`prefect.work-pool.${pool.id}`], role: ['work-pool'] }, event: { name: ['prefect.work-queue.ready', 'prefect.deployment.ready'] } },
    });
    expect(byPool.body.total).toBe(3);
    const roles = await withDb((db) =>
      db.execute(sql`SELECT r.resource_role FROM event_resource r JOIN event e ON e.id = r.event_id
        WHERE e.event = 'prefect.work-queue.ready' AND r.resource_id = e.resource_id`),
    );
    expect(roles.rows.map((r) => (r as { resource_role: string }).resource_role)).toEqual(['', '']);
  });

  it("a runner's poll readies a NOT_READY deployment once; the legacy queue poll readies the queue and its deployments", async () => {
    const pool = await createPool();
    const dep = await createDeployment(pool.name);
    expect((await post('/deployments/get_scheduled_flow_runs', { deployment_ids: [dep.id] })).status).toBe(200);
    expect((await post('/deployments/get_scheduled_flow_runs', { deployment_ids: [dep.id] })).status).toBe(200);
    expect(names(await statusEventsAbout(`prefect.deployment.${dep.id}`)).filter((n) => n.startsWith('prefect.deployment.'))).toEqual(['prefect.deployment.ready']);

    const pool2 = await createPool();
    const dep2 = await createDeployment(pool2.name);
    expect((await post(`/work_queues/${pool2.defaultQueueId}/get_runs`, {})).status).toBe(200);
    expect((await post(`/work_queues/${pool2.defaultQueueId}/get_runs`, {})).status).toBe(200);
    expect(names(await statusEventsAbout(`prefect.deployment.${dep2.id}`, `prefect.work-queue.${pool2.defaultQueueId}`)).sort()).toEqual([
      'prefect.deployment.ready',
      'prefect.work-queue.ready',
    ]);
  });

  it('pausing a queue emits paused once; unpausing a recently polled queue emits ready', async () => {
    const pool = await createPool();
    const q2 = await createQueue(pool.name, { name: 'q2' });
    expect((await poll(pool.name)).status).toBe(200);
    for (const is_paused of [true, true, false]) expect((await patch(`/work_pools/${pool.name}/queues/q2`, { is_paused })).status).toBe(204);
    expect((await patch(`/work_queues/${q2}`, { is_paused: true })).status).toBe(204);
    expect((await patch(`/work_pools/${pool.name}/queues/q2`, { priority: 3 })).status).toBe(204);
    const events = await statusEventsAbout(`prefect.work-queue.${q2}`);
    expect(names(events)).toEqual(['prefect.work-queue.ready', 'prefect.work-queue.paused', 'prefect.work-queue.ready', 'prefect.work-queue.paused']);
    expect(events[1]).toMatchObject({ resource: queueResource(q2, 'q2'), related: [relatedPool(pool)], payload: {} });
  });
});

describe('foreman status events', () => {
  it('emits not-ready for the pools, queues and deployments it marks, and nothing when run again', async () => {
    const pool = await createPool();
    const dep = await createDeployment(pool.name);
    expect((await post(`/work_pools/${pool.name}/workers/heartbeat`, { name: 'w1', heartbeat_interval_seconds: 30 })).status).toBe(204);
    expect((await poll(pool.name)).status).toBe(200);
    // Age the worker's heartbeat and the polls past the foreman's thresholds.
    const longAgo = toPgTimestamp(nowMicros() - 3600 * 1_000_000);
    await withDb(async (db) => {
      await db.execute(sql`UPDATE worker SET last_heartbeat_time = ${longAgo}::timestamptz`);
      await db.execute(sql`UPDATE work_queue SET last_polled = ${longAgo}::timestamptz`);
      await db.execute(sql`UPDATE deployment SET last_polled = ${longAgo}::timestamptz`);
    });
    const result = await withServiceContext(nowMicros(), runForeman);
    expect(result).toEqual({ workers: 1, pools: 1, deployments: 1, queues: 1 });
    await withServiceContext(nowMicros(), runForeman);

    const poolEvents = (await statusEventsAbout(`prefect.work-pool.${pool.id}`)).filter((e) => e.resource['prefect.resource.id'] === `prefect.work-pool.${pool.id}`);
    expect(names(poolEvents)).toEqual(['prefect.work-pool.not-ready', 'prefect.work-pool.ready', 'prefect.work-pool.not-ready']);
    expect(poolEvents[2]).toMatchObject({ resource: poolResource(pool), related: [], payload: {}, follows: poolEvents[1]!.id });

    const queueEvents = await statusEventsAbout(`prefect.work-queue.${pool.defaultQueueId}`);
    const own = queueEvents.filter((e) => e.resource['prefect.resource.id'] === `prefect.work-queue.${pool.defaultQueueId}`);
    expect(names(own)).toEqual(['prefect.work-queue.ready', 'prefect.work-queue.not-ready']);
    expect(own[1]).toMatchObject({ resource: queueResource(pool.defaultQueueId, 'default'), related: [relatedPool(pool)], payload: {} });

    const depEvents = (await statusEventsAbout(`prefect.deployment.${dep.id}`)).filter((e) => e.resource['prefect.resource.id'] === `prefect.deployment.${dep.id}`);
    expect(names(depEvents)).toEqual(['prefect.deployment.ready', 'prefect.deployment.not-ready']);
    expect(depEvents[1]!.related.map((r) => r['prefect.resource.role'])).toEqual(['flow', 'work-queue', 'work-pool']);
  });
});

describe('deleted events', () => {
  it("deleting a deployment, a pool queue, a legacy queue and a pool emits Prefect's deleted events", async () => {
    const pool = await createPool();
    const q2 = await createQueue(pool.name, { name: 'q2' });
    const dep = await createDeployment(pool.name, 'q2');
    const depNames = await deploymentNames(dep.id);
    const legacy = await post('/work_queues/', { name: 'legacy-q' });
    expect(legacy.status).toBe(201);
    expect((await del(`/deployments/${dep.id}`)).status).toBe(204);
    expect((await del(`/work_pools/${pool.name}/queues/q2`)).status).toBe(204);
    expect((await del(`/work_queues/${legacy.body.id}`)).status).toBe(204);
    expect((await del(`/work_pools/${pool.name}`)).status).toBe(204);

    const shape = ({ event, resource, related, payload, follows }: Ev) => ({ event, resource, related, payload, follows });
    const deleted = (await eventsAbout(`prefect.deployment.${dep.id}`)).filter((e) => e.event === 'prefect.deployment.deleted');
    expect(deleted.map(shape)).toEqual([
      {
        event: 'prefect.deployment.deleted',
        resource: { 'prefect.resource.id': `prefect.deployment.${dep.id}`, 'prefect.resource.name': depNames.name },
        related: [
          { 'prefect.resource.id': `prefect.flow.${dep.flowId}`, 'prefect.resource.name': depNames.flow_name, 'prefect.resource.role': 'flow' },
          queueResource(q2, 'q2'),
          relatedPool(pool),
        ],
        payload: {},
        follows: null,
      },
    ]);
    const queueDeleted = (id: string) => eventsAbout(`prefect.work-queue.${id}`).then((es) => es.filter((e) => e.event === 'prefect.work-queue.deleted' && e.resource['prefect.resource.id'] === `prefect.work-queue.${id}`).map(shape));
    expect(await queueDeleted(q2)).toEqual([{ event: 'prefect.work-queue.deleted', resource: queueResource(q2, 'q2'), related: [relatedPool(pool)], payload: {}, follows: null }]);
    const legacyDeleted = await queueDeleted(legacy.body.id);
    expect(legacyDeleted).toHaveLength(1);
    expect(legacyDeleted[0]!.related[0]).toMatchObject({ 'prefect.resource.name': 'default-agent-pool', 'prefect.work-pool.type': 'prefect-agent', 'prefect.resource.role': 'work-pool' });
    // The pool's remaining (default) queue goes with it, each with its event.
    expect(await queueDeleted(pool.defaultQueueId)).toEqual([
      { event: 'prefect.work-queue.deleted', resource: queueResource(pool.defaultQueueId, 'default'), related: [relatedPool(pool)], payload: {}, follows: null },
    ]);
    const poolDeleted = (await eventsAbout(`prefect.work-pool.${pool.id}`)).filter((e) => e.event === 'prefect.work-pool.deleted');
    expect(poolDeleted.map(shape)).toEqual([
      {
        event: 'prefect.work-pool.deleted',
        resource: relatedPool(pool),
        related: [{ 'prefect.resource.id': `prefect.work-queue.${pool.defaultQueueId}`, 'prefect.resource.role': 'default-queue' }],
        payload: {},
        follows: null,
      },
    ]);
    // A delete that finds nothing emits nothing.
    const before = await statusEventCount();
    expect((await del(`/deployments/${dep.id}`)).status).toBe(404);
    expect((await del(`/work_pools/${pool.name}`)).status).toBe(404);
    expect(await statusEventCount()).toBe(before);
  });
});

describe('created events', () => {
  it("creating a pool, a queue, a legacy queue and a deployment emits Prefect's created events, in its order", async () => {
    const pool = await createPool();
    const shape = ({ event, resource, related, payload, follows }: Ev) => ({ event, resource, related, payload, follows });
    expect((await eventsAbout(`prefect.work-pool.${pool.id}`)).map(shape)).toEqual([
      { event: 'prefect.work-queue.created', resource: queueResource(pool.defaultQueueId, 'default'), related: [relatedPool(pool)], payload: {}, follows: null },
      {
        event: 'prefect.work-pool.created',
        resource: relatedPool(pool),
        related: [{ 'prefect.resource.id': `prefect.work-queue.${pool.defaultQueueId}`, 'prefect.resource.role': 'default-queue' }],
        payload: {},
        follows: null,
      },
      { event: 'prefect.work-pool.not-ready', resource: poolResource(pool), related: [], payload: {}, follows: null },
    ]);
    const q2 = await createQueue(pool.name, { name: 'q2', priority: 1 });
    expect((await eventsAbout(`prefect.work-queue.${q2}`)).map(shape)).toEqual([
      { event: 'prefect.work-queue.created', resource: queueResource(q2, 'q2'), related: [relatedPool(pool)], payload: {}, follows: null },
    ]);
    // A deployment naming a queue that does not exist yet creates it: both are announced.
    const dep = await createDeployment(pool.name, 'q3');
    const depNames = await deploymentNames(dep.id);
    const created = (await eventsAbout(`prefect.deployment.${dep.id}`)).map(shape);
    expect(created).toEqual([
      {
        event: 'prefect.deployment.created',
        resource: { 'prefect.resource.id': `prefect.deployment.${dep.id}`, 'prefect.resource.name': depNames.name },
        related: [
          { 'prefect.resource.id': `prefect.flow.${dep.flowId}`, 'prefect.resource.name': depNames.flow_name, 'prefect.resource.role': 'flow' },
          expect.objectContaining({ 'prefect.resource.name': 'q3', 'prefect.resource.role': 'work-queue' }),
          relatedPool(pool),
        ],
        payload: {},
        follows: null,
      },
    ]);
    const q3 = created[0]!.related[1]!['prefect.resource.id']!;
    expect(names(await eventsAbout(q3))).toEqual(['prefect.work-queue.created', 'prefect.deployment.created']);
    // Upserting the same deployment again is an update, not a creation.
    expect((await post('/deployments/', { name: depNames.name, flow_id: dep.flowId, work_pool_name: pool.name, work_queue_name: 'q3' })).status).toBe(200);
    expect(names(await eventsAbout(`prefect.deployment.${dep.id}`))).toEqual(['prefect.deployment.created']);
    // A legacy queue lives in default-agent-pool, which is created with it (an agent pool: no status event).
    const legacy = await post('/work_queues/', { name: 'legacy-q' });
    expect(legacy.status).toBe(201);
    const legacyEvents = await eventsAbout(`prefect.work-queue.${legacy.body.id}`);
    expect(names(legacyEvents)).toEqual(['prefect.work-queue.created']);
    expect(legacyEvents[0]!.related[0]).toMatchObject({ 'prefect.resource.name': 'default-agent-pool', 'prefect.work-pool.type': 'prefect-agent' });
    const agentPool = legacyEvents[0]!.related[0]!['prefect.resource.id']!;
    expect(names(await eventsAbout(agentPool)).filter((n) => n.startsWith('prefect.work-pool.'))).toEqual(['prefect.work-pool.created']);
  });
});

describe('updated events', () => {
  it("a PATCH of a pool or queue emits Prefect's updated event for the sent fields that changed, and nothing when none did", async () => {
    const pool = await createPool();
    const q2 = await createQueue(pool.name, { name: 'q2' });
    expect((await patch(`/work_pools/${pool.name}`, { description: 'x' })).status).toBe(204);
    expect((await patch(`/work_pools/${pool.name}`, { description: 'x' })).status).toBe(204);
    expect((await patch(`/work_pools/${pool.name}/queues/q2`, { priority: 5, description: 'd' })).status).toBe(204);
    expect((await patch(`/work_pools/${pool.name}/queues/q2`, { priority: 5, description: 'd' })).status).toBe(204);
    const shape = ({ event, resource, related, payload, follows }: Ev) => ({ event, resource, related, payload, follows });
    const poolUpdated = (await eventsAbout(`prefect.work-pool.${pool.id}`)).filter((e) => e.event === 'prefect.work-pool.updated');
    expect(poolUpdated.map(shape)).toEqual([
      {
        event: 'prefect.work-pool.updated',
        resource: relatedPool(pool),
        related: [],
        payload: { updated_fields: ['description'], updates: { description: { from: null, to: 'x' } } },
        follows: null,
      },
    ]);
    const queueUpdated = (await eventsAbout(`prefect.work-queue.${q2}`)).filter((e) => e.event === 'prefect.work-queue.updated');
    expect(queueUpdated.map(shape)).toEqual([
      {
        event: 'prefect.work-queue.updated',
        resource: queueResource(q2, 'q2'),
        related: [relatedPool(pool)],
        payload: { updated_fields: ['description', 'priority'], updates: { description: { from: '', to: 'd' }, priority: { from: 2, to: 5 } } },
        follows: null,
      },
    ]);
    // Pausing is a status change, not an update.
    expect((await patch(`/work_pools/${pool.name}/queues/q2`, { is_paused: true })).status).toBe(204);
    expect(names(await eventsAbout(`prefect.work-queue.${q2}`)).filter((n) => n.endsWith('.updated'))).toHaveLength(1);
  });

  it("a PATCH or an upsert of a deployment emits Prefect's prefect.deployment.updated for the reported fields that changed", async () => {
    const pool = await createPool();
    const dep = await createDeployment(pool.name);
    const { name } = await deploymentNames(dep.id);
    const updates = async () =>
      (await eventsAbout(`prefect.deployment.${dep.id}`)).filter((e) => e.event === 'prefect.deployment.updated').map((e) => e.payload);
    expect((await patch(`/deployments/${dep.id}`, { description: 'hello', tags: ['a'], paused: true })).status).toBe(204);
    expect((await patch(`/deployments/${dep.id}`, { description: 'hello' })).status).toBe(204); // nothing changed
    // A limit that concurrency_limit creates is not reported as a concurrency_limit_id change (3.9.1);
    // the options are reported with every key.
    expect((await patch(`/deployments/${dep.id}`, { concurrency_limit: 3, concurrency_options: { collision_strategy: 'CANCEL_NEW' } })).status).toBe(204);
    const [limit] = (await withDb((db) => db.execute(sql`SELECT concurrency_limit_id AS id FROM deployment WHERE id = ${dep.id}`))).rows as { id: string }[];
    expect((await patch(`/deployments/${dep.id}`, { concurrency_limit: null })).status).toBe(204);
    const upsert = await post('/deployments/', { name, flow_id: dep.flowId, work_pool_name: pool.name, tags: ['b'] });
    expect(upsert.status).toBe(200);
    expect(await updates()).toEqual([
      {
        updated_fields: ['description', 'tags', 'paused'],
        updates: { description: { from: null, to: 'hello' }, tags: { from: [], to: ['a'] }, paused: { from: false, to: true } },
      },
      {
        updated_fields: ['concurrency_options'],
        updates: { concurrency_options: { from: null, to: { collision_strategy: 'CANCEL_NEW', grace_period_seconds: null } } },
      },
      { updated_fields: ['concurrency_limit_id'], updates: { concurrency_limit_id: { from: limit?.id, to: null } } },
      // The upsert rewrites tags; `paused` is not sent, so it stays.
      { updated_fields: ['tags'], updates: { tags: { from: ['a'], to: ['b'] } } },
    ]);
    const [first] = (await eventsAbout(`prefect.deployment.${dep.id}`)).filter((e) => e.event === 'prefect.deployment.updated');
    expect(first?.resource).toEqual({ 'prefect.resource.id': `prefect.deployment.${dep.id}`, 'prefect.resource.name': name });
    expect(first?.related.map((r) => r['prefect.resource.role'])).toEqual(['flow', 'work-queue', 'work-pool']);
  });
});
