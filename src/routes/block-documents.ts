/** Block documents, /block_documents: create, filter, count, read, update, delete. */
import { Hono } from 'hono';
import * as v from 'valibot';
import type { AppEnv } from '../env';
import { notFound } from '../http/errors';
import { methodNotAllowed } from '../http/method-not-allowed';
import { pathUuid, uuidParam } from '../http/params';
import { modelBody } from '../http/validation';
import { BLOCK_DOCUMENT_SORTS, BlockDocumentCreate, BlockDocumentFilter, BlockDocumentUpdate, BlockSchemaFilter, BlockTypeFilter } from '../schemas/blocks';
import { enumOf, laxBool, opt } from '../schemas/common';
import { DEFAULT_LIMIT, limitField, offsetField, readBody } from '../schemas/pagination';
import {
  blockDocumentsWhere,
  countBlockDocuments,
  createBlockDocument,
  deleteBlockDocument,
  readBlockDocumentById,
  readBlockDocuments,
  updateBlockDocument,
} from '../queries/block-documents';
import { emitBlockDocumentEvent } from '../queries/block-events';
import { includeSecretsQuery } from './block-query';
import { describe } from '../openapi/describe';

const families = {
  block_documents: opt(BlockDocumentFilter),
  block_types: opt(BlockTypeFilter),
  block_schemas: opt(BlockSchemaFilter),
};
const FilterBody = v.object({
  ...families,
  include_secrets: opt(laxBool()),
  sort: opt(enumOf(BLOCK_DOCUMENT_SORTS)),
  limit: limitField(),
  offset: offsetField(),
});
const CountBody = v.object(families);

const ID = `/${uuidParam('id')}`;
const documentNotFound = () => notFound('Block document not found');

export const blockDocumentRoutes = new Hono<AppEnv>()
  .post('/', describe({ body: BlockDocumentCreate }), async (c) => {
    const body = await modelBody(c, BlockDocumentCreate);
    const created = await c.var.db.transaction(async (tx) => {
      const id = await createBlockDocument(tx, body);
      const doc = (await readBlockDocumentById(tx, id))!;
      await emitBlockDocumentEvent(tx, 'created', doc);
      return doc;
    });
    return c.json(created, 201);
  })
  .post('/filter', describe({ body: FilterBody }), async (c) => {
    const body = await readBody(c, FilterBody);
    return c.json(
      await readBlockDocuments(c.var.db, {
        where: blockDocumentsWhere(body),
        sort: body.sort ?? 'NAME_ASC',
        limit: body.limit ?? DEFAULT_LIMIT,
        offset: body.offset ?? 0,
        includeSecrets: body.include_secrets ?? false,
      }),
    );
  })
  .post('/count', describe({ body: CountBody }), async (c) => {
    const body = await readBody(c, CountBody);
    return c.json(await countBlockDocuments(c.var.db, blockDocumentsWhere(body)));
  })
  .get(ID, async (c) => {
    const includeSecrets = includeSecretsQuery(c);
    const found = await readBlockDocumentById(c.var.db, pathUuid(c, 'id'), includeSecrets);
    if (!found) throw documentNotFound();
    return c.json(found);
  })
  .patch(ID, describe({ body: BlockDocumentUpdate }), async (c) => {
    const body = await modelBody(c, BlockDocumentUpdate);
    const id = pathUuid(c, 'id');
    await c.var.db.transaction(async (tx) => {
      if (!(await updateBlockDocument(tx, id, body))) throw documentNotFound();
      await emitBlockDocumentEvent(tx, 'updated', (await readBlockDocumentById(tx, id))!);
    });
    return c.body(null, 204);
  })
  .delete(ID, async (c) => {
    const id = pathUuid(c, 'id');
    await c.var.db.transaction(async (tx) => {
      // The event describes the document as it was.
      const doc = await readBlockDocumentById(tx, id);
      if (!doc || !(await deleteBlockDocument(tx, id))) throw documentNotFound();
      await emitBlockDocumentEvent(tx, 'deleted', doc);
    });
    return c.body(null, 204);
  })
  .all('/', methodNotAllowed)
  .all('/filter', methodNotAllowed)
  .all('/count', methodNotAllowed)
  .all(ID, methodNotAllowed);
