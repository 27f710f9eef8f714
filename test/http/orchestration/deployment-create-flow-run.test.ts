/** POST /deployments/{id}/create_flow_run: what `prefect deployment run` calls. */
import { describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { post, withDb } from '../helpers';
import { createDeployment, history, limitRow } from './fixtures';

const createRun = (deploymentId: string, body: unknown) => post(`/deployments/${deploymentId}/create_flow_run`, body);

describe('POST /deployments/{id}/create_flow_run', () => {
  it('creates one SCHEDULED run of the deployment and answers 201 with the FlowRunResponse', async () => {
    const dep = await createDeployment({ limit: 1 });
    await withDb((db) => db.execute(sql`UPDATE deployment SET parameters = '{"x": 0, "y": "keep"}', tags = '["dep-tag"]' WHERE id = ${dep.id}`));
    const res = await createRun(dep.id, { parameters: { x: 1 }, tags: ['run-tag'] });
    expect(res.status).toBe(201);
    expect(res.body.deployment_id).toBe(dep.id);
    expect(res.body.flow_id).toBe(dep.flowId);
    expect(res.body.parameters).toEqual({ x: 1, y: 'keep' });
    expect(res.body.tags).toEqual(['dep-tag', 'run-tag']);
    expect(res.body.state.type).toBe('SCHEDULED');
    expect(res.body.state.state_details.flow_run_id).toBe(res.body.id);
    expect(res.body.name).toMatch(/^[a-z]+-[a-z]+$/);
    expect(await history(res.body.id)).toHaveLength(1);
    // A forced initial state never takes a deployment concurrency slot.
    expect((await limitRow(dep.limitId!)).active_slots).toBe(0);
  });

  it('honours the initial state, name and idempotency key', async () => {
    const dep = await createDeployment({});
    const first = await createRun(dep.id, { name: 'manual', state: { type: 'PENDING' }, idempotency_key: 'k-1' });
    expect(first.status).toBe(201);
    expect([first.body.name, first.body.state_type]).toEqual(['manual', 'PENDING']);
    const again = await createRun(dep.id, { name: 'other', idempotency_key: 'k-1' });
    expect(again.body.id).toBe(first.body.id);
    expect(again.body.name).toBe('manual');
  });

  it('404 for an unknown deployment, 404 Not Found for a non-UUID path', async () => {
    const res = await createRun(crypto.randomUUID(), {});
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ detail: 'Deployment not found' });
    expect((await createRun('not-a-uuid', {})).body).toEqual({ detail: 'Not Found' });
  });

  it('422 for unknown keys and bad types; 400 for an unknown work queue', async () => {
    const dep = await createDeployment({});
    const extra = await createRun(dep.id, { bogus: 1 });
    expect(extra.status).toBe(422);
    expect(extra.body.exception_detail[0]).toMatchObject({ type: 'extra_forbidden', loc: ['body', 'bogus'] });
    const badTags = await createRun(dep.id, { tags: 'x' });
    expect(badTags.status).toBe(422);
    expect(badTags.body.exception_detail[0]).toMatchObject({ type: 'list_type', loc: ['body', 'tags'] });
    const queue = await createRun(dep.id, { work_queue_name: 'nope' });
    expect(queue.status).toBe(400);
    expect(queue.body.detail).toBe('Work queue "nope" not found.');
  });
});
