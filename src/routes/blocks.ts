/** The blocks family: block types, schemas, documents and capabilities, mounted together at the API root. */
import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { methodNotAllowed } from '../http/method-not-allowed';
import { readBlockCapabilities } from '../queries/block-schemas';
import { blockDocumentRoutes } from './block-documents';
import { blockSchemaRoutes } from './block-schemas';
import { blockTypeRoutes } from './block-types';

const blockCapabilityRoutes = new Hono<AppEnv>()
  .get('/', async (c) => c.json(await readBlockCapabilities(c.var.db)))
  .all('/', methodNotAllowed);

export const blockRoutes = new Hono<AppEnv>()
  .route('/block_types', blockTypeRoutes)
  .route('/block_schemas', blockSchemaRoutes)
  .route('/block_documents', blockDocumentRoutes)
  .route('/block_capabilities', blockCapabilityRoutes);
