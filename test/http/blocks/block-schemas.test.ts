/**
 * /block_schemas: Prefect's checksum, nested blocks' schemas split off on create and put back on read
 * (checked against Prefect 3.9.1's server side by side). sdk-schemas.json holds what the 3.9.1 SDK
 * sends for a block with a nested block (`Block._to_block_schema()` of two small block classes).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { del, get, post, resetDb } from '../helpers';
import sdk from './sdk-schemas.json';
import { blockSchemaChecksum } from '../../../src/queries/block-checksum';

beforeEach(async () => {
  await resetDb();
  await post('/block_types/install_system_block_types');
});

const newType = async (slug: string) => (await post('/block_types/', { name: slug, slug })).body;

describe('checksums', () => {
  it('equal Prefect\'s for every schema it registers (as read back) and for what its SDK sends', async () => {
    // Stored fields lack block_schema_references and nested blocks' definitions; reads put them back,
    // and the client hashes what it reads.
    // Prefect's own Block._calculate_schema_checksum of these read-back fields differs from their stored
    // checksum too (the collections' data was hashed by other releases), so they prove nothing either way.
    const hashedElsewhere = new Set([
      'dbt-cli-target-configs', 'snowflake-credentials', 'snowflake-connector', 'dbt-cli-snowflake-target-configs',
      'dbt-cli-profile', 'database-credentials', 'dbt-cli-postgres-target-configs', 's3-bucket',
    ]);
    const all = (await post('/block_schemas/filter', {})).body as { checksum: string; fields: Record<string, unknown>; block_type: { slug: string } }[];
    expect(all).toHaveLength(64); // every schema of the seed (block-types.test.ts counts it)
    const checked = all.filter((s) => !hashedElsewhere.has(s.block_type.slug));
    expect(checked.length).toBe(49);
    for (const s of checked) expect(await blockSchemaChecksum(s.fields), s.block_type.slug).toBe(s.checksum);
    expect(await blockSchemaChecksum(sdk.service.fields)).toBe(sdk.service.checksum);
    expect(await blockSchemaChecksum(sdk.credentials.fields)).toBe(sdk.credentials.checksum);
  });
});

describe('POST /block_schemas/', () => {
  it('creates a schema with its nested block\'s schema and answers 200 with the stored one when sent again', async () => {
    const service = await newType('test-service');
    await newType('test-credentials');
    const body = { fields: sdk.service.fields, block_type_id: service.id, capabilities: [], version: '3.9.1' };
    const created = await post('/block_schemas/', body);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ checksum: sdk.service.checksum, version: '3.9.1', block_type_id: service.id, block_type: { slug: 'test-service' } });
    expect(created.body.fields.block_schema_references).toEqual(sdk.service.fields.block_schema_references);
    expect(created.body.fields.definitions).toEqual(sdk.service.fields.definitions);

    const child = await get(`/block_schemas/checksum/${sdk.credentials.checksum}`);
    expect(child.status).toBe(200);
    expect(child.body).toMatchObject({ version: 'non-versioned', block_type: { slug: 'test-credentials' } });
    // The nested schema is stamped after its parent, as Prefect stamps each row, so newest-first reads
    // list it first (one transaction's now() would tie them, and the order would be the ids').
    const both = await post('/block_schemas/filter', { block_schemas: { id: { any_: [created.body.id, child.body.id] } } });
    expect(both.body.map((s: { id: string }) => s.id)).toEqual([child.body.id, created.body.id]);

    // Read back, the nested definition is rebuilt from the child's row.
    const read = await get(`/block_schemas/${created.body.id}`);
    expect(read.body.fields).toEqual({ ...sdk.service.fields, block_schema_references: sdk.service.fields.block_schema_references });
    expect(read.body).toEqual({ ...created.body, fields: read.body.fields });

    const again = await post('/block_schemas/', body);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(created.body.id);
    // Another version of the same fields is another schema.
    expect((await post('/block_schemas/', { ...body, version: '9' })).status).toBe(201);
    expect((await get(`/block_schemas/checksum/${sdk.service.checksum}?version=3.9.1`)).body.id).toBe(created.body.id);
    expect((await get(`/block_schemas/checksum/${sdk.service.checksum}?version=8`)).status).toBe(404);
  });

  it('404 for an unknown block type, 409 when a nested block\'s type is missing, 422 on a bad body', async () => {
    const missing = await post('/block_schemas/', { fields: {}, block_type_id: '00000000-0000-0000-0000-000000000000' });
    expect(missing).toMatchObject({ status: 404, body: { detail: 'Block type 00000000-0000-0000-0000-000000000000 not found.' } });
    const service = await newType('test-service');
    const nested = await post('/block_schemas/', { fields: sdk.service.fields, block_type_id: service.id });
    expect(nested.status).toBe(409);
    expect(nested.body.detail).toBe(
      "Cannot create block schema because block type 'test-credentials' was not found.Did you forget to register the block type?",
    );
    // Nothing of the failed request was written.
    expect((await post('/block_schemas/filter', { block_schemas: { block_type_id: { any_: [service.id] } } })).body).toEqual([]);
    expect((await post('/block_schemas/', { fields: [], block_type_id: service.id })).status).toBe(422);
    expect((await post('/block_schemas/', { block_type_id: 'nope' })).status).toBe(422);
  });
});

describe('reads and deletes', () => {
  it('filters by type, capabilities, version and id, newest first', async () => {
    const all = await post('/block_schemas/filter', {});
    expect(all.body).toHaveLength(64);
    const created = all.body.map((s: { created: string }) => s.created);
    expect(created).toEqual([...created].sort().reverse());
    const notify = await post('/block_schemas/filter', { block_schemas: { block_capabilities: { all_: ['notify'] } } });
    expect(notify.body.every((s: { capabilities: string[] }) => s.capabilities.includes('notify'))).toBe(true);
    const v391 = await post('/block_schemas/filter', { block_schemas: { version: { any_: ['3.9.1'] } } });
    expect(v391.body.length).toBeGreaterThan(0);
    const either = await post('/block_schemas/filter', {
      block_schemas: { operator: 'or_', id: { any_: [all.body[0].id] }, block_capabilities: { all_: ['notify'] } },
    });
    expect(either.body).toHaveLength(notify.body.length + 1);
    // A collection block with a nested one: references and definitions come back.
    const connector = all.body.find((s: { block_type: { slug: string } }) => s.block_type.slug === 'snowflake-connector');
    expect(connector.fields.block_schema_references.credentials.block_type_slug).toBe('snowflake-credentials');
    expect(Object.keys(connector.fields.definitions)).toContain('SnowflakeCredentials');
  });

  it('deletes a schema unless its type is protected', async () => {
    const secret = (await get('/block_types/slug/secret')).body;
    const [secretSchema] = (await post('/block_schemas/filter', { block_schemas: { block_type_id: { any_: [secret.id] } } })).body;
    expect(await del(`/block_schemas/${secretSchema.id}`)).toMatchObject({
      status: 403,
      body: { detail: 'Block schemas for protected block types cannot be deleted.' },
    });
    const t = await newType('mine');
    const s = (await post('/block_schemas/', { fields: { title: 'Mine', type: 'object', properties: {} }, block_type_id: t.id })).body;
    expect((await del(`/block_schemas/${s.id}`)).status).toBe(204);
    expect(await get(`/block_schemas/${s.id}`)).toMatchObject({ status: 404, body: { detail: 'Block schema not found' } });
    expect((await del(`/block_schemas/${s.id}`)).status).toBe(404);
  });
});
