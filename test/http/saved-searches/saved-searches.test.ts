/** /saved_searches: bodies and status codes of Prefect 3.9.1's server (checked against it side by side). */
import { beforeEach, describe, expect, it } from 'vitest';
import { call, del, get, post, resetDb } from '../helpers';

const put = (body: unknown) => call('PUT', '/saved_searches/', body);
const FILTER = { object: 'flow', property: 'name', type: 'string', operation: 'equals', value: 'x' };

beforeEach(async () => {
  await resetDb();
});

describe('PUT /saved_searches/', () => {
  it('creates (201), then replaces the filters of the same name (200) keeping id, created and updated', async () => {
    const first = await put({ name: 'mine', filters: [FILTER] });
    expect(first.status).toBe(201);
    expect(first.headers.get('x-sql-statements')).toBe('1');
    expect(first.body).toEqual({ id: expect.any(String), created: expect.stringMatching(/Z$/), updated: expect.stringMatching(/Z$/), name: 'mine', filters: [FILTER] });
    const again = await put({ name: 'mine', filters: [] });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ ...first.body, filters: [] });
    expect((await get(`/saved_searches/${first.body.id}`)).body).toEqual(again.body);
  });

  it('defaults filters to [], drops unknown keys of a filter, keeps a null value, accepts an empty name', async () => {
    expect((await put({ name: 'plain' })).body.filters).toEqual([]);
    const res = await put({ name: '', filters: [{ ...FILTER, value: null, extra: 1 }] });
    expect(res.status).toBe(201);
    expect(res.body.filters).toEqual([{ ...FILTER, value: null }]);
  });

  it('422 in Prefect\'s shape for a missing name, bad filters and unknown top-level keys', async () => {
    const res = await put({ filters: [{ object: 1 }], x: 1 });
    expect(res.status).toBe(422);
    expect(res.body.exception_detail).toEqual([
      { type: 'missing', loc: ['body', 'name'], msg: 'Field required', input: { filters: [{ object: 1 }], x: 1 } },
      { type: 'string_type', loc: ['body', 'filters', 0, 'object'], msg: 'Input should be a valid string', input: 1 },
      { type: 'missing', loc: ['body', 'filters', 0, 'property'], msg: 'Field required', input: { object: 1 } },
      { type: 'missing', loc: ['body', 'filters', 0, 'type'], msg: 'Field required', input: { object: 1 } },
      { type: 'missing', loc: ['body', 'filters', 0, 'operation'], msg: 'Field required', input: { object: 1 } },
      { type: 'missing', loc: ['body', 'filters', 0, 'value'], msg: 'Field required', input: { object: 1 } },
      { type: 'extra_forbidden', loc: ['body', 'x'], msg: 'Extra inputs are not permitted', input: 1 },
    ]);
    expect((await put({ name: 'c', filters: null })).body.exception_detail).toEqual([
      { type: 'list_type', loc: ['body', 'filters'], msg: 'Input should be a valid list', input: null },
    ]);
  });

  it('a NUL in the name is a 422, not a server error (Prefect answers 503)', async () => {
    const res = await put({ name: 'a\u0000b' });
    expect(res.status).toBe(422);
  });

  it('concurrent upserts of one name leave one search', async () => {
    const results = await Promise.all(Array.from({ length: 5 }, (_, i) => put({ name: 'race', filters: [{ ...FILTER, value: i }] })));
    expect(results.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 201]);
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
  });
});

describe('filter, read, delete', () => {
  it('filters by name order with limit/offset and Prefect\'s limit errors', async () => {
    for (const name of ['b', 'c', 'a']) await put({ name });
    expect((await post('/saved_searches/filter', {})).body.map((s: { name: string }) => s.name)).toEqual(['a', 'b', 'c']);
    expect((await post('/saved_searches/filter', { limit: 1, offset: 1 })).body.map((s: { name: string }) => s.name)).toEqual(['b']);
    const bad = await post('/saved_searches/filter', { limit: -1 });
    expect(bad).toMatchObject({ status: 422, body: { detail: 'Invalid limit: must be greater than or equal to 0.' } });
    const badOffset = await post('/saved_searches/filter', { offset: -1 });
    expect(badOffset.status).toBe(422);
    expect(badOffset.body.exception_detail[0]).toMatchObject({ type: 'greater_than_equal', loc: ['body', 'offset'] });
  });

  it('404 with Prefect\'s detail for unknown ids; non-UUID ids and wrong methods', async () => {
    const id = '00000000-0000-0000-0000-000000000000';
    expect(await get(`/saved_searches/${id}`)).toMatchObject({ status: 404, body: { detail: 'Saved search not found' } });
    expect(await del(`/saved_searches/${id}`)).toMatchObject({ status: 404, body: { detail: 'Saved search not found' } });
    expect(await get('/saved_searches/abc')).toMatchObject({ status: 404, body: { detail: 'Not Found' } });
    expect(await get('/saved_searches/')).toMatchObject({ status: 405, body: { detail: 'Method Not Allowed' } });
    expect(await get('/saved_searches/filter')).toMatchObject({ status: 405, body: { detail: 'Method Not Allowed' } });
  });

  it('deletes by id', async () => {
    const { body } = await put({ name: 'gone' });
    expect((await del(`/saved_searches/${body.id}`)).status).toBe(204);
    expect((await get(`/saved_searches/${body.id}`)).status).toBe(404);
  });
});
