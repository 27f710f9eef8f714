/**
 * Artifacts, /artifacts: create, read / update / delete by id, filter and count; the latest artifact of
 * each key: GET /artifacts/{key}/latest, /artifacts/latest/filter and /artifacts/latest/count.
 */
import { Hono } from 'hono';
import * as v from 'valibot';
import { and, sql, type SQL } from 'drizzle-orm';
import type { AppEnv } from '../env';
import { artifact, artifactCollection } from '../db/schema';
import { notFound } from '../http/errors';
import { methodNotAllowed } from '../http/method-not-allowed';
import { pathUuid, uuidParam } from '../http/params';
import { modelBody } from '../http/validation';
import { ArtifactCreate, ArtifactUpdate } from '../schemas/actions/artifacts';
import { enumOf, opt } from '../schemas/common';
import {
  ARTIFACT_SORTS,
  ArtifactCollectionFilter,
  ArtifactFilter,
  DeploymentFilter,
  FlowFilter,
  FlowRunFilter,
  TaskRunFilter,
} from '../schemas/filters';
import { DEFAULT_LIMIT, limitField, offsetField, readBody } from '../schemas/pagination';
import {
  artifactCollectionFilterSql,
  artifactFilterSql,
  artifactOrder,
  artifactRelatedSql,
} from '../queries/filter-sql/artifacts';
import {
  deleteArtifact,
  insertArtifact,
  readArtifactCollections,
  readArtifacts,
  toArtifactResponse,
  toCollectionResponse,
  updateArtifact,
} from '../queries/artifacts';
import { countWhere } from './read-support';
import { describe } from '../openapi/describe';

const related = {
  flow_runs: opt(FlowRunFilter),
  task_runs: opt(TaskRunFilter),
  flows: opt(FlowFilter),
  deployments: opt(DeploymentFilter),
};
const page = { sort: opt(enumOf(ARTIFACT_SORTS)), limit: limitField(), offset: offsetField() };
const ArtifactCount = v.object({ artifacts: opt(ArtifactFilter), ...related });
const ArtifactFilterBody = v.object({ artifacts: opt(ArtifactFilter), ...related, ...page });
const CollectionCount = v.object({ artifacts: opt(ArtifactCollectionFilter), ...related });
const CollectionFilterBody = v.object({ artifacts: opt(ArtifactCollectionFilter), ...related, ...page });

const artifactsWhere = (b: v.InferOutput<typeof ArtifactCount>) =>
  combineAll(b.artifacts ? artifactFilterSql(b.artifacts) : undefined, artifactRelatedSql(artifact, b));
const collectionsWhere = (b: v.InferOutput<typeof CollectionCount>) =>
  combineAll(b.artifacts ? artifactCollectionFilterSql(b.artifacts) : undefined, artifactRelatedSql(artifactCollection, b));
function combineAll(...parts: (SQL | undefined)[]): SQL | undefined {
  const present = parts.filter((p): p is SQL => p !== undefined);
  return present.length ? and(...present) : undefined;
}

const artifactNotFound = () => notFound('Artifact not found.');
const ID = `/${uuidParam('id')}`;

export const artifactRoutes = new Hono<AppEnv>()
  .post('/', describe({ body: ArtifactCreate }), async (c) => {
    const body = await modelBody(c, ArtifactCreate);
    return c.json(await insertArtifact(c.var.db, body), 201);
  })
  .post('/filter', describe({ body: ArtifactFilterBody }), async (c) => {
    const body = await readBody(c, ArtifactFilterBody);
    return c.json(
      await readArtifacts(c.var.db, {
        where: artifactsWhere(body),
        orderBy: artifactOrder(artifact, body.sort ?? 'ID_DESC'),
        limit: body.limit ?? DEFAULT_LIMIT,
        offset: body.offset ?? 0,
      }),
    );
  })
  .post('/count', describe({ body: ArtifactCount }), async (c) => {
    const body = await readBody(c, ArtifactCount);
    return c.json(await countWhere(c.var.db, artifact, artifactsWhere(body)));
  })
  .post('/latest/filter', describe({ body: CollectionFilterBody }), async (c) => {
    const body = await readBody(c, CollectionFilterBody);
    const rows = await readArtifactCollections(c.var.db, {
      where: collectionsWhere(body),
      orderBy: artifactOrder(artifactCollection, body.sort ?? 'ID_DESC'),
      limit: body.limit ?? DEFAULT_LIMIT,
      offset: body.offset ?? 0,
    });
    return c.json(rows.map(toCollectionResponse));
  })
  .post('/latest/count', describe({ body: CollectionCount }), async (c) => {
    const body = await readBody(c, CollectionCount);
    return c.json(await countWhere(c.var.db, artifactCollection, collectionsWhere(body)));
  })
  .get(ID, async (c) => {
    const [found] = await readArtifacts(c.var.db, { where: sql`${artifact.id} = ${pathUuid(c, 'id')}` });
    if (!found) throw artifactNotFound();
    return c.json(found);
  })
  .patch(ID, describe({ body: ArtifactUpdate }), async (c) => {
    const body = await modelBody(c, ArtifactUpdate);
    if (!(await updateArtifact(c.var.db, pathUuid(c, 'id'), body))) throw artifactNotFound();
    return c.body(null, 204);
  })
  .delete(ID, async (c) => {
    const id = pathUuid(c, 'id');
    if (!(await c.var.db.transaction((tx) => deleteArtifact(tx, id)))) throw artifactNotFound();
    return c.body(null, 204);
  })
  // The collection row of the key, in the artifact's shape (its id is the collection row's, as in Prefect).
  .get('/:key/latest', async (c) => {
    const [found] = await readArtifactCollections(c.var.db, { where: sql`${artifactCollection.key} = ${c.req.param('key')}` });
    if (!found) throw artifactNotFound();
    return c.json(toArtifactResponse(found));
  })
  .all('/', methodNotAllowed)
  .all('/filter', methodNotAllowed)
  .all('/count', methodNotAllowed)
  .all('/latest/filter', methodNotAllowed)
  .all('/latest/count', methodNotAllowed)
  .all(ID, methodNotAllowed)
  .all('/:key/latest', methodNotAllowed);
