/** POST /deployments/{id}/create_flow_run/bulk. */
import { describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { get, post, randomName, withDb } from '../helpers';
import { createDeployment, history, limitRow } from './fixtures';

const bulkCreate = (deploymentId: string, body: unknown) => post(`/deployments/${deploymentId}/create_flow_run/bulk`, body);

async function richDeployment() {
  const dep = await createDeployment({ limit: 1 });
  const pool = randomName('pool');
  await withDb(async (db) => {
    const p = await db.execute(sql`INSERT INTO work_pool (name, type) VALUES (${pool}, 'process') RETURNING id`);
    const poolId = (p.rows[0] as any).id;
    const q = await db.execute(sql`INSERT INTO work_queue (name, work_pool_id) VALUES ('default', ${poolId}), ('fast', ${poolId}) RETURNING id, name`);
    const byName = new Map((q.rows as any[]).map((r) => [r.name, r.id]));
    await db.execute(sql`
      UPDATE deployment SET tags = '["dep-tag"]', parameters = '{"x": 0, "y": "keep"}', version = 'v7',
        labels = '{"team": "data"}', work_queue_id = ${byName.get('default')},
        parameter_openapi_schema = '{"type": "object", "properties": {"x": {"type": "integer"}}}'
      WHERE id = ${dep.id}`);
  });
  return dep;
}

describe('POST /deployments/{id}/create_flow_run/bulk', () => {
  it('creates runs in input order, with the deployment’s parameters, tags, labels and queue, SCHEDULED now', async () => {
    const dep = await richDeployment();
    const res = await bulkCreate(dep.id, [{ name: 'first-run', parameters: { x: 1 }, tags: ['run-tag'] }, { name: 'second-run' }, {}]);
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: any) => [r.status, r.error])).toEqual(Array(3).fill(['CREATED', null]));
    const runs = await Promise.all(res.body.results.map((r: any) => get(`/flow_runs/${r.flow_run_id}`)));
    expect(runs[0]!.body.name).toBe('first-run');
    expect(runs[1]!.body.name).toBe('second-run');
    const first = runs[0]!.body;
    expect(first.parameters).toEqual({ x: 1, y: 'keep' });
    expect(first.tags).toEqual(['dep-tag', 'run-tag']);
    expect(first.labels).toEqual({ team: 'data', 'prefect.flow.id': dep.flowId, 'prefect.deployment.id': dep.id });
    expect([first.deployment_id, first.deployment_version, first.work_queue_name, first.state_type]).toEqual([dep.id, 'v7', 'default', 'SCHEDULED']);
    expect(first.next_scheduled_start_time).toBe(first.state.state_details.scheduled_time);
    expect((await limitRow(dep.limitId!)).active_slots).toBe(0);
    expect(await history(first.id)).toHaveLength(1);
  });

  it('reports FAILED items (unknown queue, parameters against the schema) and creates the rest', async () => {
    const dep = await richDeployment();
    const res = await bulkCreate(dep.id, [
      { work_queue_name: 'fast' },
      { work_queue_name: 'nope' },
      { parameters: { x: 'not an int' }, enforce_parameter_schema: true },
      { state: { type: 'PENDING' } },
    ]);
    const [fast, nope, bad, pending] = res.body.results;
    expect(fast.status).toBe('CREATED');
    expect((await get(`/flow_runs/${fast.flow_run_id}`)).body.work_queue_name).toBe('fast');
    expect(nope).toEqual({ flow_run_id: null, status: 'FAILED', error: 'Work queue "nope" not found.' });
    expect([bad.status, bad.error]).toEqual(['FAILED', "Error creating flow run: Validation failed for field 'x'. Failure reason: 'not an int' is not of type 'integer'"]);
    expect((await get(`/flow_runs/${pending.flow_run_id}`)).body.state_type).toBe('PENDING');
  });

  it('honours idempotency keys, also within one request', async () => {
    const dep = await createDeployment();
    const a = await bulkCreate(dep.id, [{ idempotency_key: 'k1' }, { idempotency_key: 'k1' }]);
    const [x, y] = a.body.results;
    expect(x.flow_run_id).toBe(y.flow_run_id);
    const again = await bulkCreate(dep.id, [{ idempotency_key: 'k1' }]);
    expect(again.body.results[0].flow_run_id).toBe(x.flow_run_id);
  });

  it('404 for an unknown deployment (even with an empty list), 400 past 100 items, 422 on bad items', async () => {
    expect((await bulkCreate(crypto.randomUUID(), [])).status).toBe(404);
    expect((await bulkCreate(crypto.randomUUID(), [{ name: 'x' }])).body).toEqual({ detail: 'Deployment not found' });
    const dep = await createDeployment();
    expect((await bulkCreate(dep.id, [])).body).toEqual({ results: [] });
    expect((await bulkCreate(dep.id, Array.from({ length: 101 }, () => ({})))).status).toBe(400);
    const bad = await bulkCreate(dep.id, [{ bogus: 1 }]);
    expect([bad.status, bad.body.exception_detail[0].type, bad.body.exception_detail[0].loc]).toEqual([422, 'extra_forbidden', ['body', 0, 'bogus']]);
    expect((await bulkCreate(dep.id, { name: 'x' })).status).toBe(422);
  });

  it('costs the same number of SQL statements for 1 run and for 100', async () => {
    const dep = await createDeployment();
    const one = await bulkCreate(dep.id, [{}]);
    const hundred = await bulkCreate(dep.id, Array.from({ length: 100 }, () => ({})));
    expect(hundred.body.results.every((r: any) => r.status === 'CREATED')).toBe(true);
    expect(hundred.headers.get('x-sql-statements')).toBe(one.headers.get('x-sql-statements'));
  });
});
