/**
 * Server-side events: every flow-run state written (created, set_state, bulk) gets Prefect's
 * `prefect.flow-run.<State>` event in the same transaction, with the same statement count.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { post, resetDb, withDb } from '../helpers';
import { count } from './support';

beforeEach(async () => {
  await resetDb();
});

const eventsOf = async (runId: string) =>
  (await post('/events/filter', { filter: { resource: { id: [`prefect.flow-run.${runId}`] }, order: 'ASC' } })).body.events as any[];

describe('flow-run state events', () => {
  it('creation and each state change emit Prefect-shaped events, id = state id, following the previous state', async () => {
    const flow = await post('/flows/', { name: 'evented', tags: ['b-tag'] });
    const run = await post('/flow_runs/', { flow_id: flow.body.id, name: 'ev-run', tags: ['a-tag', 'b-tag'], state: { type: 'PENDING' } });
    expect(run.status).toBe(201);
    const running = await post(`/flow_runs/${run.body.id}/set_state`, { state: { type: 'RUNNING', message: 'go' } });
    expect(running.status).toBe(201);
    const events = await eventsOf(run.body.id);
    expect(events.map((e) => e.event)).toEqual(['prefect.flow-run.Pending', 'prefect.flow-run.Running']);
    const [pending, started] = events;
    expect(started.id).toBe(running.body.state.id);
    expect(started.follows).toBe(pending.id);
    expect(started.occurred).toBe(running.body.state.timestamp);
    expect(started.resource).toEqual({
      'prefect.resource.id': `prefect.flow-run.${run.body.id}`,
      'prefect.resource.name': 'ev-run',
      'prefect.run-count': '1',
      'prefect.state-message': 'go',
      'prefect.state-name': 'Running',
      'prefect.state-timestamp': running.body.state.timestamp.replace('Z', '+00:00'),
      'prefect.state-type': 'RUNNING',
    });
    expect(started.related).toEqual([
      { 'prefect.resource.id': `prefect.flow.${flow.body.id}`, 'prefect.resource.role': 'flow', 'prefect.resource.name': 'evented' },
      { 'prefect.resource.id': 'prefect.tag.a-tag', 'prefect.resource.role': 'tag' },
      { 'prefect.resource.id': 'prefect.tag.b-tag', 'prefect.resource.role': 'tag' },
    ]);
    expect(started.payload).toEqual({
      intended: { from: 'PENDING', to: 'RUNNING' },
      initial_state: { type: 'PENDING', name: 'Pending' },
      validated_state: { type: 'RUNNING', name: 'Running', message: 'go' },
    });
    expect(pending.payload.intended).toEqual({ from: null, to: 'PENDING' });
    expect(pending.follows).toBeNull();
    // Findable by related resource, through event_resource.
    const byFlow = await post('/events/filter', { filter: { related: { id: [`prefect.flow.${flow.body.id}`] } } });
    expect(byFlow.body.total).toBe(2);
  });

  it('a rejected transition writes no state and no event', async () => {
    const flow = await post('/flows/', { name: 'evented-2' });
    const run = await post('/flow_runs/', { flow_id: flow.body.id, state: { type: 'RUNNING' } });
    const rejected = await post(`/flow_runs/${run.body.id}/set_state`, { state: { type: 'PENDING' } });
    expect(rejected.body.status).not.toBe('ACCEPT');
    expect((await eventsOf(run.body.id)).map((e) => e.event)).toEqual(['prefect.flow-run.Running']);
  });

  it('bulk_set_state emits one event per run written, with the same statements for 1 run as for 20', async () => {
    const flow = await post('/flows/', { name: 'evented-bulk' });
    const ids: string[] = [];
    for (let i = 0; i < 21; i += 1) ids.push((await post('/flow_runs/', { flow_id: flow.body.id, state: { type: 'SCHEDULED' } })).body.id);
    const one = await post('/flow_runs/bulk_set_state', { flow_runs: { id: { any_: ids.slice(0, 1) } }, state: { type: 'CANCELLED' } });
    const many = await post('/flow_runs/bulk_set_state', { flow_runs: { id: { any_: ids.slice(1) } }, state: { type: 'CANCELLED' } });
    expect(one.status).toBe(200);
    expect(one.headers.get('x-sql-statements')).toBe(many.headers.get('x-sql-statements'));
    expect(await count(sql`SELECT count(*)::int AS n FROM event WHERE event = 'prefect.flow-run.Cancelled'`)).toBe(21);
    // Each event has its resource and its related flow in event_resource.
    expect(await count(sql`SELECT count(*)::int AS n FROM event_resource r JOIN event e ON e.id = r.event_id WHERE e.event = 'prefect.flow-run.Cancelled'`)).toBe(42);
  });

  it('a deployment run names its deployment, work queue and pool, and its creator', async () => {
    const flow = await post('/flows/', { name: 'evented-dep' });
    await post('/work_pools/', { name: 'ev-pool', type: 'process' });
    const dep = await post('/deployments/', { name: 'ev-dep', flow_id: flow.body.id, work_pool_name: 'ev-pool', tags: ['d-tag'] });
    const run = await post(`/deployments/${dep.body.id}/create_flow_run`, {});
    expect(run.status).toBe(201);
    const [created] = await eventsOf(run.body.id);
    expect(created.event).toBe('prefect.flow-run.Scheduled');
    expect(created.related.map((r: any) => r['prefect.resource.role'])).toEqual(['flow', 'deployment', 'work-queue', 'work-pool', 'tag', 'creator'].filter(
      (role) => role !== 'creator' || run.body.created_by?.type === 'DEPLOYMENT',
    ));
    const pool = created.related.find((r: any) => r['prefect.resource.role'] === 'work-pool');
    expect(pool).toMatchObject({ 'prefect.resource.name': 'ev-pool', 'prefect.work-pool.type': 'process' });
    const stored = await withDb((db) => db.execute(sql`SELECT resource_role FROM event_resource WHERE event_id = ${created.id} ORDER BY resource_role`));
    expect(stored.rows.length).toBe(created.related.length + 1);
  });
});
