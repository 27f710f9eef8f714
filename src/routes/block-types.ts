/**
 * Block types, /block_types: create, filter, read by id or slug, update, delete, the documents of a
 * type (by slug), and installing Prefect's own block types.
 */
import { Hono } from 'hono';
import * as v from 'valibot';
import type { AppEnv } from '../env';
import { blockDocument, blockType } from '../db/schema';
import { detailError, notFound } from '../http/errors';
import { methodNotAllowed } from '../http/method-not-allowed';
import { pathUuid, uuidParam } from '../http/params';
import { modelBody } from '../http/validation';
import { BlockSchemaFilter, BlockTypeCreate, BlockTypeFilter, BlockTypeUpdate } from '../schemas/blocks';
import { opt } from '../schemas/common';
import { DEFAULT_LIMIT, limitField, offsetField, readBody } from '../schemas/pagination';
import { installBlockSeed } from '../queries/block-seed';
import {
  blockTypeById,
  blockTypeBySlug,
  blockTypeFilterSql,
  blockTypeRow,
  blockTypeUpdateChanges,
  deleteBlockType,
  insertBlockType,
  readBlockTypes,
  toBlockTypeResponse,
  updateBlockType,
} from '../queries/block-types';
import { readBlockDocuments } from '../queries/block-documents';
import { and, eq, sql } from 'drizzle-orm';
import { emitBlockTypeEvent } from '../queries/block-events';
import { includeSecretsQuery } from './block-query';
import { describe } from '../openapi/describe';

const FilterBody = v.object({
  block_types: opt(BlockTypeFilter),
  block_schemas: opt(BlockSchemaFilter),
  limit: limitField(),
  offset: offsetField(),
});

const ID = `/${uuidParam('id')}`;
const typeNotFound = () => notFound('Block type not found');

export const blockTypeRoutes = new Hono<AppEnv>()
  .post('/', describe({ body: BlockTypeCreate }), async (c) => {
    const body = await modelBody(c, BlockTypeCreate);
    // Names beginning with "Prefect" are kept for Prefect's own types.
    if (body.name.toLowerCase().startsWith('prefect')) throw detailError(403, "Block type names beginning with 'Prefect' are reserved.");
    const created = await c.var.db.transaction(async (tx) => {
      const row = await insertBlockType(tx, body);
      if (row) await emitBlockTypeEvent(tx, 'created', row);
      return row;
    });
    if (!created) throw detailError(409, `Block type with name "${body.name}" already exists`);
    return c.json(created, 201);
  })
  .post('/filter', describe({ body: FilterBody }), async (c) => {
    const body = await readBody(c, FilterBody);
    return c.json(
      await readBlockTypes(c.var.db, {
        where: body.block_types ? blockTypeFilterSql(body.block_types) : undefined,
        schemaFilter: body.block_schemas ?? undefined,
        limit: body.limit ?? DEFAULT_LIMIT,
        offset: body.offset ?? 0,
      }),
    );
  })
  .post('/install_system_block_types', async (c) => {
    // One statement, so no transaction is needed for it to apply whole.
    await installBlockSeed(c.var.db);
    return c.json(null);
  })
  .get(ID, async (c) => {
    const row = await blockTypeRow(c.var.db, blockTypeById(pathUuid(c, 'id')));
    if (!row) throw typeNotFound();
    return c.json(toBlockTypeResponse(row));
  })
  .patch(ID, describe({ body: BlockTypeUpdate }), async (c) => {
    const body = await modelBody(c, BlockTypeUpdate);
    const id = pathUuid(c, 'id');
    await c.var.db.transaction(async (tx) => {
      const row = await blockTypeRow(tx, blockTypeById(id));
      if (!row) throw typeNotFound();
      // Like Prefect, an update that changes nothing is not written (it avoids lock waits when many
      // clients save blocks of one type at once).
      if (!blockTypeUpdateChanges(toBlockTypeResponse(row), body)) return;
      await emitBlockTypeEvent(tx, 'updated', toBlockTypeResponse(await updateBlockType(tx, id, body)));
    });
    return c.body(null, 204);
  })
  .delete(ID, async (c) => {
    await c.var.db.transaction(async (tx) => {
      const outcome = await deleteBlockType(tx, pathUuid(c, 'id'));
      if (outcome === 'missing') throw typeNotFound();
      if (outcome === 'protected') throw detailError(403, 'protected block types cannot be deleted.');
      await emitBlockTypeEvent(tx, 'deleted', outcome);
    });
    return c.body(null, 204);
  })
  .get('/slug/:slug', async (c) => {
    const row = await blockTypeRow(c.var.db, blockTypeBySlug(c.req.param('slug')));
    if (!row) throw typeNotFound();
    return c.json(toBlockTypeResponse(row));
  })
  .get('/slug/:slug/block_documents', async (c) => {
    const includeSecrets = includeSecretsQuery(c);
    const row = await blockTypeRow(c.var.db, blockTypeBySlug(c.req.param('slug')));
    if (!row) throw typeNotFound();
    // Prefect's default document filter applies: anonymous documents are left out.
    const where = and(eq(blockDocument.blockTypeId, row.id), eq(blockDocument.isAnonymous, false));
    return c.json(await readBlockDocuments(c.var.db, { where: where!, includeSecrets }));
  })
  .get('/slug/:slug/block_documents/name/:name', async (c) => {
    const includeSecrets = includeSecretsQuery(c);
    const [found] = await readBlockDocuments(c.var.db, {
      // Any document of that name and type, anonymous ones included.
      where: and(
        eq(blockDocument.name, c.req.param('name')),
        sql`${blockDocument.blockTypeId} in (select ${blockType.id} from ${blockType} where ${blockType.slug} = ${c.req.param('slug')})`,
      )!,
      limit: 1,
      includeSecrets,
    });
    if (!found) throw notFound('Block document not found');
    return c.json(found);
  })
  .all('/', methodNotAllowed)
  .all('/filter', methodNotAllowed)
  .all('/install_system_block_types', methodNotAllowed)
  .all(ID, methodNotAllowed)
  .all('/slug/:slug', methodNotAllowed)
  .all('/slug/:slug/block_documents', methodNotAllowed)
  .all('/slug/:slug/block_documents/name/:name', methodNotAllowed);
