/** /automations CRUD: the bodies and status codes of Prefect 3.9.1's server (checked against it side by side). */
import { beforeEach, describe, expect, it } from 'vitest';
import { call, del, get, patch, post, resetDb, withDb } from '../helpers';
import { sql } from 'drizzle-orm';

beforeEach(async () => {
  await resetDb();
});

const failedRunTrigger = {
  posture: 'Reactive',
  expect: ['prefect.flow-run.Failed'],
  match: { 'prefect.resource.id': 'prefect.flow-run.*' },
  match_related: { 'prefect.resource.id': 'prefect.flow.123' },
};

const create = (body: Record<string, unknown>) => post('/automations/', { name: 'a1', trigger: failedRunTrigger, actions: [{ type: 'do-nothing' }], ...body });

describe('POST /automations/', () => {
  it('creates with Prefect defaults, fresh trigger ids and the fields of each action in order', async () => {
    const res = await create({
      trigger: {
        type: 'compound',
        require: 'any',
        within: 60,
        id: '00000000-0000-0000-0000-000000000001',
        triggers: [
          { posture: 'Proactive', expect: ['x', 'x'] },
          { type: 'sequence', within: null, triggers: [{ posture: 'Reactive', expect: ['y'], for_each: ['prefect.resource.id'], threshold: 3, within: 'PT1M' }] },
        ],
      },
      actions: [
        { type: 'run-deployment', source: 'inferred', parameters: { a: '{{ event.id }}' } },
        { type: 'change-flow-run-state', state: 'FAILED' },
        { type: 'cancel-flow-run' },
        { type: 'call-webhook', block_document_id: '00000000-0000-0000-0000-000000000000' },
        { type: 'send-notification', block_document_id: '00000000-0000-0000-0000-000000000000', body: 'x' },
        { type: 'pause-work-pool', source: 'inferred' },
        { type: 'pause-automation', source: 'inferred' },
        { type: 'pause-work-queue', work_queue_id: '00000000-0000-0000-0000-000000000001' },
        { type: 'resume-deployment', deployment_id: '00000000-0000-0000-0000-000000000002' },
      ],
      actions_on_trigger: [{ type: 'do-nothing' }],
    });
    expect(res.status).toBe(201);
    const b = res.body;
    expect(Object.keys(b)).toEqual(['name', 'description', 'enabled', 'tags', 'trigger', 'actions', 'actions_on_trigger', 'actions_on_resolve', 'id', 'created', 'updated']);
    expect(b.trigger.id).not.toBe('00000000-0000-0000-0000-000000000001');
    expect(Object.keys(b.trigger)).toEqual(['type', 'id', 'triggers', 'within', 'require']);
    expect(b.trigger.triggers[0]).toEqual({
      type: 'event',
      id: expect.any(String),
      match: {},
      match_related: {},
      after: [],
      expect: ['x'],
      for_each: [],
      posture: 'Proactive',
      threshold: 1,
      within: 10,
    });
    expect(b.trigger.triggers[1]).toMatchObject({ type: 'sequence', within: null, triggers: [{ threshold: 3, within: 60, for_each: ['prefect.resource.id'] }] });
    expect(b.actions).toEqual([
      { type: 'run-deployment', source: 'inferred', deployment_id: null, parameters: { a: '{{ event.id }}' }, job_variables: null, schedule_after: 0 },
      { type: 'change-flow-run-state', name: null, state: 'FAILED', message: null, force: false },
      { type: 'cancel-flow-run' },
      { type: 'call-webhook', block_document_id: '00000000-0000-0000-0000-000000000000', payload: '' },
      { type: 'send-notification', block_document_id: '00000000-0000-0000-0000-000000000000', subject: 'Prefect automated notification', body: 'x' },
      { type: 'pause-work-pool', source: 'inferred', work_pool_id: null },
      { type: 'pause-automation', source: 'inferred', automation_id: null },
      { type: 'pause-work-queue', source: 'selected', work_queue_id: '00000000-0000-0000-0000-000000000001' },
      { type: 'resume-deployment', source: 'selected', deployment_id: '00000000-0000-0000-0000-000000000002' },
    ]);
    const read = await get(`/automations/${b.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(b);
    expect(JSON.stringify(read.body)).toBe(JSON.stringify(b));
  });

  it('stores a prefect.automation.created event whose payload is the automation', async () => {
    const res = await create({});
    const events = await withDb((db) => db.execute<{ event: string; resource: Record<string, string>; payload: unknown }>(sql`SELECT event, resource, payload FROM event`));
    expect(events.rows).toEqual([
      { event: 'prefect.automation.created', resource: { 'prefect.resource.id': `prefect.automation.${res.body.id}`, 'prefect.resource.name': 'a1' }, payload: res.body },
    ]);
  });

  it('answers 422 in Pydantic shapes', async () => {
    const cases: [Record<string, unknown>, unknown[]][] = [
      [{ trigger: { expect: ['x'] } }, [{ type: 'missing', loc: ['body', 'trigger', 'EventTrigger', 'posture'], msg: 'Field required', input: { expect: ['x'] } }]],
      [
        { trigger: { posture: 'Proactive', within: 5 } },
        [{ type: 'value_error', loc: ['body', 'trigger', 'EventTrigger'], msg: 'Value error, `within` for Proactive triggers must be greater than or equal to 10 seconds', input: { posture: 'Proactive', within: 5 }, ctx: { error: {} } }],
      ],
      [
        { actions: [{ type: 'run-deployment' }] },
        [{ type: 'value_error', loc: ['body', 'actions', 0, 'function-after[selected_deployment_requires_id(), RunDeployment]'], msg: 'Value error, deployment_id is required', input: { type: 'run-deployment' }, ctx: { error: {} } }],
      ],
      [
        { actions: [{ type: 'pause-deployment', source: 'inferred', deployment_id: '00000000-0000-0000-0000-000000000002' }] },
        [expect.objectContaining({ type: 'value_error', msg: 'Value error, deployment_id is not allowed' })],
      ],
      [{ bogus: 1 }, [{ type: 'extra_forbidden', loc: ['body', 'bogus'], msg: 'Extra inputs are not permitted', input: 1 }]],
      [{ trigger: { type: 'compound', require: 3, within: null, triggers: [{ posture: 'Reactive' }] } }, [expect.objectContaining({ msg: 'Value error, require must be less than or equal to the number of triggers' })]],
      [
        { trigger: { posture: 'Reactive', expect: ['prefect.flow-run.Running'] }, actions: [{ type: 'run-deployment', source: 'inferred' }] },
        [expect.objectContaining({ type: 'value_error', loc: ['body'], msg: expect.stringContaining('Running an inferred deployment from a flow run state change event') })],
      ],
      [{ actions: [{ type: 'send-notification', block_document_id: '00000000-0000-0000-0000-000000000000', body: '{% if x %}' }] }, [expect.objectContaining({ msg: expect.stringContaining("'body' is not a valid template") })]],
    ];
    for (const [body, detail] of cases) {
      const res = await create(body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.body.exception_detail, JSON.stringify(body)).toEqual(detail);
    }
    expect((await call('POST', '/automations/', 'not json')).status).toBe(422);
  });

  it('checks run-deployment job variables against the deployment (404 when it does not exist)', async () => {
    const res = await create({ actions: [{ type: 'run-deployment', deployment_id: '00000000-0000-0000-0000-000000000009', job_variables: { a: 1 } }] });
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ detail: 'Deployment not found.' });
  });
});

describe('reads, updates and deletes', () => {
  it('filters, counts, sorts and pages', async () => {
    for (const [name, tags] of [['b', ['x']], ['a', []], ['c', ['x', 'y']]] as const) expect((await create({ name, tags })).status).toBe(201);
    const names = async (body: unknown) => (await post('/automations/filter', body)).body.map((a: { name: string }) => a.name);
    expect(await names({})).toEqual(['a', 'b', 'c']);
    expect(await names({ sort: 'NAME_DESC', limit: 2 })).toEqual(['c', 'b']);
    expect(await names({ offset: 1 })).toEqual(['b', 'c']);
    expect(await names({ automations: { tags: { all_: ['x'] } } })).toEqual(['b', 'c']);
    expect(await names({ automations: { tags: { is_null_: true } } })).toEqual(['a']);
    expect(await names({ automations: { name: { any_: ['a', 'c'] } } })).toEqual(['a', 'c']);
    expect((await post('/automations/count', {})).body).toBe(3);
    expect((await post('/automations/count', { automations: { tags: { any_: ['y'] } } })).body).toBe(1);
    expect((await post('/automations/filter', { sort: 'NOPE' })).status).toBe(422);
  });

  it('PUT replaces (204), PATCH toggles enabled (204, extra keys 422), DELETE removes (204), unknown ids 404', async () => {
    const { body: a } = await create({});
    const put = await call('PUT', `/automations/${a.id}`, { name: 'renamed', trigger: { posture: 'Reactive', expect: ['x'] }, actions: [] });
    expect(put.status).toBe(204);
    const read = (await get(`/automations/${a.id}`)).body;
    expect(read).toMatchObject({ name: 'renamed', description: '', actions: [], trigger: { expect: ['x'] } });
    expect(read.trigger.id).not.toBe(a.trigger.id);

    expect((await patch(`/automations/${a.id}`, { enabled: false })).status).toBe(204);
    expect((await get(`/automations/${a.id}`)).body.enabled).toBe(false);
    const extra = await patch(`/automations/${a.id}`, { enabled: false, name: 'x' });
    expect(extra.status).toBe(422);
    expect(extra.body.exception_detail).toEqual([{ type: 'extra_forbidden', loc: ['body', 'name'], msg: 'Extra inputs are not permitted', input: 'x' }]);

    expect((await del(`/automations/${a.id}`)).status).toBe(204);
    const missing = await get(`/automations/${a.id}`);
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ exception_message: 'Automation not found' });
    expect((await del(`/automations/${a.id}`)).status).toBe(404);
    expect((await patch(`/automations/${a.id}`, { enabled: true })).status).toBe(404);
    expect((await call('PUT', `/automations/${a.id}`, { name: 'n', trigger: { posture: 'Reactive' }, actions: [] })).status).toBe(404);
  });

  it('relates automations to the deployments they run and to their owner; owned-by deletes only owned ones', async () => {
    const dep = '00000000-0000-0000-0000-0000000000d1';
    const runs = await create({ name: 'runs', actions: [{ type: 'run-deployment', deployment_id: dep }] });
    const owned = await create({ name: 'owned', owner_resource: `prefect.deployment.${dep}` });
    expect(runs.status).toBe(201);
    expect(owned.status).toBe(201);
    const related = await get(`/automations/related-to/prefect.deployment.${dep}`);
    expect(related.body.map((a: { name: string }) => a.name)).toEqual(['owned', 'runs']);
    const gone = await del(`/automations/owned-by/prefect.deployment.${dep}`);
    expect(gone.status).toBe(202);
    expect(gone.body).toBeNull();
    expect((await post('/automations/filter', {})).body.map((a: { name: string }) => a.name)).toEqual(['runs']);
  });

  it('validates templates', async () => {
    expect((await post('/automations/templates/validate', JSON.stringify('{{ flow_run.name }}'))).status).toBe(204);
    const bad = await post('/automations/templates/validate', JSON.stringify('{% if x %}'));
    expect(bad.status).toBe(422);
    expect(bad.body).toEqual({ error: { line: expect.any(Number), message: expect.any(String), source: '{% if x %}' } });
    const notString = await post('/automations/templates/validate', { template: 'x' });
    expect(notString.status).toBe(422);
    expect(notString.body.exception_detail).toEqual([{ type: 'string_type', loc: ['body'], msg: 'Input should be a valid string', input: { template: 'x' } }]);
  });
});
