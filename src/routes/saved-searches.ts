/**
 * Saved searches, /saved_searches: the UI's named filter sets. PUT upserts by name (201 when it
 * created the search, 200 when it replaced the filters of an existing one), get and delete by id,
 * and a name-ordered filter endpoint with limit/offset only.
 */
import { Hono } from 'hono';
import * as v from 'valibot';
import type { AppEnv } from '../env';
import { notFound } from '../http/errors';
import { methodNotAllowed } from '../http/method-not-allowed';
import { pathUuid, uuidParam } from '../http/params';
import { modelBody } from '../http/validation';
import { SavedSearchCreate } from '../schemas/actions/saved-searches';
import { DEFAULT_LIMIT, limitField, offsetField, readBody } from '../schemas/pagination';
import { deleteSavedSearch, readSavedSearches, savedSearchById, upsertSavedSearch } from '../queries/saved-searches';
import { describe } from '../openapi/describe';

const FilterBody = v.object({ limit: limitField(), offset: offsetField() });
const ID = `/${uuidParam('id')}`;
const savedSearchNotFound = () => notFound('Saved search not found');

export const savedSearchRoutes = new Hono<AppEnv>()
  .put('/', describe({ body: SavedSearchCreate }), async (c) => {
    const body = await modelBody(c, SavedSearchCreate);
    const { search, inserted } = await upsertSavedSearch(c.var.db, body);
    return c.json(search, inserted ? 201 : 200);
  })
  .post('/filter', describe({ body: FilterBody }), async (c) => {
    const body = await readBody(c, FilterBody);
    return c.json(await readSavedSearches(c.var.db, { limit: body.limit ?? DEFAULT_LIMIT, offset: body.offset ?? 0 }));
  })
  .get(ID, async (c) => {
    const found = await savedSearchById(c.var.db, pathUuid(c, 'id'));
    if (!found) throw savedSearchNotFound();
    return c.json(found);
  })
  .delete(ID, async (c) => {
    if (!(await deleteSavedSearch(c.var.db, pathUuid(c, 'id')))) throw savedSearchNotFound();
    return c.body(null, 204);
  })
  .all('/', methodNotAllowed)
  .all('/filter', methodNotAllowed)
  .all(ID, methodNotAllowed);
