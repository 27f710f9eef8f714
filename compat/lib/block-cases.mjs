// @ts-check
// The blocks family: block types, schemas, documents and capabilities. The Prefect server registers its
// block types at start-up; ours has them from the block_seed_data migration, so the reads start equal.
// block-sdk-schemas.json is what the 3.9.1 SDK sends for a block with a nested block
// (`Block._to_block_schema()` of two small block classes, test-credentials nested in test-service).
import fs from 'node:fs';
import { RANDOM_ID } from './read-cases.mjs';

/** @typedef {import('./engine.mjs').Case} Case */

const sdk = JSON.parse(fs.readFileSync(new URL('./block-sdk-schemas.json', import.meta.url), 'utf8'));

/** @returns {Case[]} */
export function blockCases() {
  const filter = (/** @type {string} */ id, /** @type {string} */ path, /** @type {unknown} */ body, /** @type {import('./engine.mjs').Case['order']} */ order = 'list') => ({
    id: `blocks ${id}`,
    path,
    body,
    order,
  });
  const secretDoc = (/** @type {unknown} */ name, /** @type {unknown} */ value, extra = {}) => ({
    name,
    data: { value },
    block_type_id: '{{BT_SECRET}}',
    block_schema_id: '{{BS_SECRET}}',
    ...extra,
  });
  return [
    // Prefect's own types and schemas.
    { id: 'blocks secret type by slug', method: 'GET', path: '/block_types/slug/secret', save: { BT_SECRET: 'id' } },
    { id: 'blocks secret type by id', method: 'GET', path: '/block_types/{{BT_SECRET}}' },
    filter('all types', '/block_types/filter', {}),
    filter('types named like webhook', '/block_types/filter', { block_types: { name: { like_: 'webhook' } } }),
    filter('types by slug', '/block_types/filter', { block_types: { slug: { any_: ['secret', 'webhook', 'nope'] } } }),
    filter('types with a notify schema', '/block_types/filter', { block_schemas: { block_capabilities: { all_: ['notify'] } } }),
    filter('types, limit and offset', '/block_types/filter', { limit: 3, offset: 5 }),
    filter('types with operator', '/block_types/filter', { block_types: { operator: 'or_' } }),
    filter('all schemas', '/block_schemas/filter', {}, 'set'),
    {
      id: 'blocks the secret schema',
      path: '/block_schemas/filter',
      body: { block_schemas: { block_type_id: { any_: ['{{BT_SECRET}}'] } } },
      save: { BS_SECRET: '0.id', BS_SECRET_CHECKSUM: '0.checksum' },
    },
    { id: 'blocks schema by id', method: 'GET', path: '/block_schemas/{{BS_SECRET}}' },
    { id: 'blocks schema by checksum', method: 'GET', path: '/block_schemas/checksum/{{BS_SECRET_CHECKSUM}}' },
    { id: 'blocks schema by checksum and version', method: 'GET', path: '/block_schemas/checksum/{{BS_SECRET_CHECKSUM}}?version=3.9.1' },
    { id: 'blocks schema by checksum, other version', method: 'GET', path: '/block_schemas/checksum/{{BS_SECRET_CHECKSUM}}?version=0' },
    filter('schemas with notify and version 3.9.1', '/block_schemas/filter', {
      block_schemas: { block_capabilities: { all_: ['notify'] }, version: { any_: ['3.9.1'] } },
    }, 'set'),
    filter('schemas, empty block_type_id list', '/block_schemas/filter', {
      block_schemas: { block_type_id: { any_: [] } },
    }),
    { id: 'blocks capabilities', method: 'GET', path: '/block_capabilities/' },
    { id: 'blocks delete a protected type', method: 'DELETE', path: '/block_types/{{BT_SECRET}}' },
    { id: 'blocks delete a protected schema', method: 'DELETE', path: '/block_schemas/{{BS_SECRET}}' },
    { id: 'blocks install system block types', path: '/block_types/install_system_block_types' },

    // Types of our own.
    { id: 'blocks create type', path: '/block_types/', body: { name: 'Test Service', slug: 'test-service', description: 'a <b> & c' }, save: { BT_SERVICE: 'id' } },
    { id: 'blocks create nested type', path: '/block_types/', body: { name: 'Test Credentials', slug: 'test-credentials' }, save: { BT_CREDS: 'id' } },
    { id: 'blocks create type, taken slug', path: '/block_types/', body: { name: 'Other', slug: 'test-service' } },
    { id: 'blocks create type, reserved name', path: '/block_types/', body: { name: 'Prefect Thing', slug: 'pt' } },
    { id: 'blocks create type, bad name and slug', path: '/block_types/', body: { name: 'a/b', slug: 'Bad_Slug' } },
    { id: 'blocks create type, extra key', path: '/block_types/', body: { name: 'x', slug: 'x', extra: 1 } },
    { id: 'blocks patch type', method: 'PATCH', path: '/block_types/{{BT_SERVICE}}', body: { description: 'new', logo_url: null } },
    { id: 'blocks patched type', method: 'GET', path: '/block_types/slug/test-service' },
    { id: 'blocks patch type, name', method: 'PATCH', path: '/block_types/{{BT_SERVICE}}', body: { name: 'x' } },
    { id: 'blocks patch unknown type', method: 'PATCH', path: `/block_types/${RANDOM_ID}`, body: {} },
    { id: 'blocks unknown type by slug', method: 'GET', path: '/block_types/slug/nope' },

    // Schemas with a nested block, as the SDK sends them.
    { id: 'blocks schema with a nested block', path: '/block_schemas/', body: { fields: sdk.service.fields, block_type_id: '{{BT_SERVICE}}', capabilities: [], version: '3.9.1' }, save: { BS_SERVICE: 'id' } },
    { id: 'blocks the same schema again', path: '/block_schemas/', body: { fields: sdk.service.fields, block_type_id: '{{BT_SERVICE}}', capabilities: [], version: '3.9.1' } },
    { id: 'blocks the nested schema by checksum', method: 'GET', path: `/block_schemas/checksum/${sdk.credentials.checksum}`, save: { BS_CREDS: 'id' } },
    { id: 'blocks the schema with a nested block, read', method: 'GET', path: '/block_schemas/{{BS_SERVICE}}' },
    { id: 'blocks schema of an unknown type', path: '/block_schemas/', body: { fields: {}, block_type_id: RANDOM_ID } },
    { id: 'blocks schema, bad body', path: '/block_schemas/', body: { fields: [], block_type_id: 'x' } },
    filter('schemas of the new types', '/block_schemas/filter', { block_schemas: { block_type_id: { any_: ['{{BT_SERVICE}}', '{{BT_CREDS}}'] } } }),

    // Documents.
    { id: 'blocks create secret', path: '/block_documents/', body: secretDoc('my-secret', 'sk-123'), save: { BD_SECRET: 'id' } },
    { id: 'blocks create secret, taken name', path: '/block_documents/', body: secretDoc('my-secret', 'other') },
    { id: 'blocks create secret, bad name', path: '/block_documents/', body: secretDoc('My_Secret', 'x') },
    { id: 'blocks create secret, name with /', path: '/block_documents/', body: secretDoc('a/b', 'x') },
    { id: 'blocks create secret, no name', path: '/block_documents/', body: secretDoc(null, 'x') },
    { id: 'blocks create secret holding JSON', path: '/block_documents/', body: secretDoc('json-secret', { user: 'me', token: 42 }) },
    { id: 'blocks create anonymous secret', path: '/block_documents/', body: secretDoc(null, 'anon', { is_anonymous: true }), save: { BD_ANON: 'id' } },
    { id: 'blocks read secret', method: 'GET', path: '/block_documents/{{BD_SECRET}}' },
    { id: 'blocks read secret with secrets', method: 'GET', path: '/block_documents/{{BD_SECRET}}?include_secrets=true' },
    { id: 'blocks read secret, bad include_secrets', method: 'GET', path: '/block_documents/{{BD_SECRET}}?include_secrets=maybe' },
    { id: 'blocks read anonymous', method: 'GET', path: '/block_documents/{{BD_ANON}}' },
    {
      id: 'blocks create credentials',
      path: '/block_documents/',
      body: { name: 'alice-creds', data: { username: 'alice', password: 'hunter2' }, block_type_id: '{{BT_CREDS}}', block_schema_id: '{{BS_CREDS}}' },
      save: { BD_CREDS: 'id' },
    },
    {
      id: 'blocks create a document with a nested one',
      path: '/block_documents/',
      body: { name: 'svc', data: { url: 'https://x', credentials: { $ref: { block_document_id: '{{BD_CREDS}}' } } }, block_type_id: '{{BT_SERVICE}}', block_schema_id: '{{BS_SERVICE}}' },
      save: { BD_SERVICE: 'id' },
    },
    {
      id: 'blocks create a document with a nested one inline',
      path: '/block_documents/',
      body: { name: 'svc-inline', data: { url: 'https://y', credentials: { username: 'bob', password: 'pw' } }, block_type_id: '{{BT_SERVICE}}', block_schema_id: '{{BS_SERVICE}}' },
    },
    { id: 'blocks read the document with a nested one', method: 'GET', path: '/block_documents/{{BD_SERVICE}}?include_secrets=true' },
    { id: 'blocks documents of a type', method: 'GET', path: '/block_types/slug/test-service/block_documents' },
    { id: 'blocks document by type and name', method: 'GET', path: '/block_types/slug/test-service/block_documents/name/svc?include_secrets=true' },
    { id: 'blocks anonymous document by type and name', method: 'GET', path: '/block_types/slug/secret/block_documents/name/nope' },
    { id: 'blocks documents of an unknown type', method: 'GET', path: '/block_types/slug/nope/block_documents' },
    filter('documents', '/block_documents/filter', {}),
    filter('documents with secrets', '/block_documents/filter', { include_secrets: true, sort: 'NAME_DESC' }),
    filter('documents, anonymous too', '/block_documents/filter', { block_documents: { is_anonymous: null } }),
    filter('documents, anonymous only', '/block_documents/filter', { block_documents: { is_anonymous: { eq_: true } } }),
    filter('documents or_ with the default anonymous criterion', '/block_documents/filter', {
      block_documents: { operator: 'or_', name: { any_: ['svc'] }, block_type_id: { any_: ['{{BT_CREDS}}'] } },
    }),
    filter('documents by type slug, sorted by type', '/block_documents/filter', { block_types: { slug: { any_: ['test-service', 'secret'] } }, sort: 'BLOCK_TYPE_AND_NAME_ASC' }),
    filter('documents by schema, limit and offset', '/block_documents/filter', { block_schemas: { id: { any_: ['{{BS_SECRET}}'] } }, limit: 1, offset: 1 }),
    filter('documents named like', '/block_documents/filter', { block_documents: { name: { like_: 'secret' } } }),
    filter('documents, bad sort', '/block_documents/filter', { sort: 'NOPE' }),
    { id: 'blocks count documents', path: '/block_documents/count', body: {} },
    { id: 'blocks count documents, anonymous too', path: '/block_documents/count', body: { block_documents: { is_anonymous: {} } } },
    { id: 'blocks count documents of secret types', path: '/block_documents/count', body: { block_types: { name: { like_: 'secret' } } } },

    // Updates.
    { id: 'blocks merge into credentials', method: 'PATCH', path: '/block_documents/{{BD_CREDS}}', body: { data: { username: 'bob' } } },
    { id: 'blocks merge back an obfuscated secret', method: 'PATCH', path: '/block_documents/{{BD_CREDS}}', body: { data: { username: 'carol', password: '********' } } },
    { id: 'blocks credentials after merges', method: 'GET', path: '/block_documents/{{BD_CREDS}}?include_secrets=true' },
    { id: 'blocks reference cycle', method: 'PATCH', path: '/block_documents/{{BD_CREDS}}', body: { data: { loop: { $ref: { block_document_id: '{{BD_SERVICE}}' } } } } },
    { id: 'blocks move to a schema of another type', method: 'PATCH', path: '/block_documents/{{BD_CREDS}}', body: { data: {}, block_schema_id: '{{BS_SECRET}}' } },
    { id: 'blocks replace without merging', method: 'PATCH', path: '/block_documents/{{BD_SECRET}}', body: { data: { value: 'new' }, merge_existing_data: false } },
    { id: 'blocks secret after replacing', method: 'GET', path: '/block_documents/{{BD_SECRET}}?include_secrets=true' },
    { id: 'blocks patch unknown document', method: 'PATCH', path: `/block_documents/${RANDOM_ID}`, body: { data: {} } },
    { id: 'blocks patch document, extra key', method: 'PATCH', path: '/block_documents/{{BD_SECRET}}', body: { name: 'x' } },

    // Deletes.
    { id: 'blocks delete the nested document', method: 'DELETE', path: '/block_documents/{{BD_CREDS}}' },
    { id: 'blocks the parent loses its reference', method: 'GET', path: '/block_documents/{{BD_SERVICE}}' },
    { id: 'blocks delete it again', method: 'DELETE', path: '/block_documents/{{BD_CREDS}}' },
    { id: 'blocks delete a type of our own', method: 'DELETE', path: '/block_types/{{BT_SERVICE}}' },
    { id: 'blocks its documents are gone', method: 'GET', path: '/block_documents/{{BD_SERVICE}}' },
    { id: 'blocks its schema is gone', method: 'GET', path: '/block_schemas/{{BS_SERVICE}}' },
    { id: 'blocks delete unknown schema', method: 'DELETE', path: `/block_schemas/${RANDOM_ID}` },
    { id: 'blocks count at the end', path: '/block_documents/count', body: { block_documents: { is_anonymous: null } } },
  ];
}
