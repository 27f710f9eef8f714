/** /variables: the bodies and status codes of Prefect 3.9.1's server (checked against it side by side). */
import { beforeEach, describe, expect, it } from 'vitest';
import { call, del, get, patch, post, resetDb } from '../helpers';

const INTEGRITY = {
  detail: 'Data integrity conflict. This usually means a unique or foreign key constraint was violated. See server logs for details.',
};
const create = (body: unknown) => post('/variables/', body);
const names = (res: { body: { name: string }[] }) => res.body.map((x) => x.name);

beforeEach(async () => {
  await resetDb();
});

describe('POST /variables/', () => {
  it('creates with any JSON value and answers the value as sent; reads show jsonb key order', async () => {
    const res = await create({ name: 'config', value: { b: 1, a: [2.5, 'x', null, true] }, tags: ['t1'] });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-sql-statements')).toBe('1');
    expect(res.body).toEqual({
      id: expect.any(String),
      created: expect.stringMatching(/Z$/),
      updated: expect.stringMatching(/Z$/),
      name: 'config',
      value: { b: 1, a: [2.5, 'x', null, true] },
      tags: ['t1'],
    });
    expect(Object.keys(res.body.value)).toEqual(['b', 'a']);
    const read = await get('/variables/name/config');
    expect(read.body).toEqual(res.body);
    expect(Object.keys(read.body.value)).toEqual(['a', 'b']);

    // Strings that read as JSON stay strings (Drizzle's jsonb type would parse them a second time).
    for (const [name, value] of [['s', 'text'], ['n', 42], ['f', 1.5], ['b', false], ['nul', null], ['l', [1, [2]]], ['s42', '42'], ['strue', 'true'], ['snull', 'null'], ['slist', '[1]']] as const) {
      const r = await create({ name, value });
      expect(r.status, name).toBe(201);
      expect((await get(`/variables/${r.body.id}`)).body).toMatchObject({ name, value, tags: [] });
    }
  });

  it('409 on a taken name, with Prefect\'s message', async () => {
    expect((await create({ name: 'dup', value: 1 })).status).toBe(201);
    const again = await create({ name: 'dup', value: 2 });
    expect(again.status).toBe(409);
    expect(again.body).toEqual({ detail: "A variable with the name 'dup' already exists." });
  });

  it('concurrent creates of one name: one 201, the others 409', async () => {
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => create({ name: 'race', value: i })));
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
    expect((await post('/variables/count', {})).body).toBe(1);
  });

  it('applies Prefect\'s name rule (including the empty name and Python\'s trailing-newline quirk)', async () => {
    const bad = await create({ name: 'Bad Name', value: 1 });
    expect(bad.status).toBe(422);
    expect(bad.body.exception_detail).toEqual([
      {
        type: 'value_error',
        loc: ['body', 'name'],
        msg: 'Value error, Variable name must only contain lowercase letters, numbers, and dashes or underscores.',
        input: 'Bad Name',
        ctx: { error: {} },
      },
    ]);
    expect((await create({ name: '', value: 1 })).status).toBe(201);
    expect((await create({ name: 'ab\n', value: 1 })).status).toBe(201);
    expect((await create({ name: 'a-b_c9', value: 1 })).status).toBe(201);
    const long = await create({ name: 'a'.repeat(256), value: 1 });
    expect(long.body.exception_detail[0]).toMatchObject({
      type: 'too_long',
      loc: ['body', 'name'],
      msg: 'Value should have at most 255 items after validation, not 256',
      ctx: { field_type: 'Value', max_length: 255, actual_length: 256 },
    });
    expect((await create({ name: 'a'.repeat(255), value: 1 })).status).toBe(201);
  });

  it('limits the serialized value to 5000 bytes', async () => {
    // "a"*4998 serializes to 5000 bytes with its quotes; one more is too many.
    expect((await create({ name: 'ok', value: 'a'.repeat(4998) })).status).toBe(201);
    const big = await create({ name: 'big', value: 'a'.repeat(4999) });
    expect(big.status).toBe(422);
    expect(big.body.exception_detail[0]).toMatchObject({
      type: 'value_error',
      loc: ['body', 'value'],
      msg: 'Value error, Variable value must be less than 5000 characters',
      ctx: { error: {} },
    });
    // Bytes, not characters.
    expect((await create({ name: 'wide', value: 'é'.repeat(2500) })).status).toBe(422);
  });

  it('422 for a missing value, bad tags, unknown keys and non-object bodies', async () => {
    const missing = await create({ name: 'x' });
    expect(missing.body.exception_detail).toEqual([{ type: 'missing', loc: ['body', 'value'], msg: 'Field required', input: { name: 'x' } }]);
    const nullTags = await create({ name: 'x', value: 1, tags: null });
    expect(nullTags.body.exception_detail[0]).toMatchObject({ type: 'list_type', loc: ['body', 'tags'] });
    const tagType = await create({ name: 'x', value: 1, tags: [1] });
    expect(tagType.body.exception_detail[0]).toMatchObject({ type: 'string_type', loc: ['body', 'tags', 0] });
    const extra = await create({ name: 'x', value: 1, extra: 2 });
    expect(extra.body.exception_detail[0]).toMatchObject({ type: 'extra_forbidden', loc: ['body', 'extra'] });
    const empty = await call('POST', '/variables/', '');
    expect(empty.body).toEqual({
      exception_message: 'Invalid request received.',
      exception_detail: [{ type: 'missing', loc: ['body'], msg: 'Field required', input: null }],
      request_body: null,
    });
    expect((await create([])).body.exception_detail[0]).toMatchObject({ type: 'model_attributes_type', loc: ['body'] });
  });
});

describe('reads, updates and deletes by id and by name', () => {
  it('PATCH writes only the keys sent and bumps updated; a null value clears it', async () => {
    const v = (await create({ name: 'p', value: { k: 1 }, tags: ['a'] })).body;
    expect((await patch(`/variables/${v.id}`, { value: null })).status).toBe(204);
    const afterNull = (await get('/variables/name/p')).body;
    expect(afterNull).toMatchObject({ value: null, tags: ['a'] });
    expect(afterNull.updated > v.updated).toBe(true);
    expect((await patch('/variables/name/p', { tags: ['b'], value: [1] })).status).toBe(204);
    expect((await get(`/variables/${v.id}`)).body).toMatchObject({ name: 'p', value: [1], tags: ['b'] });
    expect((await patch('/variables/name/p', {})).status).toBe(204);
    expect((await patch('/variables/name/p', { name: 'q' })).status).toBe(204);
    expect((await get('/variables/name/q')).body.id).toBe(v.id);
  });

  it('409 for a taken name or an explicit null name or tags; 404 wins for a missing variable', async () => {
    await create({ name: 'one', value: 1 });
    await create({ name: 'two', value: 2 });
    expect(await patch('/variables/name/one', { name: 'two' })).toMatchObject({ status: 409, body: INTEGRITY });
    expect(await patch('/variables/name/one', { name: null })).toMatchObject({ status: 409, body: INTEGRITY });
    expect(await patch('/variables/name/one', { tags: null })).toMatchObject({ status: 409, body: INTEGRITY });
    expect(await patch('/variables/name/none', { name: null })).toMatchObject({ status: 404, body: { detail: 'Variable not found.' } });
    const bad = await patch('/variables/name/one', { name: 'BAD' });
    expect(bad.status).toBe(422);
    expect(bad.body.exception_detail[0]).toMatchObject({ type: 'value_error', loc: ['body', 'name'] });
    expect((await patch('/variables/name/one', { extra: 1 })).body.exception_detail[0].type).toBe('extra_forbidden');
  });

  it('404 in Prefect\'s shape for unknown ids and names; DELETE by id and by name', async () => {
    const nil = '00000000-0000-0000-0000-000000000000';
    for (const [method, path] of [
      ['GET', `/variables/${nil}`],
      ['DELETE', `/variables/${nil}`],
      ['PATCH', `/variables/${nil}`],
      ['GET', '/variables/name/nope'],
      ['DELETE', '/variables/name/nope'],
    ] as const) {
      const res = await call(method, path, method === 'PATCH' ? {} : undefined);
      expect(res.status, path).toBe(404);
      expect(res.body).toEqual({ detail: 'Variable not found.' });
    }
    expect(await get('/variables/nope')).toMatchObject({ status: 404, body: { detail: 'Not Found' } });
    const a = (await create({ name: 'a', value: 1 })).body;
    await create({ name: 'b', value: 2 });
    expect((await del(`/variables/${a.id}`)).status).toBe(204);
    expect((await del('/variables/name/b')).status).toBe(204);
    expect((await del('/variables/name/b')).status).toBe(404);
    expect((await post('/variables/count', {})).body).toBe(0);
  });

  it('405 for other methods on the variable paths', async () => {
    for (const [method, path] of [
      ['GET', '/variables/'],
      ['PUT', '/variables/filter'],
      ['GET', '/variables/count'],
      ['POST', '/variables/name/x'],
      ['POST', `/variables/${crypto.randomUUID()}`],
    ] as const) {
      expect(await call(method, path), `${method} ${path}`).toMatchObject({ status: 405, body: { detail: 'Method Not Allowed' } });
    }
  });
});

describe('POST /variables/filter and /count', () => {
  const seed = async () => {
    await create({ name: 'alpha_1', value: 1, tags: ['x', 'y'] });
    await create({ name: 'beta', value: 2, tags: ['x'] });
    await create({ name: 'gamma_2', value: 3 });
  };

  it('filters by id, name (any_, like_ with wildcards) and tags; sorts by name ascending by default', async () => {
    await seed();
    expect(names(await post('/variables/filter', {}))).toEqual(['alpha_1', 'beta', 'gamma_2']);
    expect(names(await post('/variables/filter', null))).toEqual(['alpha_1', 'beta', 'gamma_2']);
    expect(names(await post('/variables/filter', { sort: 'NAME_DESC' }))).toEqual(['gamma_2', 'beta', 'alpha_1']);
    expect(names(await post('/variables/filter', { sort: 'CREATED_DESC' }))).toEqual(['gamma_2', 'beta', 'alpha_1']);
    expect(names(await post('/variables/filter', { variables: { name: { like_: 'A_' } } }))).toEqual(['alpha_1', 'gamma_2']);
    expect(names(await post('/variables/filter', { variables: { name: { any_: ['beta', 'zeta'] } } }))).toEqual(['beta']);
    expect(names(await post('/variables/filter', { variables: { tags: { all_: ['x', 'y'] } } }))).toEqual(['alpha_1']);
    expect(names(await post('/variables/filter', { variables: { tags: { is_null_: true } } }))).toEqual(['gamma_2']);
    expect(
      names(await post('/variables/filter', { variables: { operator: 'or_', name: { any_: ['gamma_2'] }, tags: { all_: ['y'] } } })),
    ).toEqual(['alpha_1', 'gamma_2']);
    const beta = (await get('/variables/name/beta')).body;
    expect(names(await post('/variables/filter', { variables: { id: { any_: [beta.id] } } }))).toEqual(['beta']);
    expect(names(await post('/variables/filter', { limit: 1, offset: 1 }))).toEqual(['beta']);
    expect((await post('/variables/count', { variables: { tags: { all_: ['x'] } } })).body).toBe(2);
    expect((await post('/variables/count', { variables: null })).body).toBe(3);
  });

  it('422 for bad filters, sorts and limits', async () => {
    const id = await post('/variables/filter', { variables: { id: { any_: ['x'] } } });
    expect(id.status).toBe(422);
    expect(id.body.exception_detail[0]).toMatchObject({ type: 'uuid_parsing', loc: ['body', 'variables', 'id', 'any_', 0] });
    const sort = await post('/variables/filter', { sort: 'X' });
    expect(sort.body.exception_detail[0]).toMatchObject({
      type: 'enum',
      loc: ['body', 'sort'],
      msg: "Input should be 'CREATED_DESC', 'UPDATED_DESC', 'NAME_DESC' or 'NAME_ASC'",
    });
    expect((await post('/variables/filter', { limit: 201 })).body).toEqual({ detail: 'Invalid limit: must be less than or equal to 200.' });
    expect((await post('/variables/count', { variables: { name: { nope: 1 } } })).body.exception_detail[0].type).toBe('extra_forbidden');
  });
});
