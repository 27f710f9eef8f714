/** /saved_searches: the V1 UI's named filters of its run lists (PUT upserts by name). */
import { Hono } from 'hono';
import * as v from 'valibot';
import type { AppEnv } from '../env';
import { notFound } from '../http/errors';
import { methodNotAllowed } from '../http/method-not-allowed';
import { pathUuid, uuidParam } from '../http/params';
import { modelBody } from '../http/validation';
import { SavedSearchCreate } from '../schemas/actions/saved-searches';
import { DEFAULT_LIMIT, limitField, offsetField, readBody } from '../schemas/pagination';
import { deleteSavedSearch, readSavedSearch, readSavedSearches, upsertSavedSearch } from '../queries/saved-searches';

const FilterBody = v.object({ limit: limitField(), offset: offsetField() });

export const savedSearchRoutes = new Hono<AppEnv>()
  .put('/', async (c) => {
    const body = await modelBody(c, SavedSearchCreate);
    const { search, created } = await upsertSavedSearch(c.var.db, body);
    return c.json(search, created ? 201 : 200);
  })
  .post('/filter', async (c) => {
    const body = await readBody(c, FilterBody);
    return c.json(await readSavedSearches(c.var.db, body.limit ?? DEFAULT_LIMIT, body.offset ?? 0));
  })
  .get(`/${uuidParam('id')}`, async (c) => {
    const found = await readSavedSearch(c.var.db, pathUuid(c, 'id'));
    if (!found) throw notFound('Saved search not found');
    return c.json(found);
  })
  .delete(`/${uuidParam('id')}`, async (c) => {
    if (!(await deleteSavedSearch(c.var.db, pathUuid(c, 'id')))) throw notFound('Saved search not found');
    return c.body(null, 204);
  })
  .all('/filter', methodNotAllowed);
