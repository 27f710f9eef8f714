/** PATCH /flow_runs/{id} (FlowRunUpdate) and PATCH /flow_runs/{id}/labels. */
import { beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { patch, post, randomName, withDb } from '../helpers';
import { flowRunById, hexUpper } from './support';

let flowId: string;

async function insertRun(values: { stateType?: string; deploymentId?: string } = {}) {
  const res = await withDb((db) =>
    db.execute(sql`insert into flow_run (flow_id, name, state_type, state_name, deployment_id, labels)
      values (${flowId}, ${randomName('run')}, ${values.stateType ?? null}, ${values.stateType ? 'x' : null}, ${values.deploymentId ?? null},
        '{"a": 1}'::jsonb) returning id`),
  );
  return (res.rows[0] as { id: string }).id;
}

beforeAll(async () => {
  flowId = (await post('/flows/', { name: randomName('flow') })).body.id;
});

describe('PATCH /flow_runs/{id}', () => {
  it('updates the fields sent (204)', async () => {
    const id = await insertRun();
    const res = await patch(`/flow_runs/${hexUpper(id)}`, {
      name: 'renamed',
      flow_version: 'v2',
      parameters: { x: 1 },
      tags: ['t'],
      infrastructure_pid: 'pid-1',
      empirical_policy: { max_retries: 2, retry_delay_seconds: 5, unknown: true },
    });
    expect(res.status).toBe(204);
    const run = await flowRunById(id);
    expect(run).toMatchObject({ name: 'renamed', flow_version: 'v2', parameters: { x: 1 }, tags: ['t'], infrastructure_pid: 'pid-1' });
    expect(run!.empirical_policy).toEqual({
      max_retries: 2, retry_delay_seconds: 5, retries: 2, retry_delay: 5, pause_keys: [], resuming: false, retry_type: null,
    });
    // A null or empty name gets a fresh slug; untouched fields stay.
    await patch(`/flow_runs/${id}`, { name: null });
    const after = await flowRunById(id);
    expect(after!.name).toMatch(/^[a-z]+-[a-z]+$/);
    expect(after!.tags).toEqual(['t']);
  });

  it('job_variables only for SCHEDULED runs of an existing deployment (400 otherwise)', async () => {
    const noState = await patch(`/flow_runs/${await insertRun()}`, { job_variables: { a: 1 } });
    expect(noState.status).toBe(400);
    expect(noState.body).toEqual({ detail: 'Flow run state is required to update job variables but none exists' });
    const running = await patch(`/flow_runs/${await insertRun({ stateType: 'RUNNING' })}`, { job_variables: { a: 1 } });
    expect(running.body).toEqual({ detail: 'Job variables for a flow run in state RUNNING cannot be updated' });
    const orphan = await patch(`/flow_runs/${await insertRun({ stateType: 'SCHEDULED' })}`, { job_variables: { a: 1 } });
    expect(orphan.body).toEqual({ detail: 'A deployment for the flow run could not be found' });
    const dep = (await post('/deployments/', { name: randomName('dep'), flow_id: flowId })).body;
    const id = await insertRun({ stateType: 'SCHEDULED', deploymentId: dep.id });
    expect((await patch(`/flow_runs/${id}`, { job_variables: { image: 'x' } })).status).toBe(204);
    expect((await flowRunById(id))!.job_variables).toEqual({ image: 'x' });
  });

  it('404 for an unknown run and non-UUID paths; 422 for unknown keys and bad types', async () => {
    const missing = await patch(`/flow_runs/${crypto.randomUUID()}`, { name: 'x' });
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ detail: 'Flow run not found' });
    expect((await patch('/flow_runs/abc', {})).body).toEqual({ detail: 'Not Found' });
    const id = await insertRun();
    const extra = await patch(`/flow_runs/${id}`, { labels: { a: 1 } });
    expect(extra.status).toBe(422);
    expect(extra.body.exception_detail[0]).toMatchObject({ type: 'extra_forbidden', loc: ['body', 'labels'] });
    const tags = await patch(`/flow_runs/${id}`, { tags: [1] });
    expect(tags.body.exception_detail[0]).toMatchObject({ type: 'string_type', loc: ['body', 'tags', 0] });
  });
});

describe('PATCH /flow_runs/{id}/labels', () => {
  it('merges labels (204); 404 in the model-level shape', async () => {
    const id = await insertRun();
    expect((await patch(`/flow_runs/${id}/labels`, { b: 'two', a: 3 })).status).toBe(204);
    expect((await flowRunById(id))!.labels).toEqual({ a: 3, b: 'two' });
    const missingId = crypto.randomUUID();
    const missing = await patch(`/flow_runs/${missingId}/labels`, { a: 1 });
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ exception_message: `Flow run with id ${missingId} not found` });
  });
});
