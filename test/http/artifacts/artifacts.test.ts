/**
 * /artifacts and the latest artifact of each key, against what Prefect 3.9.1's server answers (the same
 * create / patch / delete sequence was run on both and gave the same bodies).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { call, del, get, patch, post, resetDb } from '../helpers';
import { createDeployment, createFlow, createRun, createTaskRun } from '../orchestration/fixtures';

const create = (body: Record<string, unknown>) => post('/artifacts/', body);
const collection = async (key: string) => (await post('/artifacts/latest/filter', { artifacts: { key: { any_: [key] } } })).body as any[];
const ids = (res: { body: { id: string }[] }) => res.body.map((a) => a.id);

beforeEach(async () => {
  await resetDb();
});

describe('POST /artifacts/', () => {
  it('creates an artifact (201) in Prefect\'s shape, and the key\'s collection row with it', async () => {
    const res = await create({ key: 'report', type: 'markdown', data: '# hi', metadata_: { owner: 'me' } });
    expect(res.status).toBe(201);
    // The artifact and its key's collection row in one statement, then the read of the answer.
    expect(res.headers.get('x-sql-statements')).toBe('2');
    expect(res.body).toEqual({
      id: expect.any(String),
      created: expect.stringMatching(/Z$/),
      updated: res.body.created,
      key: 'report',
      type: 'markdown',
      description: null,
      data: '# hi',
      metadata_: { owner: 'me' },
      flow_run_id: null,
      task_run_id: null,
    });
    expect(Object.keys(res.body)).toEqual(['id', 'created', 'updated', 'key', 'type', 'description', 'data', 'metadata_', 'flow_run_id', 'task_run_id']);
    const [c] = await collection('report');
    expect(Object.keys(c)).toEqual(['id', 'created', 'updated', 'key', 'latest_id', 'type', 'description', 'data', 'metadata_', 'flow_run_id', 'task_run_id']);
    expect(c).toMatchObject({ key: 'report', latest_id: res.body.id, data: '# hi', created: res.body.created, updated: res.body.created });
    expect(c.id).not.toBe(res.body.id);
  });

  it('a newer artifact of the key takes over the collection row (created kept, updated moved)', async () => {
    const first = (await create({ key: 'k', type: 'markdown', data: 'one' })).body;
    const second = (await create({ key: 'k', type: 'table', data: { z: 1, a: 2 }, description: 'd2' })).body;
    const [c] = await collection('k');
    expect(c).toMatchObject({ latest_id: second.id, type: 'table', description: 'd2', data: { z: 1, a: 2 }, created: first.created, updated: second.created });
    // JSON key order is kept (json, not jsonb).
    expect(Object.keys(c.data)).toEqual(['z', 'a']);
    const latest = await get('/artifacts/k/latest');
    expect(latest.status).toBe(200);
    // The collection row in the artifact's shape: its id is the collection row's.
    expect(latest.body).toEqual({
      id: c.id,
      created: first.created,
      updated: second.created,
      key: 'k',
      type: 'table',
      description: 'd2',
      data: { z: 1, a: 2 },
      metadata_: null,
      flow_run_id: null,
      task_run_id: null,
    });
  });

  it('string data that reads as JSON stays a string, in the artifact and in its collection row', async () => {
    for (const data of ['0', 'true', '[1]', '{"a":1}', 'null']) {
      const res = await create({ key: 'strings', data });
      expect(res.body.data, data).toBe(data);
      expect((await get(`/artifacts/${res.body.id}`)).body.data, data).toBe(data);
      expect((await get('/artifacts/strings/latest')).body.data, data).toBe(data);
    }
  });

  it('artifacts without a key have no collection row', async () => {
    expect((await create({ type: 'result', data: { value: 1 } })).status).toBe(201);
    expect((await create({})).status).toBe(201);
    expect((await post('/artifacts/count', {})).body).toBe(2);
    expect((await post('/artifacts/latest/count', {})).body).toBe(0);
  });

  it('cuts metadata values at 500 characters, and answers 422 as Prefect does', async () => {
    const long = await create({ key: 'm', metadata_: { b: 'x'.repeat(501), c: 'y'.repeat(500) } });
    expect(long.body.metadata_).toEqual({ b: `${'x'.repeat(500)}...`, c: 'y'.repeat(500) });
    const badKey = await create({ key: 'Bad_Key', data: 1 });
    expect(badKey.status).toBe(422);
    expect(badKey.body.exception_detail).toEqual([
      {
        type: 'value_error',
        loc: ['body', 'key'],
        msg: 'Value error, Artifact key must only contain lowercase letters, numbers, and dashes.',
        input: 'Bad_Key',
        ctx: { error: {} },
      },
    ]);
    expect((await create({ metadata_: { a: 1 } })).body.exception_detail[0]).toMatchObject({ type: 'string_type', loc: ['body', 'metadata_', 'a'] });
    expect((await create({ flow_run_id: 'x' })).body.exception_detail[0]).toMatchObject({ type: 'uuid_parsing', loc: ['body', 'flow_run_id'] });
    expect((await create({ nope: 1 })).body.exception_detail[0]).toMatchObject({ type: 'extra_forbidden', loc: ['body', 'nope'] });
  });
});

describe('PATCH and DELETE /artifacts/{id} keep the collection row right', () => {
  it('runs the sequence Prefect was checked with', async () => {
    const a = [];
    for (let i = 0; i < 3; i += 1) {
      a.push((await create({ key: 'seq', type: `t${i}`, data: { n: i }, description: `d${i}`, metadata_: { m: String(i) } })).body);
    }
    // Patching the latest patches the collection row too; patching an older one does not.
    expect((await patch(`/artifacts/${a[2].id}`, { data: 'new', description: null })).status).toBe(204);
    expect((await collection('seq'))[0]).toMatchObject({ latest_id: a[2].id, data: 'new', description: null, metadata_: { m: '2' } });
    expect((await patch(`/artifacts/${a[0].id}`, { metadata_: { x: 'y' } })).status).toBe(204);
    expect((await collection('seq'))[0]).toMatchObject({ latest_id: a[2].id, metadata_: { m: '2' } });
    const a0 = (await get(`/artifacts/${a[0].id}`)).body;
    expect(a0).toMatchObject({ type: 't0', data: { n: 0 }, metadata_: { x: 'y' } });
    expect(a0.updated > a[0].updated).toBe(true);
    // Deleting an older one leaves the row; deleting the latest moves it to the next newest.
    expect((await del(`/artifacts/${a[1].id}`)).status).toBe(204);
    expect((await collection('seq'))[0]).toMatchObject({ latest_id: a[2].id });
    expect((await del(`/artifacts/${a[2].id}`)).status).toBe(204);
    const moved = (await collection('seq'))[0];
    expect(moved).toMatchObject({ latest_id: a[0].id, type: 't0', description: 'd0', data: { n: 0 }, metadata_: { x: 'y' }, created: a0.created, updated: a0.updated });
    expect((await get('/artifacts/seq/latest')).body).toMatchObject({ id: moved.id, type: 't0' });
    // Deleting the last one removes the row.
    expect((await del(`/artifacts/${a[0].id}`)).status).toBe(204);
    expect(await collection('seq')).toEqual([]);
    expect(await get('/artifacts/seq/latest')).toMatchObject({ status: 404, body: { detail: 'Artifact not found.' } });
  });

  it('concurrent deletes of a key\'s newest artifacts leave the row on the one that remains', async () => {
    const a = [];
    for (let i = 0; i < 6; i += 1) a.push((await create({ key: 'race', data: i })).body);
    const results = await Promise.all(a.slice(1).map((x) => del(`/artifacts/${x.id}`)));
    expect(results.map((r) => r.status)).toEqual([204, 204, 204, 204, 204]);
    expect(await collection('race')).toMatchObject([{ latest_id: a[0].id, data: 0 }]);
  });

  it('404s and 422s in Prefect\'s shape; 405 for other methods', async () => {
    const nil = '00000000-0000-0000-0000-000000000000';
    for (const [method, path] of [['GET', `/artifacts/${nil}`], ['DELETE', `/artifacts/${nil}`], ['PATCH', `/artifacts/${nil}`], ['GET', '/artifacts/nope/latest']] as const) {
      const res = await call(method, path, method === 'PATCH' ? {} : undefined);
      expect(res.status, path).toBe(404);
      expect(res.body).toEqual({ detail: 'Artifact not found.' });
    }
    expect((await patch(`/artifacts/${nil}`, { key: 'x' })).body.exception_detail[0]).toMatchObject({ type: 'extra_forbidden', loc: ['body', 'key'] });
    for (const [method, path] of [
      ['GET', '/artifacts/'],
      ['GET', '/artifacts/filter'],
      ['GET', '/artifacts/latest/filter'],
      ['GET', '/artifacts/latest/count'],
      ['POST', '/artifacts/k/latest'],
      ['POST', `/artifacts/${nil}`],
    ] as const) {
      expect(await call(method, path), `${method} ${path}`).toMatchObject({ status: 405, body: { detail: 'Method Not Allowed' } });
    }
    const sort = await post('/artifacts/filter', { sort: 'NOPE' });
    expect(sort.body.exception_detail[0]).toMatchObject({
      type: 'enum',
      loc: ['body', 'sort'],
      msg: "Input should be 'CREATED_DESC', 'UPDATED_DESC', 'ID_DESC', 'KEY_DESC' or 'KEY_ASC'",
    });
    expect((await post('/artifacts/latest/filter', { artifacts: { id: { any_: [] } } })).body.exception_detail[0]).toMatchObject({
      type: 'extra_forbidden',
      loc: ['body', 'artifacts', 'id'],
    });
  });
});

describe('filters', () => {
  it('by the artifact\'s own fields, and by its flow run, task run, flow and deployment', async () => {
    const flowId = await createFlow();
    const dep = await createDeployment({ flowId });
    const runA = await createRun({ flowId, deploymentId: dep.id });
    const runB = await createRun();
    const task = await createTaskRun(runA);
    const x = (await create({ key: 'alpha', type: 'markdown', flow_run_id: runA, task_run_id: task })).body;
    const y = (await create({ key: 'beta', type: 'table', flow_run_id: runB })).body;
    const z = (await create({ type: 'result' })).body;
    const f = async (body: unknown) => ids(await post('/artifacts/filter', body));

    expect(await f({})).toEqual([x.id, y.id, z.id].sort().reverse());
    expect(await f({ artifacts: { key: { exists_: false } } })).toEqual([z.id]);
    expect(await f({ artifacts: { key: { like_: 'ph' } } })).toEqual([x.id]);
    expect(await f({ artifacts: { type: { not_any_: ['table'] } } })).toEqual([x.id, z.id].sort().reverse());
    expect(await f({ artifacts: { operator: 'or_', type: { any_: ['result'] }, flow_run_id: { any_: [runB] } } })).toEqual([y.id, z.id].sort().reverse());
    expect(await f({ artifacts: { id: { any_: [y.id] } } })).toEqual([y.id]);
    expect(await f({ flow_runs: {} })).toEqual([x.id, y.id].sort().reverse());
    expect(await f({ flow_runs: { id: { any_: [runB] } } })).toEqual([y.id]);
    expect(await f({ task_runs: {} })).toEqual([x.id]);
    expect(await f({ flows: { id: { any_: [flowId] } } })).toEqual([x.id]);
    expect(await f({ deployments: { id: { any_: [dep.id] } } })).toEqual([x.id]);
    expect(await f({ sort: 'KEY_ASC' })).toEqual([x.id, y.id, z.id]);
    expect(await f({ sort: 'KEY_ASC', limit: 1, offset: 1 })).toEqual([y.id]);
    expect((await post('/artifacts/count', { flow_runs: {} })).body).toBe(2);

    const latest = await post('/artifacts/latest/filter', { artifacts: { latest_id: { any_: [x.id] } }, flows: { id: { any_: [flowId] } } });
    expect(latest.body.map((c: any) => c.key)).toEqual(['alpha']);
    expect((await post('/artifacts/latest/filter', { sort: 'KEY_DESC' })).body.map((c: any) => c.key)).toEqual(['beta', 'alpha']);
    expect((await post('/artifacts/latest/count', { task_runs: {} })).body).toBe(1);
    expect((await post('/artifacts/latest/count', { artifacts: { type: { any_: ['table'] } } })).body).toBe(1);
  });
});
