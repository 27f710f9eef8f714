/** /saved_searches, as Prefect 3.9.1 answers (its answers compared by hand; the compat suite has cases). */
import { beforeAll, describe, expect, it } from 'vitest';
import { call, del, get, post, resetDb } from '../helpers';

const RANDOM_ID = '7c0e3a4e-96a6-4d36-9c8c-000000000000';
const put = (body: unknown) => call('PUT', '/saved_searches/', body);
const FILTER = { object: 'flow_run', property: 'state', type: 'string', operation: 'equals', value: ['x'] };

beforeAll(() => resetDb());

describe('/saved_searches', () => {
  it('PUT creates (201), then replaces the filters of the same name (200, same id and times)', async () => {
    const created = await put({ name: 's1', filters: [{ ...FILTER, extra: 1 }] });
    expect(created.status).toBe(201);
    expect(created.headers.get('x-sql-statements')).toBe('1');
    expect(created.body).toEqual({ id: expect.any(String), created: expect.any(String), updated: expect.any(String), name: 's1', filters: [FILTER] });
    const replaced = await put({ name: 's1' });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toEqual({ ...created.body, filters: [] });
    expect((await get(`/saved_searches/${created.body.id}`)).body).toEqual(replaced.body);
  });

  it('filter lists them by name, with limit and offset', async () => {
    await put({ name: 'a-first', filters: [FILTER] });
    const all = await post('/saved_searches/filter', {});
    expect(all.body.map((s: { name: string }) => s.name)).toEqual(['a-first', 's1']);
    expect((await post('/saved_searches/filter', { limit: 1, offset: 1 })).body.map((s: { name: string }) => s.name)).toEqual(['s1']);
    expect(await post('/saved_searches/filter', { limit: 201 })).toMatchObject({ status: 422, body: { detail: 'Invalid limit: must be less than or equal to 200.' } });
  });

  it('delete, and 404s in Prefect’s words', async () => {
    const { body } = await put({ name: 'gone' });
    expect((await del(`/saved_searches/${body.id}`)).status).toBe(204);
    expect(await get(`/saved_searches/${body.id}`)).toMatchObject({ status: 404, body: { detail: 'Saved search not found' } });
    expect(await del(`/saved_searches/${RANDOM_ID}`)).toMatchObject({ status: 404, body: { detail: 'Saved search not found' } });
  });

  it('refuses bad bodies with Prefect’s 422s', async () => {
    const extra = await put({ name: 's1', x: 1 });
    expect(extra.body.exception_detail).toMatchObject([{ type: 'extra_forbidden', loc: ['body', 'x'], msg: 'Extra inputs are not permitted' }]);
    const missing = await put({ filters: [{ object: 'a' }] });
    expect(missing.status).toBe(422);
    expect(missing.body.exception_detail.map((i: { type: string; loc: unknown[] }) => [i.type, i.loc.join('.')])).toEqual([
      ['missing', 'body.name'],
      ['missing', 'body.filters.0.property'],
      ['missing', 'body.filters.0.type'],
      ['missing', 'body.filters.0.operation'],
      ['missing', 'body.filters.0.value'],
    ]);
  });
});
