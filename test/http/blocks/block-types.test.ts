/** /block_types and /block_capabilities: Prefect 3.9.1's answers (checked against its server side by side). */
import { beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { del, get, patch, post, resetDb, withDb } from '../helpers';

const install = () => post('/block_types/install_system_block_types');
const counts = () =>
  withDb(async (db) => {
    const r = await db.execute(sql`select
      (select count(*) from block_type)::int as types, (select count(*) from block_schema)::int as schemas,
      (select count(*) from block_schema_reference)::int as refs, (select count(*) from block_type where is_protected)::int as protected`);
    return r.rows[0];
  });

beforeEach(async () => {
  await resetDb();
  await install();
});

describe('POST /block_types/install_system_block_types', () => {
  it('installs the block types, schemas and references a fresh Prefect 3.9.1 server registers, idempotently, in one statement', async () => {
    // The seed is the block_seed row that the block_seed_data migration wrote (not part of the Worker).
    const seed = await withDb(async (db) => {
      const r = await db.execute(sql`select prefect_version, json_array_length(document -> 'block_types') as types,
        json_array_length(document -> 'block_schemas') as schemas, json_array_length(document -> 'block_schema_references') as refs
        from block_seed`);
      return r.rows;
    });
    expect(seed).toEqual([{ prefect_version: '3.9.1', types: 54, schemas: 64, refs: 26 }]);
    const expected = { types: 54, schemas: 64, refs: 26, protected: 3 };
    expect(await counts()).toEqual(expected);
    const again = await install();
    expect(again.status).toBe(200);
    expect(again.body).toBeNull();
    expect(again.headers.get('x-sql-statements')).toBe('1');
    expect(await counts()).toEqual(expected);
  });

  it('puts back a protected type that was changed, and one of its schemas that was removed from the database', async () => {
    const secret = (await get('/block_types/slug/secret')).body;
    expect((await patch(`/block_types/${secret.id}`, { description: 'changed' })).status).toBe(204);
    await withDb((db) => db.execute(sql`delete from block_schema where block_type_id = ${secret.id}`));
    await install();
    const back = (await get('/block_types/slug/secret')).body;
    expect(back.id).toBe(secret.id);
    expect(back.description).toBe(secret.description);
    const schemas = await post('/block_schemas/filter', { block_schemas: { block_type_id: { any_: [secret.id] } } });
    expect(schemas.body).toHaveLength(1);
  });
});

describe('POST /block_types/', () => {
  it('creates a type, escaping HTML in the description and code example as Prefect does', async () => {
    const res = await post('/block_types/', { name: 'My Type', slug: 'my-type', description: 'a <b> & c', code_example: '<x>' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.any(String),
      created: expect.stringMatching(/Z$/),
      updated: expect.stringMatching(/Z$/),
      name: 'My Type',
      slug: 'my-type',
      logo_url: null,
      documentation_url: null,
      description: 'a &lt;b&gt; &amp; c',
      code_example: '&lt;x&gt;',
      is_protected: false,
    });
    expect((await get(`/block_types/${res.body.id}`)).body).toEqual(res.body);
  });

  it('409 on a taken slug, 403 on a name beginning with Prefect, 422 on the name and slug rules', async () => {
    expect((await post('/block_types/', { name: 'X', slug: 'secret' })).body).toEqual({ detail: 'Block type with name "X" already exists' });
    const reserved = await post('/block_types/', { name: 'prefect thing', slug: 'pt' });
    expect(reserved.status).toBe(403);
    expect(reserved.body).toEqual({ detail: "Block type names beginning with 'Prefect' are reserved." });
    const bad = await post('/block_types/', { name: 'a/b', slug: 'My_Type' });
    expect(bad.status).toBe(422);
    expect(bad.body.exception_detail.map((e: { type: string; loc: string[] }) => [e.type, e.loc])).toEqual([
      ['string_pattern_mismatch', ['body', 'name']],
      ['value_error', ['body', 'slug']],
    ]);
    expect(bad.body.exception_detail[1].msg).toBe('Value error, Block type slug must only contain lowercase letters, numbers, and dashes.');
    expect((await post('/block_types/', { name: 'Y', slug: 'y', extra: 1 })).status).toBe(422);
  });
});

describe('reads', () => {
  it('filters by name (like_), slug and the schemas\' capabilities, ordered by name', async () => {
    const all = await post('/block_types/filter', {});
    expect(all.body).toHaveLength(54);
    const names = all.body.map((t: { name: string }) => t.name);
    expect(names).toEqual([...names].sort((a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)));
    const like = await post('/block_types/filter', { block_types: { name: { like_: 'webhook' } } });
    expect(like.body.map((t: { slug: string }) => t.slug)).toContain('slack-webhook');
    expect(like.body.every((t: { name: string }) => /webhook/i.test(t.name))).toBe(true);
    const bySlug = await post('/block_types/filter', { block_types: { slug: { any_: ['secret', 'webhook'] } } });
    expect(bySlug.body.map((t: { slug: string }) => t.slug)).toEqual(['secret', 'webhook']);
    const notify = await post('/block_types/filter', { block_schemas: { block_capabilities: { all_: ['notify'] } } });
    expect(notify.body.length).toBeGreaterThan(5);
    expect(notify.body.map((t: { slug: string }) => t.slug)).toContain('slack-webhook');
    expect(notify.body.map((t: { slug: string }) => t.slug)).not.toContain('secret');
    expect((await post('/block_types/filter', { limit: 2, offset: 1 })).body.map((t: { name: string }) => t.name)).toEqual(names.slice(1, 3));
    expect((await post('/block_types/filter', { block_types: { operator: 'and_' } })).status).toBe(422);
  });

  it('reads by id and slug; 404 otherwise', async () => {
    const secret = await get('/block_types/slug/secret');
    expect(secret.body).toMatchObject({ name: 'Secret', slug: 'secret', is_protected: true });
    expect((await get(`/block_types/${secret.body.id}`)).body).toEqual(secret.body);
    expect(await get('/block_types/slug/nope')).toMatchObject({ status: 404, body: { detail: 'Block type not found' } });
    expect((await get('/block_types/00000000-0000-0000-0000-000000000000')).status).toBe(404);
  });

  it('lists the capabilities of every schema', async () => {
    const res = await get('/block_capabilities/');
    expect([...res.body].sort()).toEqual(['get-directory', 'notify', 'put-directory', 'read-path', 'write-path']);
  });
});

describe('PATCH and DELETE /block_types/{id}', () => {
  it('writes the fields sent; an update equal to what is stored writes nothing', async () => {
    const t = (await post('/block_types/', { name: 'Patchy', slug: 'patchy', description: 'd' })).body;
    expect((await patch(`/block_types/${t.id}`, { description: 'new', logo_url: null })).status).toBe(204);
    const after = (await get(`/block_types/${t.id}`)).body;
    expect(after).toMatchObject({ description: 'new', logo_url: null, name: 'Patchy' });
    expect(after.updated > t.updated).toBe(true);
    const same = { description: 'new', logo_url: null, documentation_url: null, code_example: null };
    const res = await patch(`/block_types/${t.id}`, same);
    expect(res.status).toBe(204);
    expect(res.headers.get('x-sql-statements')).toBe('3'); // begin, the read, commit: no UPDATE
    expect((await get(`/block_types/${t.id}`)).body.updated).toBe(after.updated);
    expect((await patch(`/block_types/${t.id}`, { name: 'x' })).status).toBe(422);
    expect((await patch('/block_types/00000000-0000-0000-0000-000000000000', {})).status).toBe(404);
  });

  it('deletes an unprotected type with its schemas and documents; 403 for a protected one', async () => {
    const secret = (await get('/block_types/slug/secret')).body;
    expect(await del(`/block_types/${secret.id}`)).toMatchObject({ status: 403, body: { detail: 'protected block types cannot be deleted.' } });
    const slack = (await get('/block_types/slug/slack-webhook')).body;
    const [schema] = (await post('/block_schemas/filter', { block_schemas: { block_type_id: { any_: [slack.id] } } })).body;
    const doc = await post('/block_documents/', { name: 'hook', block_type_id: slack.id, block_schema_id: schema.id, data: { url: 'https://x' } });
    expect(doc.status).toBe(201);
    expect((await del(`/block_types/${slack.id}`)).status).toBe(204);
    expect((await get(`/block_documents/${doc.body.id}`)).status).toBe(404);
    expect((await get(`/block_schemas/${schema.id}`)).status).toBe(404);
    expect((await del(`/block_types/${slack.id}`)).status).toBe(404);
  });
});
