/** Block schemas, /block_schemas: create, filter, read by id or by checksum (and version), delete. */
import { Hono } from 'hono';
import * as v from 'valibot';
import { eq } from 'drizzle-orm';
import type { AppEnv } from '../env';
import { blockType } from '../db/schema';
import { detailError, notFound } from '../http/errors';
import { methodNotAllowed } from '../http/method-not-allowed';
import { pathUuid, uuidParam } from '../http/params';
import { modelBody } from '../http/validation';
import { BlockSchemaCreate, BlockSchemaFilter } from '../schemas/blocks';
import { opt } from '../schemas/common';
import { DEFAULT_LIMIT, limitField, offsetField, readBody } from '../schemas/pagination';
import { blockSchemaById, createBlockSchema, deleteBlockSchema, readBlockSchemaByChecksum, readBlockSchemas } from '../queries/block-schemas';
import { blockSchemaFilterSql } from '../queries/block-types';
import { describe } from '../openapi/describe';

const FilterBody = v.object({ block_schemas: opt(BlockSchemaFilter), limit: limitField(), offset: offsetField() });

const ID = `/${uuidParam('id')}`;
const schemaNotFound = () => notFound('Block schema not found');

export const blockSchemaRoutes = new Hono<AppEnv>()
  .post('/', describe({ body: BlockSchemaCreate }), async (c) => {
    const body = await modelBody(c, BlockSchemaCreate);
    const result = await c.var.db.transaction(async (tx) => {
      const [type] = await tx.select({ id: blockType.id }).from(blockType).where(eq(blockType.id, body.block_type_id));
      if (!type) throw notFound(`Block type ${body.block_type_id} not found.`);
      return createBlockSchema(tx, body);
    });
    // An existing schema with the same checksum and version is answered with 200.
    return c.json(result.schema, result.created ? 201 : 200);
  })
  .post('/filter', describe({ body: FilterBody }), async (c) => {
    const body = await readBody(c, FilterBody);
    return c.json(
      await readBlockSchemas(c.var.db, {
        where: body.block_schemas ? blockSchemaFilterSql(body.block_schemas) : undefined,
        limit: body.limit ?? DEFAULT_LIMIT,
        offset: body.offset ?? 0,
      }),
    );
  })
  .get(ID, async (c) => {
    const [found] = await readBlockSchemas(c.var.db, { where: blockSchemaById(pathUuid(c, 'id')), limit: 1 });
    if (!found) throw schemaNotFound();
    return c.json(found);
  })
  .delete(ID, async (c) => {
    const outcome = await deleteBlockSchema(c.var.db, pathUuid(c, 'id'));
    if (outcome === 'missing') throw schemaNotFound();
    if (outcome === 'protected') throw detailError(403, 'Block schemas for protected block types cannot be deleted.');
    return c.body(null, 204);
  })
  .get('/checksum/:checksum', async (c) => {
    const found = await readBlockSchemaByChecksum(c.var.db, c.req.param('checksum'), c.req.query('version'));
    if (!found) throw schemaNotFound();
    return c.json(found);
  })
  .all('/', methodNotAllowed)
  .all('/filter', methodNotAllowed)
  .all(ID, methodNotAllowed)
  .all('/checksum/:checksum', methodNotAllowed);
