/** Spec §5.2 cases 49–51 (validation, 404s, 405) and the Python SDK's read_deployments body shape. */
import { beforeAll, describe, expect, it } from 'vitest';
import { call, get, post } from '../helpers';
import { seedCanonical, type Canonical } from '../fixtures/canonical';

let id: Canonical;
beforeAll(async () => {
  id = await seedCanonical();
});

const detail = (res: { body: any }) => res.body.exception_detail as { type: string; loc: (string | number)[] }[];

describe('validation: spec §5.2', () => {
  it('case 49: limit, offset and page', async () => {
    expect(await post('/flow_runs/filter', { limit: 201 })).toMatchObject({
      status: 422,
      body: { detail: 'Invalid limit: must be less than or equal to 200.' },
    });
    expect(await post('/flow_runs/filter', { limit: -1 })).toMatchObject({
      status: 422,
      body: { detail: 'Invalid limit: must be greater than or equal to 0.' },
    });
    const five = await post('/flow_runs/filter', { limit: '5' });
    expect(five.status).toBe(200);
    expect(five.body).toHaveLength(5);
    const abc = await post('/flow_runs/filter', { limit: 'abc' });
    expect(abc.status).toBe(422);
    expect(detail(abc)[0]).toMatchObject({ type: 'int_parsing', loc: ['body', 'limit'] });
    const offset = await post('/flow_runs/filter', { offset: -1 });
    expect(offset.status).toBe(422);
    expect(detail(offset)[0]).toMatchObject({ type: 'greater_than_equal', loc: ['body', 'offset'], ctx: { ge: 0 } });
    const page = await post('/flow_runs/paginate', { page: 0 });
    expect(page.status).toBe(422);
    expect(detail(page)[0]).toMatchObject({ type: 'greater_than_equal', loc: ['body', 'page'], ctx: { ge: 1 } });
  });

  it('case 50: filter objects reject unknown keys; top-level unknown keys are ignored; types are checked', async () => {
    const extra = await post('/flow_runs/filter', { flow_runs: { foo: 1 } });
    expect(extra.status).toBe(422);
    expect(detail(extra)[0]).toMatchObject({ type: 'extra_forbidden', loc: ['body', 'flow_runs', 'foo'] });
    expect((await post('/flow_runs/filter', { foo: 1 })).status).toBe(200);
    const leafOperator = await post('/flow_runs/filter', { flow_runs: { id: { operator: 'or_' } } });
    expect(leafOperator.status).toBe(422);
    expect(detail(leafOperator)[0]).toMatchObject({ type: 'extra_forbidden', loc: ['body', 'flow_runs', 'id', 'operator'] });
    const badUuid = await post('/flow_runs/filter', { flow_runs: { id: { any_: ['not-a-uuid'] } } });
    expect(badUuid.status).toBe(422);
    expect(detail(badUuid)[0]).toMatchObject({ type: 'uuid_parsing', loc: ['body', 'flow_runs', 'id', 'any_', 0] });
    const badSort = await post('/flow_runs/filter', { sort: 'name_asc' });
    expect(badSort.status).toBe(422);
    expect(detail(badSort)[0]).toMatchObject({ type: 'enum', loc: ['body', 'sort'] });
    const badState = await post('/flow_runs/filter', { flow_runs: { state: { type: { any_: ['completed'] } } } });
    expect(badState.status).toBe(422);
    expect(detail(badState)[0]).toMatchObject({ type: 'enum', loc: ['body', 'flow_runs', 'state', 'type', 'any_', 0] });
    const notList = await post('/flow_runs/filter', { flow_runs: { name: { any_: 'x' } } });
    expect(notList.status).toBe(422);
    expect(detail(notList)[0]).toMatchObject({ type: 'list_type', loc: ['body', 'flow_runs', 'name', 'any_'] });
  });

  it('case 51: path UUIDs, 404 bodies and 405', async () => {
    expect(await get('/flows/not-a-uuid')).toMatchObject({ status: 404, body: { detail: 'Not Found' } });
    expect(await get(`/flows/${crypto.randomUUID()}`)).toMatchObject({ status: 404, body: { detail: 'Flow not found' } });
    const upper = await get(`/flows/${id.F1!.replace(/-/g, '').toUpperCase()}`);
    expect(upper.status).toBe(200);
    expect(upper.body).toMatchObject({ id: id.F1, name: 'f-1' });
    expect(await get('/flow_runs/filter')).toMatchObject({ status: 405, body: { detail: 'Method Not Allowed' } });
  });

  it('other validation shapes: operator null, non-object filters, bad datetimes, invalid JSON', async () => {
    const opNull = await post('/flow_runs/filter', { flow_runs: { operator: null } });
    expect(opNull.status).toBe(422);
    expect(detail(opNull)[0]!.loc).toEqual(['body', 'flow_runs', 'operator']);
    const opBad = await post('/flow_runs/filter', { flow_runs: { operator: 'AND' } });
    expect(detail(opBad)[0]).toMatchObject({ type: 'enum', loc: ['body', 'flow_runs', 'operator'] });
    const list = await post('/flow_runs/filter', { flow_runs: [] });
    expect(detail(list)[0]).toMatchObject({ type: 'model_attributes_type', loc: ['body', 'flow_runs'] });
    const when = await post('/flow_runs/filter', { flow_runs: { start_time: { after_: 'yesterday' } } });
    expect(when.status).toBe(422);
    expect(detail(when)[0]).toMatchObject({ type: 'value_error', loc: ['body', 'flow_runs', 'start_time', 'after_'] });
    const badJson = await post('/flows/filter', '{"limit":');
    expect(badJson.status).toBe(422);
    expect(detail(badJson)[0]!.type).toBe('json_invalid');
    // The loc carries the character offset, as Prefect's: a truncated body fails at its end.
    expect(detail(badJson)[0]!.loc).toEqual(['body', 9]);
    expect(detail(await post('/flows/filter', '{"limit": 1,,}'))[0]!.loc).toEqual(['body', 12]);
    // A limit error wins over other validation errors, as in Prefect.
    expect(await post('/flows/filter', { limit: 500, flows: { foo: 1 } })).toMatchObject({ status: 422, body: { detail: expect.stringContaining('Invalid limit') } });
  });

  it('missing, empty and null bodies mean defaults; top-level nulls mean defaults', async () => {
    expect((await call('POST', '/flows/count')).body).toBe(4);
    expect((await post('/flows/count', 'null')).body).toBe(4);
    expect((await post('/flows/filter', { limit: null, offset: null, sort: null, flows: null })).body).toHaveLength(4);
  });

  it('coercions: lax ints and bools, UUIDs in any accepted spelling', async () => {
    expect((await post('/flows/filter', { limit: 2.0 })).body).toHaveLength(2);
    expect((await post('/flows/filter', { limit: true })).body).toHaveLength(1);
    expect((await post('/deployments/count', { deployments: { paused: { eq_: 'yes' } } })).body).toBe(1);
    const upper = id.F1!.toUpperCase();
    expect((await post('/flows/count', { flows: { id: { any_: [upper, `{${id.F2}}`, `urn:uuid:${id.F3}`] } } })).body).toBe(3);
  });
});

describe('the Python SDK read_deployments body', () => {
  it('accepts every key with explicit nulls and the deprecated concurrency_limit key', async () => {
    const body = {
      flows: { operator: 'and_', id: null, deployment: null, name: { any_: ['f-1'], like_: null }, tags: null },
      flow_runs: null,
      task_runs: null,
      deployments: {
        operator: 'and_',
        id: null,
        name: { any_: ['d-1-1'], like_: null },
        flow_or_deployment_name: null,
        paused: null,
        tags: null,
        work_queue_name: null,
        concurrency_limit: null,
      },
      work_pools: null,
      work_pool_queues: null,
      limit: null,
      offset: 0,
      sort: null,
    };
    const res = await post('/deployments/filter', body, { 'user-agent': 'prefect/3.4.0 (API 0.8.4)', 'x-prefect-api-version': '0.8.4' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.map((d: { name: string }) => d.name)).toEqual(['d-1-1']);
  });

  it('accepts a fully-null-dumped flow_runs filter', async () => {
    const nulls = {
      operator: 'and_', id: null, name: null, tags: null, deployment_id: null, work_queue_name: null, state: null,
      flow_version: null, start_time: null, end_time: null, expected_start_time: null, next_scheduled_start_time: null,
      parent_flow_run_id: null, parent_task_run_id: null, idempotency_key: null, created_by: null,
    };
    const res = await post('/flow_runs/count', { flow_runs: nulls });
    expect(res.body).toBe(12);
    const nested = await post('/flow_runs/count', {
      flow_runs: { ...nulls, state: { operator: 'and_', type: { any_: ['RUNNING'], not_any_: null }, name: null } },
    });
    expect(nested.body).toBe(3);
  });
});
