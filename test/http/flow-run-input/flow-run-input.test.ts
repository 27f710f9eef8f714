/** /flow_runs/{id}/input: bodies and status codes of Prefect 3.9.1's server (checked against it side by side). */
import { beforeEach, describe, expect, it } from 'vitest';
import { call, del, get, post, resetDb } from '../helpers';

let runId: string;
const input = (path = '') => `/flow_runs/${runId}/input${path}`;
const MISSING = '00000000-0000-0000-0000-000000000000';

beforeEach(async () => {
  await resetDb();
  const flow = await post('/flows/', { name: 'inputs' });
  runId = (await post('/flow_runs/', { flow_id: flow.body.id })).body.id;
});

describe('POST /flow_runs/{id}/input', () => {
  it('201 with a null body; the value reads back as plain text', async () => {
    const res = await post(input(), { key: 'k1', value: '{"a":1}', sender: 'me', ignored: 1 });
    expect(res).toMatchObject({ status: 201, body: null });
    const read = await call('GET', input('/k1'));
    expect(read.status).toBe(200);
    expect(read.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(read.body).toEqual({ a: 1 });
    expect((await call('GET', input('/k1'))).body).toEqual({ a: 1 });
    expect(await post(input(), { key: 'plain', value: 'not json' })).toMatchObject({ status: 201 });
    expect((await get(input('/plain'))).body).toBe('not json');
  });

  it('409 on a taken key, 404 for an unknown run', async () => {
    await post(input(), { key: 'k1', value: 'x' });
    expect(await post(input(), { key: 'k1', value: 'y' })).toMatchObject({ status: 409, body: { detail: 'A flow run input with this key already exists.' } });
    expect(await post(`/flow_runs/${MISSING}/input`, { key: 'k1', value: 'x' })).toMatchObject({ status: 404, body: { detail: 'Flow run not found' } });
  });

  it('422 in Prefect\'s shape for missing, null and mistyped fields; a bad key is a 422 too (a 500 in Prefect)', async () => {
    const res = await post(input(), { key: null, value: null, sender: 5 });
    expect(res.status).toBe(422);
    expect(res.body.exception_detail).toEqual([
      { type: 'missing', loc: ['body', 'key'], msg: 'Field required', input: null },
      { type: 'missing', loc: ['body', 'value'], msg: 'Field required', input: null },
      { type: 'string_type', loc: ['body', 'sender'], msg: 'Input should be a valid string', input: 5 },
    ]);
    expect((await post(input(), { key: 'k', value: 1 })).body.exception_detail).toEqual([
      { type: 'bytes_type', loc: ['body', 'value'], msg: 'Input should be a valid bytes', input: 1 },
    ]);
    const badKey = await post(input(), { key: 'Bad Key', value: 'x' });
    expect(badKey.status).toBe(422);
    expect(badKey.body.exception_detail[0]).toMatchObject({ type: 'value_error', loc: ['body', 'key'] });
  });
});

describe('POST /flow_runs/{id}/input/filter', () => {
  it('prefix, limit (default 1) and exclude_keys, oldest first', async () => {
    for (const key of ['k1', 'k2-x', 'k5', 'other']) await post(input(), { key, value: key });
    const keys = (body: { key: string }[]) => body.map((x) => x.key);
    const one = await post(input('/filter'), { prefix: 'k' });
    expect(one.body).toEqual([
      { id: expect.any(String), created: expect.stringMatching(/Z$/), updated: expect.stringMatching(/Z$/), flow_run_id: runId, key: 'k1', value: 'k1', sender: null },
    ]);
    expect(keys((await post(input('/filter'), { prefix: 'k', limit: 10, exclude_keys: ['k1'] })).body)).toEqual(['k2-x', 'k5']);
    expect(keys((await post(input('/filter'), { prefix: '', limit: 10, exclude_keys: null })).body)).toEqual(['k1', 'k2-x', 'k5', 'other']);
    expect((await post(`/flow_runs/${MISSING}/input/filter`, { prefix: 'k' })).body).toEqual([]);
  });

  it('the prefix is text: LIKE wildcards match only themselves', async () => {
    await post(input(), { key: 'abc', value: '1' });
    expect((await post(input('/filter'), { prefix: '_', limit: 10 })).body).toEqual([]);
    expect((await post(input('/filter'), { prefix: '%', limit: 10 })).body).toEqual([]);
    expect((await post(input('/filter'), { prefix: '\\', limit: 10 })).body).toEqual([]);
  });

  it('422 for a missing prefix, bad limit or exclude_keys', async () => {
    expect((await post(input('/filter'), {})).body.exception_detail).toEqual([{ type: 'missing', loc: ['body', 'prefix'], msg: 'Field required', input: null }]);
    const res = await post(input('/filter'), { prefix: 'k', limit: 'x', exclude_keys: 'k1' });
    expect(res.body.exception_detail.map((i: { type: string }) => i.type)).toEqual(['int_parsing', 'list_type']);
    expect((await post(input('/filter'), { prefix: 'k', limit: -5 })).status).toBe(422);
  });
});

describe('GET / DELETE /flow_runs/{id}/input/{key}', () => {
  it('404s, delete, wrong methods', async () => {
    await post(input(), { key: 'k2', value: 'v' });
    expect(await get(input('/nope'))).toMatchObject({ status: 404, body: { detail: 'Flow run input not found' } });
    expect((await del(input('/k2'))).status).toBe(204);
    expect(await del(input('/k2'))).toMatchObject({ status: 404, body: { detail: 'Flow run input not found' } });
    expect(await get(input())).toMatchObject({ status: 405, body: { detail: 'Method Not Allowed' } });
    expect(await call('PUT', input('/k1'))).toMatchObject({ status: 405 });
    // As in Prefect, GET …/input/filter reads the key "filter".
    expect(await get(input('/filter'))).toMatchObject({ status: 404, body: { detail: 'Flow run input not found' } });
  });

  it('inputs go with their run', async () => {
    await post(input(), { key: 'k', value: 'v' });
    expect((await del(`/flow_runs/${runId}`)).status).toBe(204);
    expect((await post(input('/filter'), { prefix: '' })).body).toEqual([]);
  });
});
