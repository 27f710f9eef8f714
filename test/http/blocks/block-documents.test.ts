/**
 * /block_documents and the documents of a type: secrets obfuscated unless asked for, nested blocks
 * stored as references and resolved on read, anonymous documents left out of filters, name rules and
 * 409s (checked against Prefect 3.9.1's server side by side).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { del, get, patch, post, resetDb } from '../helpers';
import sdk from './sdk-schemas.json';

interface Ids {
  secretType: string;
  secretSchema: string;
  serviceType: string;
  serviceSchema: string;
  credsType: string;
  credsSchema: string;
}
let ids: Ids;

beforeEach(async () => {
  await resetDb();
  await post('/block_types/install_system_block_types');
  const secretType = (await get('/block_types/slug/secret')).body.id;
  const [secretSchema] = (await post('/block_schemas/filter', { block_schemas: { block_type_id: { any_: [secretType] } } })).body;
  const serviceType = (await post('/block_types/', { name: 'Test Service', slug: 'test-service' })).body.id;
  const credsType = (await post('/block_types/', { name: 'Test Credentials', slug: 'test-credentials' })).body.id;
  const serviceSchema = (await post('/block_schemas/', { fields: sdk.service.fields, block_type_id: serviceType })).body.id;
  const credsSchema = (await get(`/block_schemas/checksum/${sdk.credentials.checksum}`)).body.id;
  ids = { secretType, secretSchema: secretSchema.id, serviceType, serviceSchema, credsType, credsSchema };
});

const secret = (name: string | null, value: unknown, extra: Record<string, unknown> = {}) =>
  post('/block_documents/', { name, data: { value }, block_type_id: ids.secretType, block_schema_id: ids.secretSchema, ...extra });
const creds = (name: string, password = 'hunter2') =>
  post('/block_documents/', { name, data: { username: 'alice', password }, block_type_id: ids.credsType, block_schema_id: ids.credsSchema });
const service = (name: string, credsId: string) =>
  post('/block_documents/', {
    name,
    data: { url: 'https://x', credentials: { $ref: { block_document_id: credsId } } },
    block_type_id: ids.serviceType,
    block_schema_id: ids.serviceSchema,
  });

describe('POST /block_documents/', () => {
  it('creates a document and answers it with its secrets hidden, its type and its schema', async () => {
    const res = await secret('my-secret', 'sk-123');
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.any(String),
      created: expect.stringMatching(/Z$/),
      updated: expect.stringMatching(/Z$/),
      name: 'my-secret',
      data: { value: '********' },
      block_schema_id: ids.secretSchema,
      block_schema: expect.objectContaining({ id: ids.secretSchema, block_type: expect.objectContaining({ slug: 'secret' }) }),
      block_type_id: ids.secretType,
      block_type_name: 'Secret',
      block_type: expect.objectContaining({ slug: 'secret', is_protected: true }),
      block_document_references: {},
      is_anonymous: false,
    });
    expect((await get(`/block_documents/${res.body.id}?include_secrets=true`)).body.data).toEqual({ value: 'sk-123' });
    expect((await get(`/block_documents/${res.body.id}?include_secrets=nope`)).status).toBe(422);
  });

  it('applies Prefect\'s name rules and answers 409 to a name taken within the type', async () => {
    expect((await secret('dup', 'a')).status).toBe(201);
    expect(await secret('dup', 'b')).toMatchObject({ status: 409, body: { detail: 'Block already exists' } });
    // The same name in another type is fine.
    expect((await creds('dup')).status).toBe(201);
    const upper = await secret('Bad_Name', 'x');
    expect(upper.status).toBe(422);
    expect(upper.body.exception_detail[0]).toMatchObject({ type: 'value_error', loc: ['body', 'name'] });
    expect(upper.body.exception_detail[0].msg).toBe('Value error, Block document name must only contain lowercase letters, numbers, and dashes.');
    expect((await secret('a/b', 'x')).body.exception_detail[0]).toMatchObject({ type: 'string_pattern_mismatch', loc: ['body', 'name'] });
    const unnamed = await secret(null, 'x');
    expect(unnamed.status).toBe(422);
    expect(unnamed.body.exception_detail).toEqual([
      expect.objectContaining({ type: 'value_error', loc: ['body'], msg: 'Value error, Names must be provided for block documents.' }),
    ]);
  });

  it('gives an anonymous document a name and leaves it out of filters unless asked for', async () => {
    const anon = await secret(null, 'x', { is_anonymous: true });
    expect(anon.status).toBe(201);
    expect(anon.body.name).toMatch(/^anonymous-[0-9a-f-]{36}$/);
    await secret('named', 'y');
    const names = async (body: unknown) => (await post('/block_documents/filter', body)).body.map((d: { name: string }) => d.name);
    expect(await names({})).toEqual(['named']);
    expect(await names({ block_documents: {} })).toEqual(['named']);
    expect((await names({ block_documents: { is_anonymous: null } })).sort()).toEqual([anon.body.name, 'named'].sort());
    expect(await names({ block_documents: { is_anonymous: { eq_: true } } })).toEqual([anon.body.name]);
    expect((await post('/block_documents/count', {})).body).toBe(1);
    expect((await post('/block_documents/count', { block_documents: { is_anonymous: {} } })).body).toBe(2);
    // Read by id or by name, an anonymous document is found.
    expect((await get(`/block_documents/${anon.body.id}`)).status).toBe(200);
    expect((await get(`/block_types/slug/secret/block_documents/name/${anon.body.name}`)).status).toBe(200);
    expect((await get('/block_types/slug/secret/block_documents')).body.map((d: { name: string }) => d.name)).toEqual(['named']);
  });

  it('400 for a reference without a document id; 409 for an unknown type, schema or referenced document', async () => {
    const noId = await post('/block_documents/', {
      name: 's',
      data: { url: 'u', credentials: { $ref: {} } },
      block_type_id: ids.serviceType,
      block_schema_id: ids.serviceSchema,
    });
    expect(noId).toMatchObject({ status: 400, body: { detail: 'Received block reference without a block_document_id in key credentials' } });
    expect((await service('s', '00000000-0000-0000-0000-000000000000')).status).toBe(409);
    expect((await secret('s', 'x', { block_schema_id: '00000000-0000-0000-0000-000000000000' })).status).toBe(409);
    expect((await secret('s', 'x', { block_type_id: '00000000-0000-0000-0000-000000000000' })).status).toBe(409);
    expect((await post('/block_documents/count', { block_documents: { is_anonymous: null } })).body).toBe(0);
  });
});

describe('nested blocks', () => {
  it('stores a nested block as a reference and resolves it on read, its secrets hidden unless asked for', async () => {
    const c = (await creds('alice-creds')).body;
    const s = await service('svc', c.id);
    expect(s.status).toBe(201);
    expect(s.body.data).toEqual({ url: 'https://x', credentials: { username: 'alice', password: '********' } });
    expect(s.body.block_document_references).toEqual({
      credentials: {
        block_document: {
          id: c.id,
          name: 'alice-creds',
          block_type: expect.objectContaining({ slug: 'test-credentials' }),
          is_anonymous: false,
          block_document_references: {},
        },
      },
    });
    const shown = await get('/block_types/slug/test-service/block_documents/name/svc?include_secrets=true');
    expect(shown.body.data.credentials.password).toBe('hunter2');
    // The nested document is still its own document, and listed on its own.
    const all = await post('/block_documents/filter', { sort: 'BLOCK_TYPE_AND_NAME_ASC' });
    expect(all.body.map((d: { name: string }) => d.name)).toEqual(['alice-creds', 'svc']);
    // Deleting the nested document removes the reference with it.
    expect((await del(`/block_documents/${c.id}`)).status).toBe(204);
    const after = (await get(`/block_documents/${s.body.id}`)).body;
    expect(after.data).toEqual({ url: 'https://x' });
    expect(after.block_document_references).toEqual({});
  });

  it('refuses a reference that would make a cycle', async () => {
    const c = (await creds('c1')).body;
    const s = (await service('s1', c.id)).body;
    const cycle = await patch(`/block_documents/${c.id}`, { data: { loop: { $ref: { block_document_id: s.id } } } });
    expect(cycle.status).toBe(400);
    expect(cycle.body.detail).toMatch(/^Cannot create block document reference: it would introduce a cycle/);
    // Nothing of the refused update was written.
    expect((await get(`/block_documents/${c.id}?include_secrets=true`)).body.data).toEqual({ username: 'alice', password: 'hunter2' });
    const self = await patch(`/block_documents/${c.id}`, { data: { me: { $ref: { block_document_id: c.id } } } });
    expect(self.status).toBe(400);
  });
});

describe('PATCH /block_documents/{id}', () => {
  it('merges by default, keeps a secret sent back obfuscated, and replaces with merge_existing_data false', async () => {
    const c = (await creds('c', 'pw1')).body;
    expect((await patch(`/block_documents/${c.id}`, { data: { username: 'bob' } })).status).toBe(204);
    const read = async () => (await get(`/block_documents/${c.id}?include_secrets=true`)).body;
    expect((await read()).data).toEqual({ username: 'bob', password: 'pw1' });
    // What the UI shows, saved back: the secret is kept.
    await patch(`/block_documents/${c.id}`, { data: { username: 'carol', password: '********' } });
    expect((await read()).data).toEqual({ username: 'carol', password: 'pw1' });
    await patch(`/block_documents/${c.id}`, { data: { password: 'pw2' }, merge_existing_data: false });
    expect((await read()).data).toEqual({ password: 'pw2' });
    await patch(`/block_documents/${c.id}`, { merge_existing_data: false });
    expect((await read()).data).toEqual({});
  });

  it('moves a document to another schema of its type only', async () => {
    const c = (await creds('c')).body;
    const moved = await patch(`/block_documents/${c.id}`, { data: {}, block_schema_id: ids.secretSchema });
    expect(moved).toMatchObject({ status: 400, body: { detail: 'Must migrate block document to a block schema of the same block type.' } });
    expect((await patch('/block_documents/00000000-0000-0000-0000-000000000000', { data: {} })).status).toBe(404);
    expect((await patch(`/block_documents/${c.id}`, { name: 'x' })).status).toBe(422);
  });
});

describe('filters', () => {
  it('by name, type and schema, sorted, limited and counted', async () => {
    for (const n of ['b-one', 'a-two', 'c-three']) await secret(n, n);
    await creds('creds-one');
    const names = async (body: unknown) => (await post('/block_documents/filter', body)).body.map((d: { name: string }) => d.name);
    expect(await names({})).toEqual(['a-two', 'b-one', 'c-three', 'creds-one']);
    expect(await names({ sort: 'NAME_DESC', limit: 2, offset: 1 })).toEqual(['c-three', 'b-one']);
    expect(await names({ block_documents: { name: { like_: 'one' } } })).toEqual(['b-one', 'creds-one']);
    const either = { operator: 'or_', name: { any_: ['a-two'] }, block_type_id: { any_: [ids.credsType] } };
    expect(await names({ block_documents: { ...either, is_anonymous: null } })).toEqual(['a-two', 'creds-one']);
    // The default `is_anonymous: {eq_: false}` is one of the or_'s criteria, so every named document matches.
    expect(await names({ block_documents: either })).toEqual(['a-two', 'b-one', 'c-three', 'creds-one']);
    expect(await names({ block_types: { slug: { any_: ['test-credentials'] } } })).toEqual(['creds-one']);
    expect(await names({ block_schemas: { id: { any_: [ids.secretSchema] } } })).toEqual(['a-two', 'b-one', 'c-three']);
    expect((await post('/block_documents/count', { block_types: { name: { like_: 'secret' } } })).body).toBe(3);
    expect((await post('/block_documents/filter', { include_secrets: true, block_documents: { name: { any_: ['a-two'] } } })).body[0].data).toEqual({
      value: 'a-two',
    });
    expect((await post('/block_documents/filter', { sort: 'NOPE' })).status).toBe(422);
    expect((await post('/block_documents/filter', { limit: 500 })).status).toBe(422);
  });

  it('404s of the reads and deletes', async () => {
    const none = '00000000-0000-0000-0000-000000000000';
    expect(await get(`/block_documents/${none}`)).toMatchObject({ status: 404, body: { detail: 'Block document not found' } });
    expect((await del(`/block_documents/${none}`)).status).toBe(404);
    expect(await get('/block_types/slug/nope/block_documents')).toMatchObject({ status: 404, body: { detail: 'Block type not found' } });
    expect((await get('/block_types/slug/secret/block_documents/name/nope')).status).toBe(404);
  });
});

describe('events', () => {
  const eventsAbout = async (id: string) =>
    (await post('/events/filter', { filter: { any_resource: { id: [id] }, order: 'ASC' }, limit: 50 })).body.events as {
      event: string;
      resource: Record<string, string>;
      related: Record<string, string>[];
      payload: Record<string, unknown>;
    }[];

  it("emits Prefect's block-document and block-type lifecycle events, none for anonymous documents", async () => {
    const s = (await secret('evented', 'sk')).body;
    await patch(`/block_documents/${s.id}`, { data: { value: 'sk2' } });
    await del(`/block_documents/${s.id}`);
    const events = await eventsAbout(`prefect.block-document.${s.id}`);
    expect(events.map((e) => e.event)).toEqual(['prefect.block-document.created', 'prefect.block-document.updated', 'prefect.block-document.deleted']);
    expect(events[0]).toMatchObject({
      resource: { 'prefect.resource.id': `prefect.block-document.${s.id}`, 'prefect.resource.name': 'evented' },
      related: [
        { 'prefect.resource.id': `prefect.block-type.${ids.secretType}`, 'prefect.resource.role': 'block-type', 'prefect.resource.name': 'Secret' },
        { 'prefect.resource.id': `prefect.block-schema.${ids.secretSchema}`, 'prefect.resource.role': 'block-schema' },
      ],
      // The secret value is not in the payload.
      payload: { name: 'evented', data: {}, block_schema: { capabilities: [], block_type: { id: ids.secretType, name: 'Secret' } } },
    });
    const c = (await creds('c')).body;
    expect((await eventsAbout(`prefect.block-document.${c.id}`))[0]!.payload.data).toEqual({ username: 'alice' });
    const anon = (await secret(null, 'x', { is_anonymous: true })).body;
    expect(await eventsAbout(`prefect.block-document.${anon.id}`)).toEqual([]);

    const t = (await post('/block_types/', { name: 'Evented', slug: 'evented' })).body;
    await patch(`/block_types/${t.id}`, { description: 'd' });
    await del(`/block_types/${t.id}`);
    const typeEvents = await eventsAbout(`prefect.block-type.${t.id}`);
    expect(typeEvents.map((e) => e.event)).toEqual(['prefect.block-type.created', 'prefect.block-type.updated', 'prefect.block-type.deleted']);
    expect(typeEvents[1]!.payload).toEqual({
      name: 'Evented', slug: 'evented', logo_url: null, documentation_url: null, description: 'd', code_example: null, is_protected: false,
    });
  });
});
