/**
 * POST /deployments/ (upsert), PATCH, DELETE, pause / resume (filters spec §4.4, §5.2 cases 54–56).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { del, patch, post, randomName, withDb } from '../helpers';
import { deploymentById, flowRunById, hexUpper } from './support';

let flowId: string;
let poolName: string;

async function newFlow() {
  return (await post('/flows/', { name: randomName('flow'), labels: { team: 'data', shared: 'flow' } })).body.id as string;
}

/** Inserts a flow run straight into the table (runs are created by another part of the API). */
async function insertRun(values: { flowId: string; deploymentId: string; stateType?: string; stateName?: string; auto?: boolean; next?: string; runCount?: number }) {
  const res = await withDb((db) =>
    db.execute(sql`insert into flow_run (flow_id, name, deployment_id, state_type, state_name, auto_scheduled, next_scheduled_start_time, run_count)
      values (${values.flowId}, ${randomName('run')}, ${values.deploymentId}, ${values.stateType ?? null}, ${values.stateName ?? null},
        ${values.auto ?? false}, ${values.next ?? null}, ${values.runCount ?? 0}) returning id`),
  );
  return (res.rows[0] as { id: string }).id;
}

const runExists = async (id: string) => (await flowRunById(id)) !== undefined;

beforeAll(async () => {
  flowId = await newFlow();
  poolName = randomName('Test Pool');
  expect((await post('/work_pools/', { name: poolName })).status).toBe(201);
});

describe('POST /deployments/', () => {
  it('§5.2 case 54: creates with a pool, a schedule and a concurrency limit (201), then upserts (200)', async () => {
    const name = randomName('api-dep');
    const res = await post('/deployments/', {
      name,
      flow_id: flowId,
      work_pool_name: poolName,
      schedules: [{ schedule: { interval: 3600 } }],
      concurrency_limit: 3,
      tags: ['t1'],
    });
    expect(res.status).toBe(201);
    const d = res.body;
    expect(d).toMatchObject({
      name,
      flow_id: flowId,
      work_queue_name: 'default',
      work_pool_name: poolName,
      concurrency_limit: null,
      status: 'NOT_READY',
      pull_steps: [],
      parameter_openapi_schema: {},
      enforce_parameter_schema: true,
      paused: false,
      parameters: {},
      job_variables: {},
      tags: ['t1'],
      labels: { team: 'data', shared: 'flow', 'prefect.flow.id': flowId },
    });
    expect(d.schedules).toHaveLength(1);
    expect(d.schedules[0]).toMatchObject({ active: true, max_scheduled_runs: null, parameters: {}, slug: null, deployment_id: d.id });
    expect(d.schedules[0].schedule).toMatchObject({ interval: 3600, timezone: 'UTC' });
    expect(d.schedules[0].schedule.anchor_date).toMatch(/Z$/);
    expect(d.global_concurrency_limit).toMatchObject({ name: `deployment:${d.id}`, limit: 3, active: true, active_slots: 0 });

    const again = await post('/deployments/', { name, flow_id: flowId, work_pool_name: poolName, description: 'upd' });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(d.id);
    expect(again.body.description).toBe('upd');
    expect(again.body.schedules).toEqual([]);
    expect(again.body.tags).toEqual(['t1']);
    expect(again.body.global_concurrency_limit).toMatchObject({ id: d.global_concurrency_limit.id, limit: 3 });
    expect(again.body.created).toBe(d.created);
    expect(again.body.updated > d.updated).toBe(true);
  });

  it('upsert changes or removes the deployment-owned limit; labels are recomputed with the caller winning', async () => {
    const name = randomName('dep');
    const d = (await post('/deployments/', { name, flow_id: flowId, concurrency_limit: 2 })).body;
    const raised = await post('/deployments/', { name, flow_id: flowId, concurrency_limit: 5, labels: { shared: 'mine' } });
    expect(raised.body.global_concurrency_limit).toMatchObject({ id: d.global_concurrency_limit.id, limit: 5 });
    expect(raised.body.labels).toEqual({ team: 'data', shared: 'mine', 'prefect.flow.id': flowId });
    const removed = await post('/deployments/', { name, flow_id: flowId, concurrency_limit: null });
    expect(removed.body.global_concurrency_limit).toBeNull();
    const left = await withDb((db) => db.execute(sql`select count(*)::int as n from concurrency_limit_v2 where name = ${`deployment:${d.id}`}`));
    expect(left.rows[0]).toEqual({ n: 0 });
  });

  it('links a global concurrency limit by id; both limits at once is the model-level 422', async () => {
    const gcl = (await post('/v2/concurrency_limits/', { name: randomName('gcl'), limit: 4 })).body;
    const res = await post('/deployments/', { name: randomName('dep'), flow_id: flowId, global_concurrency_limit_id: gcl.id });
    expect(res.status).toBe(201);
    expect(res.body.global_concurrency_limit).toMatchObject({ id: gcl.id, name: gcl.name, limit: 4 });
    const both = await post('/deployments/', { name: 'x', flow_id: flowId, concurrency_limit: 1, global_concurrency_limit_id: gcl.id });
    expect(both.status).toBe(422);
    expect(both.body.exception_detail).toHaveLength(1);
    expect(both.body.exception_detail[0]).toMatchObject({
      type: 'value_error',
      loc: ['body'],
      msg: 'Value error, A deployment cannot have both a concurrency limit and a global concurrency limit.',
    });
    const unknown = await post('/deployments/', { name: 'x', flow_id: flowId, global_concurrency_limit_id: crypto.randomUUID() });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ detail: 'Concurrency limit not found' });
  });

  it('resolves queues: pool + new queue creates it; a queue name alone lands in default-agent-pool', async () => {
    const queueName = randomName('q');
    const res = await post('/deployments/', { name: randomName('dep'), flow_id: flowId, work_pool_name: poolName, work_queue_name: queueName });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ work_pool_name: poolName, work_queue_name: queueName });
    const legacyName = randomName('legacy');
    const legacy = await post('/deployments/', { name: randomName('dep'), flow_id: flowId, work_queue_name: legacyName });
    expect(legacy.status).toBe(201);
    expect(legacy.body).toMatchObject({ work_pool_name: 'default-agent-pool', work_queue_name: legacyName });
    expect(legacy.body.work_queue_id).not.toBeNull();
  });

  it('404 for an unknown pool, 409 for an unknown flow, 409 for a block reference', async () => {
    const pool = await post('/deployments/', { name: 'x', flow_id: flowId, work_pool_name: 'no-such-pool' });
    expect(pool.status).toBe(404);
    expect(pool.body).toEqual({ detail: 'Work pool "no-such-pool" not found.' });
    const flow = await post('/deployments/', { name: 'x', flow_id: crypto.randomUUID() });
    expect(flow.status).toBe(409);
    expect(flow.body.detail).toMatch(/^Data integrity conflict/);
    const block = await post('/deployments/', { name: 'x', flow_id: flowId, storage_document_id: crypto.randomUUID() });
    expect(block.status).toBe(409);
    expect(block.body.detail).toMatch(/Could not find storage block/);
  });

  it('validates: names with / % & > < are 422 (Prefect says 500), "" is allowed, schedules forbid unknown keys', async () => {
    for (const bad of ['a/b', 'a%b', 'a&b', 'a>b', 'a<b']) {
      const res = await post('/deployments/', { name: bad, flow_id: flowId });
      expect(res.status).toBe(422);
      expect(res.body.exception_detail[0]).toMatchObject({ type: 'string_pattern_mismatch', loc: ['body', 'name'] });
    }
    expect((await post('/deployments/', { name: '', flow_id: flowId })).status).toBe(201);
    const extra = await post('/deployments/', { name: 'x', flow_id: flowId, schedules: [{ schedule: { interval: 60, foo: 1 } }] });
    expect(extra.status).toBe(422);
    expect(extra.body.exception_detail[0]).toMatchObject({ type: 'extra_forbidden', loc: ['body', 'schedules', 0, 'schedule', 'foo'] });
    const neg = await post('/deployments/', { name: 'x', flow_id: flowId, schedules: [{ schedule: { interval: -5 } }] });
    expect(neg.body.exception_detail[0]).toMatchObject({ type: 'value_error', loc: ['body', 'schedules', 0, 'schedule', 'interval'] });
    const cron = await post('/deployments/', { name: 'x', flow_id: flowId, schedules: [{ schedule: { cron: 'not a cron' } }] });
    expect(cron.body.exception_detail[0]).toMatchObject({ type: 'value_error', loc: ['body', 'schedules', 0, 'schedule', 'cron'] });
    const unknownKey = await post('/deployments/', { name: 'x', flow_id: flowId, bogus: 1 });
    expect(unknownKey.body.exception_detail[0]).toMatchObject({ type: 'extra_forbidden', loc: ['body', 'bogus'] });
    const noFlow = await post('/deployments/', { name: 'x' });
    expect(noFlow.body.exception_detail[0]).toMatchObject({ type: 'missing', loc: ['body', 'flow_id'] });
    const zero = await post('/deployments/', { name: 'x', flow_id: flowId, concurrency_limit: 0 });
    expect(zero.body.exception_detail[0]).toMatchObject({ type: 'greater_than', loc: ['body', 'concurrency_limit'] });
    const grace = await post('/deployments/', { name: 'x', flow_id: flowId, concurrency_options: { collision_strategy: 'ENQUEUE', grace_period_seconds: 10 } });
    expect(grace.body.exception_detail[0]).toMatchObject({ type: 'greater_than_equal', loc: ['body', 'concurrency_options', 'grace_period_seconds'] });
  });

  it('accepts interval, cron and rrule schedules in Prefect forms; legacy pool keys are dropped', async () => {
    const res = await post('/deployments/', {
      name: randomName('dep'),
      flow_id: flowId,
      worker_pool_queue_id: crypto.randomUUID(),
      schedules: [
        { schedule: { interval: 'PT1H30M', anchor_date: '2024-01-01T00:00:00', timezone: 'America/New_York' }, slug: 'a' },
        { schedule: { cron: '0 9 * * mon-fri', timezone: 'Europe/Paris' }, active: false, slug: 'b' },
        { schedule: { rrule: 'FREQ=DAILY;INTERVAL=2' }, parameters: { x: 1 }, slug: 'c' },
      ],
      concurrency_options: { collision_strategy: 'CANCEL_NEW' },
      job_variables: { image: 'x' },
      pull_steps: [{ step: {} }],
      parameter_openapi_schema: {},
    });
    expect(res.status).toBe(201);
    const bySlug = Object.fromEntries(res.body.schedules.map((s: any) => [s.slug, s]));
    expect(bySlug.a.schedule).toEqual({ interval: 5400, anchor_date: '2024-01-01T00:00:00Z', timezone: 'America/New_York' });
    expect(bySlug.b.schedule).toEqual({ cron: '0 9 * * mon-fri', timezone: 'Europe/Paris', day_or: true });
    expect(bySlug.b.active).toBe(false);
    expect(bySlug.c.schedule).toEqual({ rrule: 'FREQ=DAILY;INTERVAL=2', timezone: 'UTC' });
    expect(bySlug.c.parameters).toEqual({ x: 1 });
    expect(res.body.concurrency_options).toEqual({ collision_strategy: 'CANCEL_NEW', grace_period_seconds: null });
    expect(res.body.job_variables).toEqual({ image: 'x' });
    expect(res.body.pull_steps).toEqual([{ step: {} }]);
    expect(res.body.parameter_openapi_schema).toEqual({ type: 'object', properties: {} });
  });

  it('deletes future auto-scheduled runs that never ran on upsert, keeping the others', async () => {
    const name = randomName('dep');
    const d = (await post('/deployments/', { name, flow_id: flowId })).body;
    const future = new Date(Date.now() + 86_400_000).toISOString();
    const past = new Date(Date.now() - 86_400_000).toISOString();
    const doomed = await insertRun({ flowId, deploymentId: d.id, stateType: 'SCHEDULED', stateName: 'Scheduled', auto: true, next: future });
    const manual = await insertRun({ flowId, deploymentId: d.id, stateType: 'SCHEDULED', stateName: 'Scheduled', auto: false, next: future });
    const due = await insertRun({ flowId, deploymentId: d.id, stateType: 'SCHEDULED', stateName: 'Scheduled', auto: true, next: past });
    const waiting = await insertRun({ flowId, deploymentId: d.id, stateType: 'SCHEDULED', stateName: 'AwaitingConcurrencySlot', auto: true, next: future });
    expect((await post('/deployments/', { name, flow_id: flowId })).status).toBe(200);
    expect(await runExists(doomed)).toBe(false);
    expect(await runExists(manual)).toBe(true);
    expect(await runExists(due)).toBe(true);
    expect(await runExists(waiting)).toBe(true);
  });
});

describe('PATCH /deployments/{id}', () => {
  it('updates only the fields sent (204); null pool detaches the queue', async () => {
    const d = (await post('/deployments/', { name: randomName('dep'), flow_id: flowId, work_pool_name: poolName, tags: ['a'], description: 'keep' })).body;
    const res = await patch(`/deployments/${hexUpper(d.id)}`, { version: '2', paused: true, parameters: { p: 1 } });
    expect(res.status).toBe(204);
    let after = await deploymentById(d.id);
    expect(after).toMatchObject({ version: '2', paused: true, parameters: { p: 1 }, tags: ['a'], description: 'keep', work_pool_name: poolName });
    expect(after!.updated > d.updated).toBe(true);
    await patch(`/deployments/${d.id}`, { work_pool_name: null });
    after = await deploymentById(d.id);
    expect(after).toMatchObject({ work_pool_name: null, work_queue_id: null });
  });

  it('replaces schedules when they have no slugs; patches by slug when all have slugs', async () => {
    const plain = (await post('/deployments/', { name: randomName('dep'), flow_id: flowId, schedules: [{ schedule: { interval: 60 } }] })).body;
    await patch(`/deployments/${plain.id}`, { schedules: [{ schedule: { interval: 120 } }, { schedule: { interval: 180 } }] });
    const replaced = await deploymentById(plain.id);
    expect(replaced!.schedules.map((s: any) => s.schedule.interval).sort()).toEqual([120, 180]);

    const slugged = (await post('/deployments/', {
      name: randomName('dep'),
      flow_id: flowId,
      schedules: [{ schedule: { interval: 60 }, slug: 'one' }, { schedule: { interval: 90 }, slug: 'two' }],
    })).body;
    const res = await patch(`/deployments/${slugged.id}`, {
      schedules: [{ slug: 'one', active: false }, { slug: 'uno', replaces: 'two' }, { slug: 'three', schedule: { cron: '0 0 * * *' } }],
    });
    expect(res.status).toBe(204);
    const after = await deploymentById(slugged.id);
    const bySlug = Object.fromEntries(after!.schedules.map((s: any) => [s.slug, s]));
    expect(Object.keys(bySlug).sort()).toEqual(['one', 'three', 'uno']);
    expect(bySlug.one).toMatchObject({ active: false, schedule: { interval: 60 } });
    expect(bySlug.uno).toMatchObject({ id: slugged.schedules.find((s: any) => s.slug === 'two').id, schedule: { interval: 90 } });
    expect(bySlug.three.schedule).toMatchObject({ cron: '0 0 * * *' });

    const missingSlug = await patch(`/deployments/${slugged.id}`, { schedules: [{ schedule: { interval: 5 } }] });
    expect(missingSlug.status).toBe(422);
    expect(missingSlug.body).toEqual({
      detail: 'Please provide a slug for each schedule in your request to ensure schedules are updated correctly.',
    });
    const noConfig = await patch(`/deployments/${slugged.id}`, { schedules: [{ slug: 'new-one' }] });
    expect(noConfig.status).toBe(422);
    const dupReplace = await patch(`/deployments/${slugged.id}`, { schedules: [{ slug: 'x', replaces: 'one' }, { slug: 'y', replaces: 'one' }] });
    expect(dupReplace.status).toBe(422);
    const collide = await patch(`/deployments/${slugged.id}`, { schedules: [{ slug: 'three', replaces: 'one' }] });
    expect(collide.status).toBe(422);
  });

  it('sets, changes and removes the concurrency limit', async () => {
    const d = (await post('/deployments/', { name: randomName('dep'), flow_id: flowId })).body;
    await patch(`/deployments/${d.id}`, { concurrency_limit: 7 });
    expect((await deploymentById(d.id))!.global_concurrency_limit).toMatchObject({ name: `deployment:${d.id}`, limit: 7 });
    await patch(`/deployments/${d.id}`, { concurrency_limit: null });
    expect((await deploymentById(d.id))!.global_concurrency_limit).toBeNull();
  });

  it('404 (with a period), 404 for non-UUID paths, 422 for unknown keys and both limits', async () => {
    const missing = await patch(`/deployments/${crypto.randomUUID()}`, { version: '1' });
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ detail: 'Deployment not found.' });
    expect((await patch('/deployments/nope', {})).body).toEqual({ detail: 'Not Found' });
    const d = (await post('/deployments/', { name: randomName('dep'), flow_id: flowId })).body;
    const extra = await patch(`/deployments/${d.id}`, { name: 'renamed' });
    expect(extra.status).toBe(422);
    expect(extra.body.exception_detail[0]).toMatchObject({ type: 'extra_forbidden', loc: ['body', 'name'] });
    const both = await patch(`/deployments/${d.id}`, { concurrency_limit: 1, global_concurrency_limit_id: crypto.randomUUID() });
    expect(both.status).toBe(422);
    const pool = await patch(`/deployments/${d.id}`, { work_pool_name: 'no-such-pool' });
    expect(pool.status).toBe(404);
  });
});

describe('DELETE /deployments/{id}', () => {
  it('§5.2 case 55: deletes scheduled never-run runs and the owned limit; other runs keep the dangling id', async () => {
    const d = (await post('/deployments/', { name: randomName('dep'), flow_id: flowId, concurrency_limit: 1 })).body;
    const scheduled = await insertRun({ flowId, deploymentId: d.id, stateType: 'SCHEDULED', stateName: 'Scheduled' });
    const completed = await insertRun({ flowId, deploymentId: d.id, stateType: 'COMPLETED', stateName: 'Completed', runCount: 1 });
    const res = await del(`/deployments/${d.id}`);
    expect(res.status).toBe(204);
    expect(await deploymentById(d.id)).toBeUndefined();
    expect(await runExists(scheduled)).toBe(false);
    expect((await flowRunById(completed))!.deployment_id).toBe(d.id);
    const limits = await withDb((db) => db.execute(sql`select count(*)::int as n from concurrency_limit_v2 where id = ${d.global_concurrency_limit.id}`));
    expect(limits.rows[0]).toEqual({ n: 0 });
    const again = await del(`/deployments/${d.id}`);
    expect(again.status).toBe(404);
    expect(again.body).toEqual({ detail: 'Deployment not found' });
  });
});

describe('pause / resume', () => {
  it('pauses (deleting auto-scheduled runs) and resumes; 404 for unknown ids', async () => {
    const d = (await post('/deployments/', { name: randomName('dep'), flow_id: flowId })).body;
    const auto = await insertRun({ flowId, deploymentId: d.id, stateType: 'SCHEDULED', stateName: 'Scheduled', auto: true });
    const paused = await post(`/deployments/${d.id}/pause_deployment`);
    expect(paused.status).toBe(200);
    expect((await deploymentById(d.id))!.paused).toBe(true);
    expect(await runExists(auto)).toBe(false);
    expect((await post(`/deployments/${d.id}/resume_deployment`)).status).toBe(200);
    expect((await deploymentById(d.id))!.paused).toBe(false);
    const missing = await post(`/deployments/${crypto.randomUUID()}/pause_deployment`);
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ detail: 'Deployment not found' });
  });
});

describe('parameter schema enforcement', () => {
  const schema = {
    type: 'object',
    properties: { x: { type: 'integer' }, mode: { enum: ['a', 'b'] }, item: { $ref: '#/definitions/Item' } },
    required: ['x'],
    definitions: { Item: { type: 'object', properties: { n: { type: 'string' } } } },
  };

  it('create: parameters must fit the schema when enforcement is sent (422), required properties aside', async () => {
    const ok = await post('/deployments/', { name: randomName('dep'), flow_id: flowId, enforce_parameter_schema: true, parameter_openapi_schema: schema, parameters: { mode: 'a' } });
    expect(ok.status).toBe(201);
    const bad = await post('/deployments/', { name: randomName('dep'), flow_id: flowId, enforce_parameter_schema: true, parameter_openapi_schema: schema, parameters: { x: 'one' } });
    expect(bad.status).toBe(422);
    expect(bad.body.exception_detail[0]).toMatchObject({ type: 'value_error', loc: ['body'] });
    expect(bad.body.exception_detail[0].msg).toContain("'one' is not of type 'integer'");
    const nested = await post('/deployments/', { name: randomName('dep'), flow_id: flowId, enforce_parameter_schema: true, parameter_openapi_schema: schema, parameters: { item: { n: 3 } } });
    expect(nested.status).toBe(422);
    const off = await post('/deployments/', { name: randomName('dep'), flow_id: flowId, enforce_parameter_schema: false, parameter_openapi_schema: schema, parameters: { x: 'one' } });
    expect(off.status).toBe(201);
  });

  it('update: new or stored parameters must fit the new or stored schema (409)', async () => {
    const d = (await post('/deployments/', { name: randomName('dep'), flow_id: flowId, parameter_openapi_schema: schema, parameters: { x: 1 } })).body;
    const bad = await patch(`/deployments/${d.id}`, { parameters: { mode: 'c' } });
    expect(bad.status).toBe(409);
    expect(bad.body.detail).toMatch(/^Error updating deployment: Validation failed/);
    expect((await patch(`/deployments/${d.id}`, { parameters: { mode: 'b' } })).status).toBe(204);
    expect((await patch(`/deployments/${d.id}`, { enforce_parameter_schema: false, parameters: { mode: 'c' } })).status).toBe(204);
    const noSchema = (await post('/deployments/', { name: randomName('dep'), flow_id: flowId, parameter_openapi_schema: null })).body;
    const missing = await patch(`/deployments/${noSchema.id}`, { parameters: { a: 1 } });
    expect(missing.status).toBe(409);
    expect(missing.body.detail).toMatch(/does not have a valid parameter schema/);
  });
});
